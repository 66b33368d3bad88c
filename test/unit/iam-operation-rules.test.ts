import { ruleFor } from '../../local/iam/operation-rules';
import type { AwsRequest } from '../../local/server/types';

const scope = { region: 'us-east-1', accountId: '000000000000' };
const stepFunctionsCall = (operation: string, body: Record<string, unknown>): AwsRequest => ({
  method: 'POST',
  path: '/',
  query: new URLSearchParams(),
  headers: {},
  body: Buffer.from(JSON.stringify(body)),
  target: `AWSStepFunctions.${operation}`,
});

describe('what the caller gate asks IAM for the definition operations', () => {
  it("asks for TestState and for passing the role it names, as a Task runs with that role's rights", () => {
    const rule = ruleFor(stepFunctionsCall('TestState', { definition: '{}', roleArn: 'arn:aws:iam::000000000000:role/tester' }), scope, 'stepfunctions');

    expect(rule.access).toBe('signed');
    const requests = rule.access === 'signed' ? rule.authorizationRequests().map(({ action, resource }) => ({ action, resource })) : [];
    expect(requests).toEqual([
      { action: 'states:TestState', resource: '*' },
      { action: 'iam:PassRole', resource: 'arn:aws:iam::000000000000:role/tester' },
    ]);
  });

  const requestsOf = (operation: string, body: Record<string, unknown>) => {
    const rule = ruleFor(stepFunctionsCall(operation, body), scope, 'stepfunctions');
    return rule.access === 'signed' ? rule.authorizationRequests().map(({ action, resource }) => ({ action, resource })) : [];
  };

  it('asks for passing the role a machine is created with, as an unknown role would run its tasks as the administrator locally', () => {
    const requests = requestsOf('CreateStateMachine', { name: 'M', definition: '{}', roleArn: 'arn:aws:iam::000000000000:role/made-up' });

    expect(requests).toEqual([
      { action: 'states:CreateStateMachine', resource: 'arn:aws:states:us-east-1:000000000000:stateMachine:M' },
      { action: 'iam:PassRole', resource: 'arn:aws:iam::000000000000:role/made-up' },
    ]);
  });

  it('asks for passing the role an update names, and for no role when the update keeps its own', () => {
    const arn = 'arn:aws:states:us-east-1:000000000000:stateMachine:Switching';

    const withRole = requestsOf('UpdateStateMachine', { stateMachineArn: arn, roleArn: 'arn:aws:iam::000000000000:role/made-up' });
    const withoutRole = requestsOf('UpdateStateMachine', { stateMachineArn: arn, definition: '{}' });

    expect(withRole).toEqual([
      { action: 'states:UpdateStateMachine', resource: arn },
      { action: 'iam:PassRole', resource: 'arn:aws:iam::000000000000:role/made-up' },
    ]);
    expect(withoutRole).toEqual([{ action: 'states:UpdateStateMachine', resource: arn }]);
  });

  it('asks for ListTagsForResource on the resource it names', () => {
    const arn = 'arn:aws:states:us-east-1:000000000000:stateMachine:Switching';

    const rule = ruleFor(stepFunctionsCall('ListTagsForResource', { resourceArn: arn }), scope, 'stepfunctions');

    expect(rule.access === 'signed' ? rule.authorizationRequests().map(({ action, resource }) => ({ action, resource })) : []).toEqual([{ action: 'states:ListTagsForResource', resource: arn }]);
  });
});
