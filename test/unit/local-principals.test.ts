import { FUNCTIONS } from '../../handlers/catalog';
import { ARNS } from '../../infra/policies/arns';
import { CredentialStore } from '../../local/iam/credential-store';
import { assumedRoleArn, evaluate, sessionPrincipalOf } from '../../local/iam/policy-evaluator';
import { RoleAlreadyRegisteredError, RolePolicies, UnknownRoleError, type Denial } from '../../local/iam/role-policies';
import { functionRoleArn, functionRolePolicies, ROLE_SESSION_SECONDS, roleSessions, stateMachineRolePolicies, type PrincipalResources } from '../../local/principals';
import { WORKFLOWS, type WorkflowKey } from '../../workflows/registry';

const scope = { region: 'us-east-1', accountId: '000000000000' };
const resources: PrincipalResources = {
  tableName: 'table',
  eventBusName: 'bus',
  userPoolId: 'us-east-1_pool',
  identityPoolId: 'us-east-1:pool',
  stateMachineArns: Object.fromEntries((Object.keys(WORKFLOWS) as WorkflowKey[]).map((key) => [key, ARNS.stateMachine(scope, WORKFLOWS[key].name)])) as Record<WorkflowKey, string>,
};
const allowAll = { Version: '2012-10-17' as const, Statement: [{ Effect: 'Allow' as const, Action: ['*'], Resource: ['*'] }] };
const denyAll = { Version: '2012-10-17' as const, Statement: [] };

describe('the local IAM roles', () => {
  it('evaluates an override until it is restored, then the registered policy again', () => {
    const roles = new RolePolicies();
    roles.register('arn:aws:iam::000000000000:role/R', allowAll);

    const restore = roles.override('arn:aws:iam::000000000000:role/R', denyAll);
    const during = roles.policyFor('arn:aws:iam::000000000000:role/R');
    restore();

    expect(during).toBe(denyAll);
    expect(roles.policyFor('arn:aws:iam::000000000000:role/R')).toBe(allowAll);
    expect(roles.registered().get('arn:aws:iam::000000000000:role/R')).toBe(allowAll);
  });

  it('refuses to register a role twice or override one nobody registered', () => {
    const roles = new RolePolicies();
    roles.register('arn:aws:iam::000000000000:role/R', allowAll);

    expect(() => roles.register('arn:aws:iam::000000000000:role/R', denyAll)).toThrow(RoleAlreadyRegisteredError);
    expect(() => roles.override('arn:aws:iam::000000000000:role/Other', allowAll)).toThrow(UnknownRoleError);
    expect(roles.policyFor('arn:aws:iam::000000000000:role/Other')).toBeUndefined();
  });

  it('records every refusal, tells its listener and keeps the newest 500', () => {
    const heard: Denial[] = [];
    const roles = new RolePolicies((denial) => heard.push(denial));

    for (let index = 0; index < 501; index += 1) {
      roles.recordDenial({ principal: 'p', roleArn: 'r', action: `a:${index}`, resource: '*', explicit: false });
    }

    expect(heard).toHaveLength(501);
    expect(roles.denials()).toHaveLength(500);
    expect(roles.denials()[0]?.action).toBe('a:1');
  });
});

describe('the session credentials of a function or a state machine', () => {
  it('are the role session Lambda names after the function, reused while fresh', () => {
    const store = new CredentialStore();
    const session = roleSessions(store);
    const roleArn = functionRoleArn(scope, FUNCTIONS.getMe);

    const first = session(roleArn, FUNCTIONS.getMe.name);
    const again = session(roleArn, FUNCTIONS.getMe.name);

    expect(again).toBe(first);
    expect(first.accessKeyId).toMatch(/^ASIA/);
    expect(sessionPrincipalOf(first, scope.accountId).sessionArn).toBe(assumedRoleArn(roleArn, 'GetMe'));
    expect(sessionPrincipalOf(first, scope.accountId).sessionArn).toBe('arn:aws:sts::000000000000:assumed-role/GetMeFunctionRole/GetMe');
  });

  it('are reissued once they come within ten minutes of expiring', () => {
    let now = new Date('2026-12-01T00:00:00Z');
    const store = new CredentialStore(() => now);
    const session = roleSessions(store, () => now);
    const first = session('arn:aws:iam::000000000000:role/R', 'R');

    now = new Date(now.getTime() + (ROLE_SESSION_SECONDS - 601) * 1000);
    const stillFresh = session('arn:aws:iam::000000000000:role/R', 'R');
    now = new Date(now.getTime() + 2000);
    const renewed = session('arn:aws:iam::000000000000:role/R', 'R');

    expect(stillFresh).toBe(first);
    expect(renewed.accessKeyId).not.toBe(first.accessKeyId);
    expect(renewed.expiration.getTime()).toBe(now.getTime() + ROLE_SESSION_SECONDS * 1000);
  });
});

describe('the principals the local cloud registers', () => {
  it('gives every catalog function and every state machine a policy of its own', () => {
    const functions = functionRolePolicies(scope, resources);
    const machines = stateMachineRolePolicies(scope, resources);

    expect(functions.size).toBe(Object.keys(FUNCTIONS).length);
    expect(machines.size).toBe(Object.keys(WORKFLOWS).length);
    expect([...functions.keys(), ...machines.keys()].every((arn) => arn.startsWith('arn:aws:iam::000000000000:role/'))).toBe(true);
  });

  it('lets only the authorizer mint an OpenID token for the identity pool', () => {
    const functions = functionRolePolicies(scope, resources);
    const request = { action: 'cognito-identity:GetOpenIdTokenForDeveloperIdentity', resource: ARNS.identityPool(scope, resources.identityPoolId), context: {} };

    const allowed = [...functions].filter(([roleArn, policy]) =>
      evaluate(policy, { roleArn, sessionArn: assumedRoleArn(roleArn, 'x'), accountId: scope.accountId, principalTags: {} }, [request]).allowed,
    );

    expect(allowed.map(([roleArn]) => roleArn)).toEqual([functionRoleArn(scope, FUNCTIONS.authorizer)]);
  });
});
