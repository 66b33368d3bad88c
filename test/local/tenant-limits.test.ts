import { AdminListGroupsForUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import { GetItemCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { userLimitsKey } from '../../domain/keys';
import { TENANT_LIMITS } from '../../domain/limits';
import { WORKFLOWS } from '../../workflows/registry';
import { adminFetch, api, clients, outputs, signIn, signUpConfirmed, uniqueEmail, type ApiResponse } from './support';

/**
 * The limits through the API on the running local cloud: the onboarding workflow's conditional
 * counter on real DynamoDB, under sequential and concurrent creations, and what a refusal leaves.
 */

const { cognito, dynamodb, sfn } = clients();

interface User {
  readonly userId: string;
  readonly idToken: string;
  readonly refreshToken: string;
}

interface ErrorBody {
  error: { code: string; message: string; details?: { field: string; message: string }[] };
}

async function newUser(label: string): Promise<User> {
  const email = uniqueEmail(label);
  const userId = await signUpConfirmed(email);
  const { idToken, refreshToken } = await signIn(email);
  return { userId, idToken, refreshToken };
}

const createTenant = (user: User, name: string): Promise<ApiResponse> => api('POST', '/tenants', user.idToken, { name, refreshToken: user.refreshToken });

async function createTenants(user: User, count: number): Promise<void> {
  for (let index = 0; index < count; index += 1) {
    const response = await createTenant(user, `Aero Club ${index + 1}`);
    expect({ index, status: response.status }).toEqual({ index, status: 201 });
  }
}

async function listedTenants(user: User): Promise<{ tenantId: string; name: string }[]> {
  const response = await api<{ tenants: { tenantId: string; name: string }[] }>('GET', '/tenants', user.idToken);
  expect(response.status).toBe(200);
  return response.body.tenants;
}

/** AdminListGroupsForUser needs the sub, which is the Username in this pool. */
async function groupCount(user: User): Promise<number> {
  const { Groups = [] } = await cognito.send(new AdminListGroupsForUserCommand({ UserPoolId: outputs().userPoolId, Username: user.userId, Limit: 60 }));
  return Groups.length;
}

async function counters(user: User): Promise<Record<string, AttributeValue> | undefined> {
  const key = userLimitsKey(user.userId);
  const { Item } = await dynamodb.send(new GetItemCommand({ TableName: outputs().tableName, Key: { PK: { S: key.PK }, SK: { S: key.SK } }, ConsistentRead: true }));
  return Item;
}

const countersOf = async (user: User) => {
  const item = await counters(user);
  return { tenantsCreated: item?.tenantsCreated?.N, memberships: item?.memberships?.N, counted: item?.countedTenantIds?.SS?.length ?? 0 };
};

/** The most onboarding runs of this user that were under way at one moment. */
async function mostRunsAtOnce(user: User): Promise<number> {
  const { executions = [] } = await sfn.send(new ListExecutionsCommand({ stateMachineArn: outputs().stateMachines.onboarding, maxResults: 100 }));
  const runs = await Promise.all(executions.map((execution) => sfn.send(new DescribeExecutionCommand({ executionArn: execution.executionArn }))));
  const own = runs.filter((run) => (JSON.parse(run.input ?? '{}') as { userId?: string }).userId === user.userId);
  const moments = own.flatMap((run) => [
    { at: run.startDate?.getTime() ?? 0, change: 1 },
    { at: run.stopDate?.getTime() ?? Number.POSITIVE_INFINITY, change: -1 },
  ]);
  // Ends sort before starts at the same moment, so runs that merely touch do not count as overlapping.
  moments.sort((a, b) => a.at - b.at || a.change - b.change);
  let current = 0;
  let most = 0;
  for (const { change } of moments) {
    current += change;
    most = Math.max(most, current);
  }
  return most;
}

function expectLimitRefusal(response: ApiResponse): void {
  expect(response.status).toBe(409);
  expect((response.body as unknown as ErrorBody).error).toEqual({
    code: 'Conflict',
    message: `You cannot create another tenant: one user may create at most ${TENANT_LIMITS.maxTenantsPerUser} tenants and belong to at most ${TENANT_LIMITS.maxMembershipsPerUser}, and you have reached one of these limits`,
  });
}

describe('the limit on tenants one user creates', () => {
  const max = TENANT_LIMITS.maxTenantsPerUser;

  it(`creates ${max} tenants, refuses the next with 409 Conflict, and leaves nothing of it behind`, async () => {
    const user = await newUser('limit-seq');
    await createTenants(user, max);

    const refused = await createTenant(user, 'One Too Many Aviation');

    expectLimitRefusal(refused);
    const tenants = await listedTenants(user);
    expect(tenants).toHaveLength(max);
    expect(tenants.map((tenant) => tenant.name)).not.toContain('One Too Many Aviation');
    expect(await groupCount(user)).toBe(max);
    expect(await countersOf(user)).toEqual({ tenantsCreated: String(max), memberships: String(max), counted: max });
  });

  it('lets exactly the remaining number of ten concurrent creations through', async () => {
    const user = await newUser('limit-race');
    const before = max / 2;
    await createTenants(user, before);

    const responses = await Promise.all(Array.from({ length: 10 }, (_, index) => createTenant(user, `Racing Wings ${index + 1}`)));

    // Otherwise the runs could have queued one behind another and the condition never raced.
    expect(await mostRunsAtOnce(user)).toBeGreaterThan(1);
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([...Array<number>(max - before).fill(201), ...Array<number>(10 - (max - before)).fill(409)]);
    for (const refused of responses.filter((response) => response.status === 409)) expectLimitRefusal(refused);
    expect(await listedTenants(user)).toHaveLength(max);
    expect(await groupCount(user)).toBe(max);
    expect(await countersOf(user)).toEqual({ tenantsCreated: String(max), memberships: String(max), counted: max });
  });

  it('gives the count back when a later step fails, so the failed creation costs the user nothing', async () => {
    const user = await newUser('limit-undo');
    await createTenants(user, 1);
    const fault = await adminFetch('/_local/faults', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ stateMachineName: WORKFLOWS.onboarding.name, stateName: 'PublishOnboarded', error: 'EventBridge.InternalException', count: 1, whenInput: { userId: user.userId } }),
    });
    expect(fault.status).toBe(200);

    const failed = await createTenant(user, 'Doomed Gliders');

    expect(failed.status).toBe(500);
    expect(await countersOf(user)).toEqual({ tenantsCreated: '1', memberships: '1', counted: 1 });
    expect(await groupCount(user)).toBe(1);
  });
});

describe('the limit on tenants one user belongs to', () => {
  it(`refuses a user who belongs to ${TENANT_LIMITS.maxMembershipsPerUser} tenants with 409 Conflict, before Cognito would`, async () => {
    const user = await newUser('limit-members');
    const key = userLimitsKey(user.userId);
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: outputs().tableName,
        Key: { PK: { S: key.PK }, SK: { S: key.SK } },
        UpdateExpression: 'SET memberships = :full',
        ExpressionAttributeValues: { ':full': { N: String(TENANT_LIMITS.maxMembershipsPerUser) } },
      }),
    );

    const refused = await createTenant(user, 'Crowded Skies');

    expectLimitRefusal(refused);
    expect(await listedTenants(user)).toEqual([]);
    expect(await groupCount(user)).toBe(0);
    expect(await countersOf(user)).toEqual({ tenantsCreated: undefined, memberships: String(TENANT_LIMITS.maxMembershipsPerUser), counted: 0 });
  });
});

describe('tenant names through the API', () => {
  let user: User;

  beforeAll(async () => {
    user = await newUser('names');
  });

  it.each([
    ['NUL', 'Blue\u0000Sky'],
    ['a right-to-left override', 'Blue\u202ESky'],
    ['101 emoji', '😀'.repeat(101)],
    ['a Hangul filler that draws nothing', '\u3164'],
    ['a line separator', 'Blue Sky Flight School\u2028(official)'],
  ])('refuses a name with %s with 400 naming name, and counts nothing', async (_case, name) => {
    const response = await createTenant(user, name);

    expect(response.status).toBe(400);
    expect((response.body as unknown as ErrorBody).error).toMatchObject({ code: 'ValidationError', details: [{ field: 'name', message: expect.any(String) }] });
    expect(await counters(user)).toBeUndefined();
  });

  it('creates a tenant named with 100 emoji, and lists it by that name', async () => {
    const name = '😀'.repeat(100);

    const response = await createTenant(user, name);

    expect(response.status).toBe(201);
    expect(await listedTenants(user)).toEqual([expect.objectContaining({ name })]);
  });
});
