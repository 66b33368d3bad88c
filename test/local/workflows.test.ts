import { AdminAddUserToGroupCommand, GetGroupCommand, ResourceNotFoundException } from '@aws-sdk/client-cognito-identity-provider';
import { PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { membershipIndexKeys, membershipKey, roleKey, tenantRecordKey, userPartition } from '../../domain/keys';
import { ACTIONS, ADMIN_ROLE_ID } from '../../domain/permissions';
import { USER_INDEX } from '../../domain/table';
import { DETAIL_TYPE, EVENT_CATALOG, type DetailType, type EventDetail } from '../../events/catalog';
import { WORKFLOW_ERROR, type OnboardingInput, type OnboardingOutput, type SwitchingInput } from '../../workflows/registry';
import { clients, outputs } from './support';
import { activeAttributes, getItem, groupsOf, newUser, setActiveAttributes, type User } from './tenant-fixtures';
import { enteredStates, injectFault, run } from './workflow-runs';

/**
 * Both workflows on the running local cloud, as the API runs them: StartSyncExecution through the
 * real SFN client, every step a real call to DynamoDB Local, the user pool and the bus. Faults are
 * injected per state over HTTP; after every run the invariants of DESIGN.md §6 are read back from
 * the services themselves.
 */

const { cognito, dynamodb } = clients();

/** The caller's active tenant and role as the token states them (the workflows' `previous…` input). */
interface Active {
  readonly tenantId: string | null;
  readonly roleId: string | null;
}

const NO_ACTIVE_TENANT: Active = { tenantId: null, roleId: null };

/** One visit of a Task state, read from the history. */
interface TaskVisit {
  readonly parameters: unknown;
  readonly errors: string[];
  readonly succeeded: boolean;
}

/** The state's single visit: what it was called with, which attempts failed, and whether one succeeded. */
function taskVisit(events: HistoryEvent[], stateName: string): TaskVisit | undefined {
  const entered = events.findIndex((event) => event.type === 'TaskStateEntered' && event.stateEnteredEventDetails?.name === stateName);
  if (entered < 0) return undefined;
  const exited = events.findIndex((event, index) => index > entered && event.type === 'TaskStateExited' && event.stateExitedEventDetails?.name === stateName);
  const visit = events.slice(entered, exited < 0 ? undefined : exited);
  const scheduled = visit.find((event) => event.type === 'TaskScheduled')?.taskScheduledEventDetails?.parameters;
  return {
    parameters: scheduled ? JSON.parse(scheduled) : undefined,
    errors: visit.flatMap((event) => (event.type === 'TaskFailed' ? [event.taskFailedEventDetails?.error ?? ''] : [])),
    succeeded: visit.some((event) => event.type === 'TaskSucceeded'),
  };
}

/** The event a Publish state put on the bus (it succeeded), parsed with the catalog's schema. */
function publishedDetail<T extends DetailType>(events: HistoryEvent[], stateName: string, detailType: T): EventDetail<T> {
  const visit = taskVisit(events, stateName);
  if (!visit) throw new Error(`${stateName} was never entered; states entered: ${enteredStates(events).join(', ')}`);
  if (!visit.succeeded) throw new Error(`${stateName} did not succeed: ${visit.errors.join(', ')}`);
  const [entry] = (visit.parameters as { Entries: { Source: string; DetailType: string; Detail: unknown }[] }).Entries;
  expect({ source: entry?.Source, detailType: entry?.DetailType }).toEqual({ source: EVENT_CATALOG[detailType].source, detailType });
  return EVENT_CATALOG[detailType].schema.parse(entry?.Detail) as EventDetail<T>;
}

const onboardingInput = (user: User, tenantName: string, previous: Active): OnboardingInput => ({
  userId: user.userId,
  username: user.username,
  email: `${user.userId}@example.com`,
  tenantName,
  previousTenantId: previous.tenantId,
  previousRoleId: previous.roleId,
});

async function onboard(user: User, tenantName: string, previous: Active = NO_ACTIVE_TENANT): Promise<string> {
  const result = await run('onboarding', onboardingInput(user, tenantName, previous));
  if (result.status !== 'SUCCEEDED') throw new Error(`onboarding ${tenantName} ended ${result.status} ${result.error}`);
  return (result.output as OnboardingOutput).tenantId;
}

async function groupExists(groupName: string): Promise<boolean> {
  try {
    await cognito.send(new GetGroupCommand({ UserPoolId: outputs().userPoolId, GroupName: groupName }));
    return true;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return false;
    throw error;
  }
}

/** DESIGN.md §6, read back from Cognito and DynamoDB for the user and every tenant a run drew. */
async function expectInvariants(user: User, tenantIds: readonly string[]): Promise<void> {
  const active = await activeAttributes(user.username);
  if (active.tenantId !== '') {
    expect({ activeTenant: active.tenantId, membership: (await getItem(membershipKey(active.tenantId, user.userId)))?.roleId?.S }).toEqual({
      activeTenant: active.tenantId,
      membership: active.roleId,
    });
  }
  for (const group of await groupsOf(user.username)) {
    expect({ group, record: Boolean(await getItem(tenantRecordKey(group))) }).toEqual({ group, record: true });
  }
  for (const tenantId of tenantIds) {
    const record = Boolean(await getItem(tenantRecordKey(tenantId)));
    const adminRole = Boolean(await getItem(roleKey(tenantId, ADMIN_ROLE_ID)));
    const group = await groupExists(tenantId);
    // No group without a tenant record, no tenant without an admin.
    expect({ tenantId, record, adminRole, group }).toEqual({ tenantId, record: group || adminRole, adminRole: record, group: record });
  }
}

describe('the onboarding workflow on the local cloud', () => {
  it('creates the tenant with the caller as its admin and active tenant, and publishes tenant.onboarded', async () => {
    const user = await newUser('onboard');

    const result = await run('onboarding', onboardingInput(user, 'Blue Sky Flight School', NO_ACTIVE_TENANT));

    expect(result.status).toBe('SUCCEEDED');
    const output = result.output as OnboardingOutput;
    expect(output).toEqual({ tenantId: expect.stringMatching(/^[0-9a-f-]{36}$/), tenantName: 'Blue Sky Flight School', roleId: ADMIN_ROLE_ID });
    const { tenantId } = output;
    expect((await getItem(tenantRecordKey(tenantId)))?.name).toEqual({ S: 'Blue Sky Flight School' });
    expect(await getItem(membershipKey(tenantId, user.userId))).toMatchObject({ roleId: { S: ADMIN_ROLE_ID }, tenantName: { S: 'Blue Sky Flight School' } });
    expect(await getItem(roleKey(tenantId, ADMIN_ROLE_ID))).toMatchObject({ actions: { L: ACTIONS.map((action) => ({ S: action })) }, builtIn: { BOOL: true } });
    expect(await groupsOf(user.username)).toEqual([tenantId]);
    expect(await activeAttributes(user.username)).toEqual({ tenantId, roleId: ADMIN_ROLE_ID });
    expect(publishedDetail(result.events, 'PublishOnboarded', DETAIL_TYPE.tenantOnboarded)).toMatchObject({ tenantId, userId: user.userId, roleId: ADMIN_ROLE_ID });
    await expectInvariants(user, [tenantId]);
  });

  it('lists the new tenant by name on the user index under the shared keys', async () => {
    const user = await newUser('index');
    const tenantId = await onboard(user, 'Indexed Aero Club');

    const { Items = [] } = await dynamodb.send(
      new QueryCommand({
        TableName: outputs().tableName,
        IndexName: USER_INDEX.indexName,
        KeyConditionExpression: '#pk = :user',
        ExpressionAttributeNames: { '#pk': USER_INDEX.partitionKey },
        ExpressionAttributeValues: { ':user': { S: userPartition(user.userId) } },
      }),
    );

    expect(Items).toEqual([
      expect.objectContaining({
        [USER_INDEX.sortKey]: { S: membershipIndexKeys(tenantId, user.userId)[USER_INDEX.sortKey] },
        tenantName: { S: 'Indexed Aero Club' },
        roleId: { S: ADMIN_ROLE_ID },
      }),
    ]);
  });

  it('keeps every token out of the execution: its input, history and output hold none', async () => {
    const user = await newUser('tokens');

    const result = await run('onboarding', onboardingInput(user, 'Tokenless Gliding', NO_ACTIVE_TENANT));

    expect(result.status).toBe('SUCCEEDED');
    // Cognito tokens are JWTs, and every JWT starts with the base64 of `{"`.
    expect(JSON.stringify(result.events)).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
  });

  // A failure inside CreateTenant's branches is told as CreateTenant's: a Catch cannot name the state it caught for.
  it.each([
    ['CreateTenantItems', 'DynamoDb.InternalServerErrorException', 'CreateTenant'],
    ['CreateTenantGroup', 'CognitoIdentityProvider.InternalErrorException', 'CreateTenant'],
    ['AddUserToGroup', 'States.Timeout', 'CreateTenant'],
    ['SetActiveTenant', 'States.TaskFailed', 'SetActiveTenant'],
    ['PublishOnboarded', 'EventBridge.InternalException', 'PublishOnboarded'],
  ])('undoes everything when %s fails with %s, restores the previous tenant and publishes the failure', async (stateName, error, failedStep) => {
    const user = await newUser('onboard-fault');
    const previousTenantId = await onboard(user, 'First Flying Club');
    await injectFault('onboarding', stateName, error, user.userId);

    const result = await run('onboarding', onboardingInput(user, 'Second Flying Club', { tenantId: previousTenantId, roleId: ADMIN_ROLE_ID }));

    expect({ status: result.status, error: result.error }).toEqual({ status: 'FAILED', error: WORKFLOW_ERROR.onboardingFailed });
    const failure = publishedDetail(result.events, 'PublishOnboardingFailed', DETAIL_TYPE.tenantOnboardingFailed);
    expect(failure).toMatchObject({ userId: user.userId, tenantName: 'Second Flying Club', failedStep, error });
    const drawn = failure.tenantId ?? '';
    expect({
      record: await getItem(tenantRecordKey(drawn)),
      membership: await getItem(membershipKey(drawn, user.userId)),
      adminRole: await getItem(roleKey(drawn, ADMIN_ROLE_ID)),
      group: await groupExists(drawn),
    }).toEqual({ record: undefined, membership: undefined, adminRole: undefined, group: false });
    expect(await groupsOf(user.username)).toEqual([previousTenantId]);
    expect(await activeAttributes(user.username)).toEqual({ tenantId: previousTenantId, roleId: ADMIN_ROLE_ID });
    await expectInvariants(user, [previousTenantId, drawn]);
  });

  it('clears the active tenant again when the user had none before a failed run', async () => {
    const user = await newUser('onboard-first');
    await injectFault('onboarding', 'PublishOnboarded', 'EventBridge.InternalException', user.userId);

    const result = await run('onboarding', onboardingInput(user, 'Only Try Aviation', NO_ACTIVE_TENANT));

    expect(result.error).toBe(WORKFLOW_ERROR.onboardingFailed);
    expect(await activeAttributes(user.username)).toEqual({ tenantId: '', roleId: '' });
    expect(await groupsOf(user.username)).toEqual([]);
  });

  it.each([
    ['CreateTenantGroup', 'CognitoIdentityProvider.TooManyRequestsException'],
    ['CreateTenantItems', 'DynamoDb.ProvisionedThroughputExceededException'],
    // A throttled or conflicting transaction is cancelled, not throttled; the items' conditions fail only for a colliding id.
    ['CreateTenantItems', 'DynamoDb.TransactionCanceledException'],
    ['PublishOnboarded', 'EventBridge.FailedEntry'],
  ])('retries %s after %s and completes', async (stateName, error) => {
    const user = await newUser('onboard-throttled');
    await injectFault('onboarding', stateName, error, user.userId);

    const result = await run('onboarding', onboardingInput(user, 'Patient Pilots', NO_ACTIVE_TENANT));

    expect(result.status).toBe('SUCCEEDED');
    expect(taskVisit(result.events, stateName)).toEqual(expect.objectContaining({ errors: [error], succeeded: true }));
    await expectInvariants(user, [(result.output as OnboardingOutput).tenantId]);
  });
});

describe('the switching workflow on the local cloud', () => {
  /** A user who onboarded two tenants, the second one active. */
  async function userWithTwoTenants(label: string): Promise<{ user: User; first: string; second: string }> {
    const user = await newUser(label);
    const first = await onboard(user, `${label} first`);
    const second = await onboard(user, `${label} second`, { tenantId: first, roleId: ADMIN_ROLE_ID });
    return { user, first, second };
  }

  const switchInput = (user: User, targetTenantId: string, previous: Active): SwitchingInput => ({
    userId: user.userId,
    username: user.username,
    targetTenantId,
    previousTenantId: previous.tenantId,
    previousRoleId: previous.roleId,
  });

  it('makes a tenant of the caller active with its role and publishes tenant.switched', async () => {
    const { user, first, second } = await userWithTwoTenants('switch');

    const result = await run('switching', switchInput(user, first, { tenantId: second, roleId: ADMIN_ROLE_ID }));

    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({ tenantId: first, roleId: ADMIN_ROLE_ID });
    expect(await activeAttributes(user.username)).toEqual({ tenantId: first, roleId: ADMIN_ROLE_ID });
    expect(publishedDetail(result.events, 'PublishSwitched', DETAIL_TYPE.tenantSwitched)).toMatchObject({
      tenantId: first,
      previousTenantId: second,
      userId: user.userId,
      roleId: ADMIN_ROLE_ID,
    });
    await expectInvariants(user, [first, second]);
  });

  it('sets the role the membership holds, not admin', async () => {
    const owner = await newUser('switch-owner');
    const member = await newUser('switch-member');
    const tenantId = await onboard(owner, 'Shared Hangar');
    await cognito.send(new AdminAddUserToGroupCommand({ UserPoolId: outputs().userPoolId, Username: member.username, GroupName: tenantId }));
    const key = membershipKey(tenantId, member.userId);
    await dynamodb.send(
      new PutItemCommand({
        TableName: outputs().tableName,
        Item: {
          PK: { S: key.PK },
          SK: { S: key.SK },
          ...Object.fromEntries(Object.entries(membershipIndexKeys(tenantId, member.userId)).map(([name, value]) => [name, { S: value }])),
          tenantId: { S: tenantId },
          tenantName: { S: 'Shared Hangar' },
          userId: { S: member.userId },
          roleId: { S: 'pilot' },
        },
      }),
    );

    const result = await run('switching', switchInput(member, tenantId, NO_ACTIVE_TENANT));

    expect(result.output).toEqual({ tenantId, roleId: 'pilot' });
    expect(await activeAttributes(member.username)).toEqual({ tenantId, roleId: 'pilot' });
    expect(publishedDetail(result.events, 'PublishSwitched', DETAIL_TYPE.tenantSwitched).previousTenantId).toBeNull();
  });

  it('refuses a tenant no membership item backs, as for a member removed since the token was issued, and publishes access.denied', async () => {
    const { user, second } = await userWithTwoTenants('switch-removed');
    const foreignTenantId = await onboard(await newUser('switch-stranger'), 'Stranger Club');

    const result = await run('switching', switchInput(user, foreignTenantId, { tenantId: second, roleId: ADMIN_ROLE_ID }));

    expect(result.error).toBe(WORKFLOW_ERROR.notAMember);
    expect(taskVisit(result.events, 'GetMembership')).toMatchObject({ succeeded: true });
    expect(publishedDetail(result.events, 'PublishAccessDenied', DETAIL_TYPE.accessDenied).tenantId).toBe(foreignTenantId);
    expect(await activeAttributes(user.username)).toEqual({ tenantId: second, roleId: ADMIN_ROLE_ID });
  });

  it.each([
    ['GetMembership', 'DynamoDB.InternalServerError'],
    ['SetActiveTenant', 'States.Timeout'],
    ['PublishSwitched', 'EventBridge.InternalException'],
  ])('restores the previous tenant when %s fails with %s and publishes the failure', async (stateName, error) => {
    const { user, first, second } = await userWithTwoTenants('switch-fault');
    await injectFault('switching', stateName, error, user.userId);

    const result = await run('switching', switchInput(user, first, { tenantId: second, roleId: ADMIN_ROLE_ID }));

    expect({ status: result.status, error: result.error }).toEqual({ status: 'FAILED', error: WORKFLOW_ERROR.switchFailed });
    expect(publishedDetail(result.events, 'PublishSwitchFailed', DETAIL_TYPE.tenantSwitchFailed)).toMatchObject({
      targetTenantId: first,
      previousTenantId: second,
      userId: user.userId,
      failedStep: stateName,
      error,
    });
    expect(await activeAttributes(user.username)).toEqual({ tenantId: second, roleId: ADMIN_ROLE_ID });
    await expectInvariants(user, [first, second]);
  });

  it('clears the active tenant again when the caller had none before a failed switch', async () => {
    const { user, first } = await userWithTwoTenants('switch-fault-none');
    await setActiveAttributes(user.username, '', '');
    await injectFault('switching', 'PublishSwitched', 'EventBridge.InternalException', user.userId);

    const result = await run('switching', switchInput(user, first, NO_ACTIVE_TENANT));

    expect(result.error).toBe(WORKFLOW_ERROR.switchFailed);
    expect(await activeAttributes(user.username)).toEqual({ tenantId: '', roleId: '' });
  });

  it.each([
    ['GetMembership', 'DynamoDB.ProvisionedThroughputExceededException'],
    ['SetActiveTenant', 'CognitoIdentityProvider.TooManyRequestsException'],
  ])('retries %s after %s and completes', async (stateName, error) => {
    const { user, first, second } = await userWithTwoTenants('switch-throttled');
    await injectFault('switching', stateName, error, user.userId);

    const result = await run('switching', switchInput(user, first, { tenantId: second, roleId: ADMIN_ROLE_ID }));

    expect(result.status).toBe('SUCCEEDED');
    expect(taskVisit(result.events, stateName)).toEqual(expect.objectContaining({ errors: [error], succeeded: true }));
    expect(await activeAttributes(user.username)).toEqual({ tenantId: first, roleId: ADMIN_ROLE_ID });
  });
});
