import { GetExecutionHistoryCommand, StartSyncExecutionCommand } from '@aws-sdk/client-sfn';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { userLimitsKey } from '../../domain/keys';
import { TENANT_LIMITS } from '../../domain/limits';
import { settingSubstitutions, WORKFLOW_ERROR, WORKFLOWS, type OnboardingInput } from '../../workflows/registry';
import { startHarness, stopHarness, type Harness } from './stepfunctions-doubles';

/**
 * The onboarding machine itself, run by the local Step Functions service against recording
 * doubles: what it sends for the limits counter, in which order, and what each failure takes back.
 * The real services' answers (conditions, counts) are the local tier's.
 */

const UPDATE_ITEM = 'DynamoDB_20120810.UpdateItem';
const PUT_EVENTS = 'AWSEvents.PutEvents';
const SUBSTITUTIONS = { TableName: 'tenants-table', EventBusName: 'control-plane', UserPoolId: 'us-east-1_pool', ...settingSubstitutions() };
const INPUT: OnboardingInput = { userId: 'u1', username: 'u1', email: 'u1@example.com', tenantName: 'Blue Sky', previousTenantId: null, previousRoleId: null };

const TRANSACT_WRITE = 'DynamoDB_20120810.TransactWriteItems';

/**
 * Every forward Task, in the order a successful run takes them (CreateTenant's branches at once),
 * with the step the failure event names (a branch's failure is CreateTenant's) and the call that
 * takes the count back (alone, or inside the transaction that undoes the tenant's items).
 */
const FORWARD_STEPS: [step: string, failedStep: string, release: string][] = [
  ['ReserveTenantQuota', 'ReserveTenantQuota', UPDATE_ITEM],
  ['CreateTenantItems', 'CreateTenant', TRANSACT_WRITE],
  ['CreateTenantGroup', 'CreateTenant', TRANSACT_WRITE],
  ['AddUserToGroup', 'CreateTenant', TRANSACT_WRITE],
  ['SetActiveTenant', 'SetActiveTenant', TRANSACT_WRITE],
  ['PublishOnboarded', 'PublishOnboarded', TRANSACT_WRITE],
];

interface DetailEntry {
  Detail: string;
}

describe('the onboarding machine against recorded services', () => {
  let harness: Harness;
  let stateMachineArn: string;

  beforeAll(async () => {
    harness = await startHarness();
    const aslText = readFileSync(join(__dirname, '..', '..', WORKFLOWS.onboarding.aslFile), 'utf8');
    ({ stateMachineArn } = harness.stepFunctions.createStateMachine({ name: WORKFLOWS.onboarding.name, aslText, substitutions: SUBSTITUTIONS }));
  });
  afterAll(() => stopHarness(harness));
  beforeEach(() => {
    harness.doubles.reset();
    harness.stepFunctions.faults.clear();
  });

  const run = () => harness.sfn.send(new StartSyncExecutionCommand({ stateMachineArn, input: JSON.stringify(INPUT) }));
  const operations = () => harness.doubles.calls.map((call) => call.operation);
  const bodyOf = (call: { body: unknown } | undefined) => call?.body as Record<string, unknown> | undefined;
  const lastEventDetail = (): Record<string, unknown> => {
    const entries = (bodyOf(harness.doubles.callsOf(PUT_EVENTS).at(-1))?.Entries ?? []) as DetailEntry[];
    return JSON.parse(entries[0]?.Detail ?? '{}') as Record<string, unknown>;
  };
  const failWith = (stateName: string, error: string) =>
    harness.stepFunctions.faults.inject({ stateMachineName: WORKFLOWS.onboarding.name, stateName, error, count: 1 });

  it("counts the tenant on the user's limits item before any other write, against the substituted limits", async () => {
    const result = await run();

    expect(result.status).toBe('SUCCEEDED');
    expect(operations()[0]).toBe(UPDATE_ITEM);
    const { tenantId } = JSON.parse(result.output ?? '{}') as { tenantId: string };
    const key = userLimitsKey(INPUT.userId);
    expect(bodyOf(harness.doubles.calls[0])).toEqual({
      TableName: 'tenants-table',
      Key: { PK: { S: key.PK }, SK: { S: key.SK } },
      UpdateExpression: 'ADD tenantsCreated :one, memberships :one, countedTenantIds :tenant',
      ConditionExpression:
        '(attribute_not_exists(tenantsCreated) OR tenantsCreated < :maxCreated) AND (attribute_not_exists(memberships) OR memberships < :maxMemberships)',
      ExpressionAttributeValues: {
        ':one': { N: '1' },
        ':tenant': { SS: [tenantId] },
        ':maxCreated': { N: String(TENANT_LIMITS.maxTenantsPerUser) },
        ':maxMemberships': { N: String(TENANT_LIMITS.maxMembershipsPerUser) },
      },
    });
  });

  it('makes 6 calls and enters 12 states on a successful run, taking nothing back', async () => {
    const result = await run();

    const { events = [] } = await harness.sfn.send(new GetExecutionHistoryCommand({ executionArn: result.executionArn, maxResults: 1000 }));
    expect(events.filter((event) => event.type?.endsWith('StateEntered'))).toHaveLength(12);
    const calls = operations();
    expect([calls[0], ...calls.slice(-2)]).toEqual([UPDATE_ITEM, 'AWSCognitoIdentityProviderService.AdminUpdateUserAttributes', PUT_EVENTS]);
    // CreateTenant's branches run at once: the items' transaction and the group's two calls in any order between them.
    expect(calls.slice(1, -2).sort()).toEqual([TRANSACT_WRITE, 'AWSCognitoIdentityProviderService.AdminAddUserToGroup', 'AWSCognitoIdentityProviderService.CreateGroup'].sort());
    expect(calls.indexOf('AWSCognitoIdentityProviderService.CreateGroup')).toBeLessThan(calls.indexOf('AWSCognitoIdentityProviderService.AdminAddUserToGroup'));
  });

  it('refuses a user at a limit with the limit error, after the failure event and without another write', async () => {
    harness.doubles.failNext(UPDATE_ITEM, 'ConditionalCheckFailedException', 'The conditional request failed');

    const result = await run();

    expect({ status: result.status, error: result.error }).toEqual({ status: 'FAILED', error: WORKFLOW_ERROR.tenantLimitReached });
    expect(result.cause).toBe(
      `You cannot create another tenant: one user may create at most ${TENANT_LIMITS.maxTenantsPerUser} tenants and belong to at most ${TENANT_LIMITS.maxMembershipsPerUser}, and you have reached one of these limits`,
    );
    expect(operations()).toEqual([UPDATE_ITEM, PUT_EVENTS]);
    expect(lastEventDetail()).toEqual({
      userId: INPUT.userId,
      tenantName: INPUT.tenantName,
      failedStep: 'ReserveTenantQuota',
      error: WORKFLOW_ERROR.tenantLimitReached,
      executionId: expect.any(String),
    });
  });

  it.each(FORWARD_STEPS)('takes back the count of this run when %s fails, as the last undo before the failure event', async (step, failedStep, release) => {
    failWith(step, 'States.TaskFailed');

    const result = await run();

    expect({ status: result.status, error: result.error }).toEqual({ status: 'FAILED', error: WORKFLOW_ERROR.onboardingFailed });
    expect(operations().slice(-2)).toEqual([release, PUT_EVENTS]);
    const tenantId = String(lastEventDetail().tenantId);
    const key = userLimitsKey(INPUT.userId);
    const body = bodyOf(harness.doubles.callsOf(release).at(-1));
    const update = release === UPDATE_ITEM ? body : ((body?.TransactItems ?? []) as { Update?: Record<string, unknown> }[]).at(-1)?.Update;
    expect(update).toEqual({
      TableName: 'tenants-table',
      Key: { PK: { S: key.PK }, SK: { S: key.SK } },
      UpdateExpression: 'ADD tenantsCreated :minusOne, memberships :minusOne DELETE countedTenantIds :tenant',
      ConditionExpression: 'contains(countedTenantIds, :tenantId)',
      ExpressionAttributeValues: { ':minusOne': { N: '-1' }, ':tenant': { SS: [tenantId] }, ':tenantId': { S: tenantId } },
    });
    expect(lastEventDetail()).toMatchObject({ failedStep, error: 'States.TaskFailed' });
  });

  it('carries on to the failure event, without retrying, when the release finds no count of this run to take back', async () => {
    // The counting update timed out before it reached the table: there is nothing to release.
    failWith('ReserveTenantQuota', 'States.Timeout');
    harness.doubles.failNext(UPDATE_ITEM, 'ConditionalCheckFailedException', 'The conditional request failed');

    const result = await run();

    expect(result.error).toBe(WORKFLOW_ERROR.onboardingFailed);
    expect(operations()).toEqual([UPDATE_ITEM, PUT_EVENTS]);
    expect(lastEventDetail()).toMatchObject({ failedStep: 'ReserveTenantQuota', error: 'States.Timeout' });
  });
});
