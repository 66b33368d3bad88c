import type { RouteDefinition } from '../../handlers/api/routes';
import { apiStagePrefix, invokePolicy } from '../../handlers/authorizer/policy';

const routes: RouteDefinition[] = [
  { method: 'GET', path: '/me', functionName: 'GetMe', withoutTenant: true, action: null },
  { method: 'PUT', path: '/members/{userId}/role', functionName: 'AssignRole', withoutTenant: false, action: 'role:assign' },
];

describe("the authorizer's policy", () => {
  it("builds every route's ARN on the incoming method ARN's API and stage, path parameters as wildcards", () => {
    const policy = invokePolicy('arn:aws:execute-api:us-east-1:000000000000:localapi/local/GET/me', routes, true);

    expect(policy).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'execute-api:Invoke',
          Resource: [
            'arn:aws:execute-api:us-east-1:000000000000:localapi/local/GET/me',
            'arn:aws:execute-api:us-east-1:000000000000:localapi/local/PUT/members/*/role',
          ],
        },
      ],
    });
  });

  it('leaves out the routes that need a tenant for a caller without one, and denies nothing explicitly', () => {
    const policy = invokePolicy('arn:aws-cn:execute-api:cn-north-1:123456789012:a1b2c3/v1/PUT/members/u1/role', routes, false);

    expect(policy.Statement).toEqual([{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: ['arn:aws-cn:execute-api:cn-north-1:123456789012:a1b2c3/v1/GET/me'] }]);
  });

  it.each(['', 'arn:aws:lambda:us-east-1:1:function:x', 'arn:aws:execute-api:us-east-1:1:api-only'])('rejects %j as a method ARN', (methodArn) => {
    expect(() => apiStagePrefix(methodArn)).toThrow(expect.objectContaining({ name: 'InvalidMethodArnError' }));
  });
});
