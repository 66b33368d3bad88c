import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CreateGroupCommand } from '@aws-sdk/client-cognito-identity-provider';
import { GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { invitationItem, tenantRecord } from '../../../domain/items';
import { auditPartition, membershipKey, profileKey, userLimitsKey, type ItemKey } from '../../../domain/keys';
import { ADMIN_ROLE_ID } from '../../../domain/permissions';
import { ASYNC_INVOCATION, InvocationRecordSchema } from '../../../events/async-invocation';
import { DETAIL_TYPE, EVENT_CATALOG } from '../../../events/catalog';
import { FUNCTIONS, type FunctionKey } from '../../../handlers/catalog';
import type { ReconcileSummary } from '../../../handlers/reconciler/handler';
import type { LocalCloud } from '../../../local/cloud';
import { LOCAL_ADMIN_CREDENTIALS } from '../../../local/config';
import { functionRoleArn, stateMachineRoleArn } from '../../../local/principals';
import type { WorkflowKey } from '../../../workflows/registry';
import { api, clients, outputs, signUpConfirmed, uniqueEmail, type ApiResponse } from '../support';
import { apiWith, backOfficeMember, newTenant, newUser, putItem, putRole, signUpVerified, verifiedUser, type Tenant, type User } from './fixtures';
import { LOCAL_SCOPE } from './cases';

/**
 * What each principal's statements are needed for: one or more paths per role, run through the real
 * entry points (the REST API with users' tokens, sign-up and confirmation, events on the bus, the
 * reconciler's invocation), which together call every action the role's policy grants.
 */

/** What the caller saw: `ok` when it is what the path answers with every grant in place. */
export interface Observation {
  readonly ok: boolean;
  readonly what: string;
}

export interface Path<C = unknown> {
  readonly name: string;
  /** Runs with the deployed policies: fresh users and tenants, so that no cache (the authorizer's) hides a call. */
  readonly prepare?: () => Promise<C>;
  readonly act: (context: C) => Promise<Observation>;
  /**
   * Whether a caller waits for the outcome (an API call, a confirmation, an invocation); false for
   * an event's subscriber, whose failure only its retries and on-failure destination see.
   */
  readonly synchronous: boolean;
  /**
   * Actions whose refusal the path absorbs by design, so the caller's answer is unchanged: an event
   * published after the change or with a refusal (handlers/shared/event-publisher.ts, access.ts), a
   * best-effort hint. The refusal is still recorded.
   */
  readonly absorbs?: readonly string[];
  /** For an asynchronous path, whether its effect is there: the baseline waits for it before looking for refusals. */
  readonly settled?: (context: C) => Promise<boolean>;
}

/** The fixtures every path shares, made once with the deployed policies. */
export interface World {
  readonly cloud: LocalCloud;
  readonly tenant: Tenant;
  /** A member of `tenant` whose role grants nothing: every route with an action refuses it, and reports the refusal. */
  readonly nobody: User;
}

export const NOBODY_ROLE = 'nobody';
const SPARE_ROLE = 'spare';

export async function makeWorld(cloud: LocalCloud): Promise<World> {
  const tenant = await newTenant('principals');
  await putRole(tenant.tenantId, NOBODY_ROLE, []);
  await putRole(tenant.tenantId, SPARE_ROLE, ['aircraft:read']);
  const nobody = await backOfficeMember(tenant, NOBODY_ROLE, 'nobody');
  return { cloud, tenant, nobody };
}

/** Functions publish after the change or with a refusal; neither changes the answer (handlers/shared/event-publisher.ts, access.ts). */
const PUBLISH = ['events:PutEvents'];

const answered = (response: ApiResponse<unknown>, method: string, path: string, expected: number): Observation => ({
  ok: response.status === expected,
  what: `${method} ${path} → ${response.status} (with every grant: ${expected}) ${response.status === expected ? '' : JSON.stringify(response.body)}`,
});

async function call(idToken: string, method: string, path: string, expected: number, body?: unknown): Promise<Observation> {
  return answered(await api(method, path, idToken, body), method, path, expected);
}

/** A path that completes when `work` resolves, and fails the caller when it throws. */
async function completes(what: string, work: () => Promise<unknown>): Promise<Observation> {
  try {
    await work();
    return { ok: true, what };
  } catch (error) {
    return { ok: false, what: `${what}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}` };
  }
}

async function itemExists(key: ItemKey): Promise<boolean> {
  const { dynamodb } = clients();
  try {
    const { Item } = await dynamodb.send(new GetItemCommand({ TableName: outputs().tableName, Key: { PK: { S: key.PK }, SK: { S: key.SK } }, ConsistentRead: true }));
    return Item !== undefined;
  } finally {
    dynamodb.destroy();
  }
}

/** Whether the on-failure queue holds an invocation record of `functionName` whose event's detail has `value` at `field`. */
async function failureRecorded(functionName: string, field: string, value: string): Promise<boolean> {
  const sqs = new SQSClient({ endpoint: outputs().endpoint, region: outputs().region, credentials: LOCAL_ADMIN_CREDENTIALS });
  try {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: outputs().asyncFailureQueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }));
    return Messages.map((message) => InvocationRecordSchema.parse(JSON.parse(message.Body ?? ''))).some(
      (record) => record.requestContext.functionArn.includes(`:function:${functionName}:`) && (record.requestPayload as { detail?: Record<string, unknown> }).detail?.[field] === value,
    );
  } finally {
    sqs.destroy();
  }
}

/**
 * Every attempt Lambda makes of the subscriber's asynchronous invocation fails (an injected fault),
 * so the invocation record goes to the on-failure destination: the only path that needs `sqs:SendMessage`.
 */
function exhaustRetries(world: World, key: FunctionKey, whenDetail: Record<string, string>): void {
  world.cloud.lambda.faults.inject({ functionName: FUNCTIONS[key].name, errorType: 'InjectedFailure', errorMessage: 'every attempt fails', count: ASYNC_INVOCATION.retryAttempts + 1, whenDetail });
}

async function publishRoleCreated(tenantId: string): Promise<void> {
  const { events } = clients();
  try {
    const detail = { tenantId, roleId: 'pilot', name: 'Pilot', actions: ['aircraft:read'], actorUserId: randomUUID(), operationId: randomUUID() };
    const type = DETAIL_TYPE.roleCreated;
    await events.send(new PutEventsCommand({ Entries: [{ EventBusName: outputs().eventBusName, Source: EVENT_CATALOG[type].source, DetailType: type, Detail: JSON.stringify(detail) }] }));
  } finally {
    events.destroy();
  }
}

async function auditWritten(tenantId: string): Promise<boolean> {
  const { dynamodb } = clients();
  try {
    const { Count = 0 } = await dynamodb.send(
      new QueryCommand({ TableName: outputs().tableName, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': { S: auditPartition(tenantId) } }, ConsistentRead: true }),
    );
    return Count > 0;
  } finally {
    dynamodb.destroy();
  }
}

/** A sign-up's address, and its user once signed up (the baseline's check of the effect reads it). */
interface Signing {
  readonly email: string;
  userId?: string;
}

const path = <C>(definition: Path<C>): Path => definition as Path;
const fresh = (label: string) => () => Promise.resolve(uniqueEmail(label));
const roleName = () => `Role ${randomUUID().slice(0, 8)}`;
const newRole = async (world: World): Promise<string> => {
  const created = await api<{ role: { roleId: string } }>('POST', '/roles', world.tenant.admin.idToken, { name: roleName(), actions: ['aircraft:read'] });
  if (created.status !== 201) throw new Error(`POST /roles answered ${created.status}`);
  return created.body.role.roleId;
};
const invited = async (world: World, email: string): Promise<string> => {
  const response = await api('POST', '/members', world.tenant.admin.idToken, { email, roleId: NOBODY_ROLE });
  if (response.status !== 202) throw new Error(`POST /members (an invitation) answered ${response.status}`);
  return email;
};
/** A verified user added through `POST /members` (the AddMember workflow): in the tenant's group, as a real member is. */
const addedMember = async (world: World): Promise<User> => {
  const user = await verifiedUser('added');
  const response = await api('POST', '/members', world.tenant.admin.idToken, { email: user.email, roleId: NOBODY_ROLE });
  if (response.status !== 201) throw new Error(`POST /members answered ${response.status}`);
  return user;
};

/** The refusals of a member without the route's action: 403, and an `access.denied` event, whose publication cannot change the answer. */
const refusedToNobody = (world: World, method: string, route: string, body?: unknown): Path =>
  path({ name: `${method} ${route} refused to a member without the action`, synchronous: true, absorbs: PUBLISH, act: () => call(world.nobody.idToken, method, route, 403, body) });

const createTenantPath = (): Path =>
  path({
    name: 'POST /tenants with an Idempotency-Key, by a new user',
    synchronous: true,
    prepare: () => newUser('creator'),
    act: async (user: User) =>
      answered(await apiWith('POST', '/tenants', user.idToken, { name: `Club ${randomUUID().slice(0, 8)}`, refreshToken: user.refreshToken }, { 'Idempotency-Key': randomUUID() }), 'POST', '/tenants', 201),
  });
const switchPath = (world: World): Path =>
  path({
    name: "PUT /tenants/active by the tenant's admin",
    synchronous: true,
    act: () => call(world.tenant.admin.idToken, 'PUT', '/tenants/active', 200, { tenantId: world.tenant.tenantId, refreshToken: world.tenant.admin.refreshToken }),
  });
const addVerifiedPath = (world: World, absorbs: readonly string[]): Path =>
  path({
    name: 'POST /members of a verified user (the AddMember workflow)',
    synchronous: true,
    absorbs,
    prepare: () => verifiedUser('member'),
    act: (user: User) => call(world.tenant.admin.idToken, 'POST', '/members', 201, { email: user.email, roleId: NOBODY_ROLE }),
  });
const removePath = (world: World, absorbs: readonly string[]): Path =>
  path({
    name: 'DELETE /members/{userId} of a member (the RemoveMember workflow)',
    synchronous: true,
    absorbs,
    prepare: () => addedMember(world),
    act: (user: User) => call(world.tenant.admin.idToken, 'DELETE', `/members/${user.userId}`, 204),
  });

function identityPaths(world: World): Partial<Record<FunctionKey, Path[]>> {
  return {
    postConfirmation: [path({ name: 'a sign-up confirmed', synchronous: true, prepare: fresh('confirmed'), act: (email: string) => completes(`confirming ${email}`, () => signUpConfirmed(email)) })],
    profileWriter: [
      path({
        name: "a confirmation's profile",
        synchronous: false,
        prepare: async (): Promise<Signing> => ({ email: uniqueEmail('profile') }),
        act: (signing: Signing) => completes('sign-up', async () => (signing.userId = await signUpConfirmed(signing.email))),
        settled: (signing: Signing) => itemExists(profileKey(signing.userId ?? '')),
      }),
      path({
        name: 'a confirmation whose every attempt fails, recorded on the on-failure destination',
        synchronous: false,
        prepare: async () => {
          const email = uniqueEmail('profile-fails');
          exhaustRetries(world, 'profileWriter', { email });
          return email;
        },
        act: (email: string) => completes('sign-up', () => signUpConfirmed(email)),
        settled: (email: string) => failureRecorded(FUNCTIONS.profileWriter.name, 'email', email),
      }),
    ],
    authorizer: [
      path({
        name: 'GET /roles by a member the authorizer has not seen (its caches miss)',
        synchronous: true,
        prepare: () => backOfficeMember(world.tenant, NOBODY_ROLE, 'unseen'),
        act: (user: User) => call(user.idToken, 'GET', '/roles', 200),
      }),
    ],
    createTenant: [createTenantPath()],
    switchTenant: [switchPath(world)],
  };
}

function subscriberPaths(world: World): Partial<Record<FunctionKey, Path[]>> {
  return {
    auditWriter: [
      path({ name: 'a control-plane event audited', synchronous: false, prepare: async () => randomUUID(), act: (tenantId: string) => completes('publish', () => publishRoleCreated(tenantId)), settled: auditWritten }),
      path({
        name: 'a control-plane event whose every audit attempt fails',
        synchronous: false,
        prepare: async () => {
          const tenantId = randomUUID();
          exhaustRetries(world, 'auditWriter', { tenantId });
          return tenantId;
        },
        act: (tenantId: string) => completes('publish', () => publishRoleCreated(tenantId)),
        settled: (tenantId: string) => failureRecorded(FUNCTIONS.auditWriter.name, 'tenantId', tenantId),
      }),
    ],
    invitationClaimer: [
      path({
        name: 'a verified confirmation claiming a pending invitation and reporting an expired one',
        synchronous: false,
        prepare: async () => {
          const email = await invited(world, uniqueEmail('claimer'));
          const past = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
          await putItem(invitationItem({ tenantId: randomUUID(), tenantName: 'Elsewhere', email, roleId: 'pilot', invitedBy: randomUUID(), createdAt: past(8), expiresAt: past(1) }));
          return { email };
        },
        act: (signing: Signing) => completes('verified sign-up', async () => (signing.userId = await signUpVerified(signing.email))),
        settled: (signing: Signing) => itemExists(membershipKey(world.tenant.tenantId, signing.userId ?? '')),
      }),
      path({
        name: 'a verified confirmation whose every claim attempt fails',
        synchronous: false,
        prepare: async () => {
          const email = uniqueEmail('claimer-fails');
          exhaustRetries(world, 'invitationClaimer', { email });
          return email;
        },
        act: (email: string) => completes('verified sign-up', () => signUpVerified(email)),
        settled: (email: string) => failureRecorded(FUNCTIONS.invitationClaimer.name, 'email', email),
      }),
    ],
  };
}

function administrationPaths(world: World): Partial<Record<FunctionKey, Path[]>> {
  const admin = () => world.tenant.admin.idToken;
  return {
    createRole: [path({ name: 'POST /roles', synchronous: true, absorbs: PUBLISH, act: () => call(admin(), 'POST', '/roles', 201, { name: roleName(), actions: ['aircraft:read'] }) })],
    updateRole: [
      path({ name: 'PUT /roles/{roleId}', synchronous: true, absorbs: PUBLISH, prepare: () => newRole(world), act: (roleId: string) => call(admin(), 'PUT', `/roles/${roleId}`, 200, { actions: ['aircraft:read', 'aircraft:write'] }) }),
    ],
    deleteRole: [path({ name: 'DELETE /roles/{roleId}', synchronous: true, absorbs: PUBLISH, prepare: () => newRole(world), act: (roleId: string) => call(admin(), 'DELETE', `/roles/${roleId}`, 204) })],
    listMembers: [refusedToNobody(world, 'GET', '/members')],
    listInvitations: [refusedToNobody(world, 'GET', '/invitations')],
    listAudit: [refusedToNobody(world, 'GET', '/audit')],
    addMember: [
      addVerifiedPath(world, PUBLISH),
      path({ name: 'POST /members of an unknown address (an invitation)', synchronous: true, absorbs: PUBLISH, prepare: fresh('invitee'), act: (email: string) => call(admin(), 'POST', '/members', 202, { email, roleId: NOBODY_ROLE }) }),
    ],
    changeMemberRole: [
      path({
        name: 'PUT /members/{userId}/role of a member whose active tenant it is (the role hint too)',
        synchronous: true,
        // The hint is best effort (handlers/api/members/handler.ts updateRoleHint), and so is the event.
        absorbs: ['cognito-idp:AdminGetUser', 'cognito-idp:AdminUpdateUserAttributes', ...PUBLISH],
        prepare: () => backOfficeMember(world.tenant, NOBODY_ROLE, 'reassigned'),
        act: (user: User) => call(admin(), 'PUT', `/members/${user.userId}/role`, 200, { roleId: SPARE_ROLE }),
      }),
    ],
    removeMember: [removePath(world, PUBLISH), refusedToNobody(world, 'DELETE', `/members/${world.tenant.admin.userId}`)],
    revokeInvitation: [
      path({
        name: 'DELETE /invitations/{email}',
        synchronous: true,
        absorbs: PUBLISH,
        prepare: () => invited(world, uniqueEmail('revoked')),
        act: (email: string) => call(admin(), 'DELETE', `/invitations/${encodeURIComponent(email)}`, 204),
      }),
    ],
  };
}

function dataPlanePaths(world: World): Partial<Record<FunctionKey, Path[]>> {
  const someId = randomUUID();
  const hour = (from: number) => new Date(Date.now() + from * 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    listAircraft: [refusedToNobody(world, 'GET', '/aircraft')],
    createAircraft: [refusedToNobody(world, 'POST', '/aircraft', { registration: 'G-PRIN', model: 'C172' })],
    getAircraft: [refusedToNobody(world, 'GET', `/aircraft/${someId}`)],
    updateAircraft: [refusedToNobody(world, 'PUT', `/aircraft/${someId}`, { model: 'PA-28' })],
    deleteAircraft: [refusedToNobody(world, 'DELETE', `/aircraft/${someId}`)],
    listReservations: [refusedToNobody(world, 'GET', '/reservations')],
    createReservation: [refusedToNobody(world, 'POST', '/reservations', { aircraftId: someId, start: hour(24), end: hour(25) })],
    cancelReservation: [refusedToNobody(world, 'DELETE', `/reservations/${someId}`)],
  };
}

/**
 * An onboarding that failed after its record: the tenant record, its group and its creator's
 * counted quota, no member. The reconciler re-reads the partition and the quota, deletes the
 * record and the group, gives the quota back and publishes the repair: every statement it holds.
 */
async function orphanTenant(): Promise<string> {
  const tenantId = randomUUID();
  const creator = randomUUID();
  await putItem(tenantRecord({ tenantId, name: 'Orphan', createdBy: creator, createdAt: new Date().toISOString(), roleHolders: { [ADMIN_ROLE_ID]: 1 } }));
  const key = userLimitsKey(creator);
  const { dynamodb, cognito } = clients();
  try {
    await dynamodb.send(
      new PutItemCommand({
        TableName: outputs().tableName,
        Item: { PK: { S: key.PK }, SK: { S: key.SK }, tenantsCreated: { N: '1' }, memberships: { N: '1' }, countedTenantIds: { SS: [tenantId] } },
      }),
    );
    await cognito.send(new CreateGroupCommand({ UserPoolId: outputs().userPoolId, GroupName: tenantId }));
  } finally {
    dynamodb.destroy();
    cognito.destroy();
  }
  return tenantId;
}

function reconcilerPaths(world: World): Partial<Record<FunctionKey, Path[]>> {
  return {
    reconciler: [
      path({
        name: 'a run repairing an orphaned tenant',
        synchronous: true,
        absorbs: PUBLISH,
        prepare: orphanTenant,
        act: async (tenantId: string) => {
          try {
            const summary = (await world.cloud.lambda.invoke(FUNCTIONS.reconciler.name, { graceSeconds: 0, tenantIds: [tenantId] })) as ReconcileSummary;
            return { ok: summary.repaired['tenant-without-members'] === 1 && summary.failed === 0, what: `reconciler: ${JSON.stringify(summary.repaired)}, failed ${summary.failed}` };
          } catch (error) {
            return { ok: false, what: `reconciler failed: ${error instanceof Error ? error.name : String(error)}` };
          }
        },
      }),
    ],
  };
}

const WORKFLOW_PATHS: Record<WorkflowKey, (world: World) => Path[]> = {
  onboarding: () => [createTenantPath()],
  switching: (world) => [switchPath(world)],
  addMember: (world) => [addVerifiedPath(world, [])],
  removeMember: (world) => [removePath(world, [])],
};

/** Every principal's paths, by role ARN. A role missing here fails its cases. */
export function scenarioTable(world: World): ReadonlyMap<string, readonly Path[]> {
  const byFunction = { ...identityPaths(world), ...subscriberPaths(world), ...administrationPaths(world), ...dataPlanePaths(world), ...reconcilerPaths(world) };
  return new Map([
    ...Object.entries(byFunction).map(([key, paths]) => [functionRoleArn(LOCAL_SCOPE, FUNCTIONS[key as FunctionKey]), paths ?? []] as const),
    ...(Object.keys(WORKFLOW_PATHS) as WorkflowKey[]).map((key) => [stateMachineRoleArn(LOCAL_SCOPE, key), WORKFLOW_PATHS[key](world)] as const),
  ]);
}

