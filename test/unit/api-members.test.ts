import { Logger } from '@aws-lambda-powertools/logger';
import type { ListUsersCommand } from '@aws-sdk/client-cognito-identity-provider';
import type { Actor } from '../../domain/guard';
import { IDEMPOTENCY_HEADER } from '../../domain/idempotency';
import { DETAIL_TYPE } from '../../events/catalog';
import type { ProxyEvent } from '../../handlers/api/http';
import {
  createAddMemberHandler,
  createChangeMemberRoleHandler,
  createListMembersHandler,
  createRemoveMemberHandler,
  type AddMemberDeps,
  type ChangeRoleDeps,
  type RemoveMemberDeps,
} from '../../handlers/api/members/handler';
import type { GuardedWrite, GuardedWriteOutcome } from '../../handlers/shared/guarded-write';
import type { IdempotencyStore } from '../../handlers/shared/idempotency-store';
import { userDirectory, type CurrentGrant, type DirectoryUser, type MemberView } from '../../handlers/shared/member-store';
import type { RunWorkflow, WorkflowResult } from '../../handlers/shared/workflow-runner';
import type { RoleGrant } from '../../domain/permissions';
import { WORKFLOW_ERROR, type AddMemberInput, type RemoveMemberInput } from '../../workflows/registry';
import { apiEvent, fieldsOf, parse } from './api-fixtures';
import { memoryIdempotencyStore } from './idempotency-fixtures';

const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
const TENANT = 't1';
const NOW = new Date('2026-12-01T10:00:00.000Z');

function request(
  options: { body?: unknown; pathParameters?: Record<string, string>; roleId?: string; tenantId?: string; userId?: string; idempotencyKey?: string } = {},
): ProxyEvent {
  const userId = options.userId ?? 'caller';
  const caller = { userId, username: userId, email: `${userId}@example.com`, tenantId: options.tenantId ?? TENANT, roleId: options.roleId ?? 'admin', groups: JSON.stringify([TENANT]) };
  const event = apiEvent({ method: 'POST', path: '/members', body: options.body, pathParameters: options.pathParameters ?? null, caller });
  return options.idempotencyKey === undefined ? event : { ...event, headers: { [IDEMPOTENCY_HEADER]: options.idempotencyKey } };
}

/** One tenant as the handlers' ports see it: roles, memberships, the holder counts and the users' limits. */
class TenantWorld {
  readonly roles = new Map<string, RoleGrant>([
    ['admin', { roleId: 'admin', builtIn: true, actions: [] }],
    ['pilot', { roleId: 'pilot', builtIn: false, actions: ['aircraft:read'] }],
    ['manager', { roleId: 'manager', builtIn: false, actions: ['member:read', 'member:manage', 'role:assign'] }],
  ]);
  readonly members = new Map<string, MemberView>([['caller', { userId: 'caller', email: 'caller@example.com', roleId: 'admin' }]]);
  readonly memberships = new Map<string, number>();
  roleHolders: Record<string, number> = { admin: 1 };
  readonly denied: { tenantId: string; actor: Actor; action: string; reason: string }[] = [];
  readonly published: { type: string; detail: Record<string, unknown> }[] = [];
  readonly writes: GuardedWrite[] = [];
  writeOutcome: GuardedWriteOutcome = { outcome: 'written' };
  roleReads = 0;

  readsFor = () => ({
    getRole: async (_tenantId: string, roleId: string) => {
      this.roleReads += 1;
      return this.roles.get(roleId);
    },
    listMembers: async () => [...this.members.values()],
  });

  control = {
    membership: async (_tenantId: string, userId: string) => this.members.get(userId),
    currentGrant: async (_tenantId: string, userId: string): Promise<CurrentGrant | undefined> => {
      const member = this.members.get(userId);
      return member ? { roleId: member.roleId, grant: this.roles.get(member.roleId) } : undefined;
    },
    roleExists: async (_tenantId: string, roleId: string) => this.roles.has(roleId),
    tenant: async () => ({ name: 'Blue Sky', roleHolders: this.roleHolders }),
    membershipCount: async (userId: string) => this.memberships.get(userId) ?? 0,
  };

  writer = {
    write: async (write: GuardedWrite): Promise<GuardedWriteOutcome> => {
      this.writes.push(write);
      return this.writeOutcome;
    },
  };

  reportDenied = async (tenantId: string, actor: Actor, action: string, reason: string) => {
    this.denied.push({ tenantId, actor, action, reason });
  };

  publish = (async (type: string, detail: Record<string, unknown>) => {
    this.published.push({ type, detail });
    return 'event-id';
  }) as AddMemberDeps['publish'];
}

function fakeRun(...results: Partial<WorkflowResult>[]): RunWorkflow & { inputs: object[] } {
  const inputs: object[] = [];
  const run = async (_arn: string, input: object): Promise<WorkflowResult> => {
    inputs.push(input);
    const result = results.length > 1 ? results.shift() : results[0];
    return { status: 'SUCCEEDED', output: undefined, error: undefined, cause: undefined, executionArn: 'arn:exec', ...result };
  };
  return Object.assign(run, { inputs });
}

const refused: Partial<WorkflowResult> = { status: 'FAILED', error: WORKFLOW_ERROR.memberChangeRefused };

const user = (overrides: Partial<DirectoryUser> = {}): DirectoryUser => ({
  username: 'maya-sub',
  userId: 'maya-sub',
  email: 'Maya@Example.com',
  emailVerified: true,
  status: 'CONFIRMED',
  activeTenantId: null,
  ...overrides,
});

function addMember(world: TenantWorld, options: { users?: DirectoryUser[]; run?: RunWorkflow } = {}) {
  const run = options.run ?? fakeRun({});
  const lookups: string[] = [];
  const idempotency = memoryIdempotencyStore();
  const handler = createAddMemberHandler({
    readsFor: world.readsFor,
    control: world.control,
    directory: {
      usersWithEmail: async (email) => {
        lookups.push(email);
        return options.users ?? [];
      },
    },
    writer: world.writer,
    run,
    addMemberArn: 'arn:add-member',
    invitationTtlDays: 7,
    publish: world.publish,
    reportDenied: world.reportDenied,
    newOperationId: () => '8e2f6a1c-5d4b-4f7e-9a3c-1b2d3e4f5a6b',
    now: () => NOW,
    logger,
    idempotency: idempotency.store,
  } satisfies AddMemberDeps & { idempotency: IdempotencyStore });
  return { handler, lookups, records: idempotency.records };
}

describe('GET /members', () => {
  it("lists the tenant's members with their addresses and roles", async () => {
    const world = new TenantWorld();
    world.members.set('maya', { userId: 'maya', email: 'maya@example.com', roleId: 'pilot' });
    const handler = createListMembersHandler({ readsFor: world.readsFor, reportDenied: world.reportDenied, logger });

    const result = await handler(request());

    expect(result.statusCode).toBe(200);
    expect(parse(result)).toEqual({
      members: [
        { userId: 'caller', email: 'caller@example.com', roleId: 'admin' },
        { userId: 'maya', email: 'maya@example.com', roleId: 'pilot' },
      ],
    });
  });

  it('answers 403 and reports the denial when the role lacks member:read', async () => {
    const world = new TenantWorld();
    const handler = createListMembersHandler({ readsFor: world.readsFor, reportDenied: world.reportDenied, logger });

    const result = await handler(request({ roleId: 'pilot' }));

    expect(result.statusCode).toBe(403);
    expect(world.denied).toEqual([{ tenantId: TENANT, actor: { userId: 'caller', roleId: 'pilot' }, action: 'member:read', reason: 'role pilot does not grant member:read' }]);
  });

  it('answers 403 to a caller with no active tenant', async () => {
    const world = new TenantWorld();
    const handler = createListMembersHandler({ readsFor: world.readsFor, reportDenied: world.reportDenied, logger });

    const result = await handler(request({ tenantId: '', roleId: '' }));

    expect(result.statusCode).toBe(403);
  });
});

describe('POST /members, a confirmed user with a verified address', () => {
  it('runs AddMember with the caller as actor and answers 201 with the member', async () => {
    const world = new TenantWorld();
    const run = fakeRun({});
    const { handler } = addMember(world, { users: [user()], run });

    const result = await handler(request({ body: { email: 'maya@example.com', roleId: 'pilot' } }));

    expect(result.statusCode).toBe(201);
    expect(parse(result)).toEqual({ member: { userId: 'maya-sub', email: 'maya@example.com', roleId: 'pilot' } });
    expect(run.inputs).toEqual([
      {
        tenantId: TENANT,
        tenantName: 'Blue Sky',
        userId: 'maya-sub',
        username: 'maya-sub',
        email: 'maya@example.com',
        roleId: 'pilot',
        actorUserId: 'caller',
        actorRoleId: 'admin',
        invitation: null,
      } satisfies AddMemberInput,
    ]);
    expect(world.writes).toEqual([]);
  });

  it('answers 409 for a user who is a member already, without running anything', async () => {
    const world = new TenantWorld();
    world.members.set('maya-sub', { userId: 'maya-sub', email: 'maya@example.com', roleId: 'pilot' });
    const run = fakeRun({});
    const { handler } = addMember(world, { users: [user()], run });

    const result = await handler(request({ body: { email: 'maya@example.com', roleId: 'admin' } }));

    expect(result.statusCode).toBe(409);
    expect(parse(result).error?.message).toBe('maya@example.com is already a member of this tenant');
    expect(run.inputs).toEqual([]);
  });

  it('answers 409 to a caller adding itself', async () => {
    const world = new TenantWorld();
    const { handler } = addMember(world, { users: [user({ userId: 'caller', username: 'caller', email: 'caller@example.com' })] });

    const result = await handler(request({ body: { email: 'caller@example.com', roleId: 'pilot' } }));

    expect(result.statusCode).toBe(409);
  });

  it('answers 409 naming the limit for a user in 100 tenants', async () => {
    const world = new TenantWorld();
    world.memberships.set('maya-sub', 100);
    const run = fakeRun({});
    const { handler } = addMember(world, { users: [user()], run });

    const result = await handler(request({ body: { email: 'maya@example.com', roleId: 'pilot' } }));

    expect(result.statusCode).toBe(409);
    expect(parse(result).error?.message).toContain('100 tenants');
    expect(run.inputs).toEqual([]);
  });
});

describe('POST /members with an Idempotency-Key', () => {
  it('answers a replayed invitation with the first answer (202), inviting and publishing once', async () => {
    const world = new TenantWorld();
    const { handler, records } = addMember(world, { users: [] });
    const first = await handler(request({ body: { email: 'lee@example.com', roleId: 'pilot' }, idempotencyKey: 'k' }));

    const replay = await handler(request({ body: { roleId: 'pilot', email: 'lee@example.com' }, idempotencyKey: 'k' }));

    expect(first.statusCode).toBe(202);
    expect(replay).toEqual(first);
    expect(world.writes).toHaveLength(1);
    expect(world.published).toHaveLength(1);
    expect([...records.keys()]).toEqual([`TENANT#${TENANT}|IDEMPOTENCY#caller#AddMember#k`]);
  });

  it('answers a replayed addition with the first member (201), running AddMember once', async () => {
    const world = new TenantWorld();
    const run = fakeRun({});
    const { handler } = addMember(world, { users: [user()], run });
    const first = await handler(request({ body: { email: 'maya@example.com', roleId: 'pilot' }, idempotencyKey: 'k' }));

    const replay = await handler(request({ body: { email: 'maya@example.com', roleId: 'pilot' }, idempotencyKey: 'k' }));

    expect(first.statusCode).toBe(201);
    expect(replay).toEqual(first);
    expect(run.inputs).toHaveLength(1);
  });

  it('refuses the same key with another body (409 naming the header), inviting nobody more', async () => {
    const world = new TenantWorld();
    const { handler } = addMember(world, { users: [] });
    await handler(request({ body: { email: 'lee@example.com', roleId: 'pilot' }, idempotencyKey: 'k' }));

    const other = await handler(request({ body: { email: 'kim@example.com', roleId: 'pilot' }, idempotencyKey: 'k' }));

    expect(other.statusCode).toBe(409);
    expect(parse(other).error?.message).toContain(IDEMPOTENCY_HEADER);
    expect(world.writes).toHaveLength(1);
  });

  it("never replays one member's answer to another member using the same key", async () => {
    const world = new TenantWorld();
    const { handler, records } = addMember(world, { users: [] });
    await handler(request({ body: { email: 'lee@example.com', roleId: 'pilot' }, idempotencyKey: 'k' }));

    const theirs = await handler(request({ body: { email: 'kim@example.com', roleId: 'pilot' }, idempotencyKey: 'k', userId: 'other-admin' }));

    expect(theirs.statusCode).toBe(202);
    expect(parse(theirs)).toMatchObject({ invitation: { email: 'kim@example.com' } });
    expect([...records.keys()].sort()).toEqual([`TENANT#${TENANT}|IDEMPOTENCY#caller#AddMember#k`, `TENANT#${TENANT}|IDEMPOTENCY#other-admin#AddMember#k`]);
  });

  it('refuses a key longer than 255 characters with a 400 naming the header, looking nobody up', async () => {
    const world = new TenantWorld();
    const { handler, lookups } = addMember(world, { users: [] });

    const refused = await handler(request({ body: { email: 'lee@example.com', roleId: 'pilot' }, idempotencyKey: 'k'.repeat(256) }));

    expect(refused.statusCode).toBe(400);
    expect(fieldsOf(refused)).toEqual([IDEMPOTENCY_HEADER]);
    expect(lookups).toEqual([]);
  });
});

describe('POST /members, anyone else', () => {
  it.each([
    ['no user has the address', []],
    ['its holder has not verified it', [user({ emailVerified: false })]],
    ['its holder has not confirmed sign-up', [user({ status: 'UNCONFIRMED' })]],
  ])('invites when %s: a guarded put with the role check, 202 and invitation.created', async (_case, users) => {
    const world = new TenantWorld();
    const run = fakeRun({});
    const { handler } = addMember(world, { users, run });

    const result = await handler(request({ body: { email: 'Lee@Example.com', roleId: 'pilot' } }));

    expect(result.statusCode).toBe(202);
    const expiresAt = '2026-12-08T10:00:00.000Z';
    expect(parse(result)).toEqual({ invitation: { email: 'lee@example.com', roleId: 'pilot', expiresAt } });
    expect(run.inputs).toEqual([]);
    expect(world.writes).toHaveLength(1);
    const [write] = world.writes;
    expect(write).toMatchObject({ tenantId: TENANT, actor: { userId: 'caller', roleId: 'admin' }, action: 'member:manage' });
    expect(write?.operations).toEqual([
      expect.objectContaining({
        kind: 'Put',
        label: 'invitation',
        condition: 'attribute_not_exists(PK) OR #expiresAtEpoch <= :now',
        values: { ':now': { N: String(NOW.getTime() / 1000) } },
        item: expect.objectContaining({
          PK: { S: 'TENANT#t1' },
          SK: { S: 'INVITE#lee%40example.com' },
          GSI1PK: { S: 'EMAIL#lee%40example.com' },
          email: { S: 'lee@example.com' },
          invitedBy: { S: 'caller' },
          expiresAt: { S: expiresAt },
          expiresAtEpoch: { N: String(Date.parse(expiresAt) / 1000) },
        }),
      }),
      { kind: 'ConditionCheck', label: 'role', key: { PK: 'TENANT#t1', SK: 'ROLE#pilot' }, condition: 'attribute_exists(PK)' },
    ]);
    expect(world.published).toEqual([
      {
        type: DETAIL_TYPE.invitationCreated,
        detail: { tenantId: TENANT, email: 'lee@example.com', roleId: 'pilot', expiresAt, actorUserId: 'caller', operationId: '8e2f6a1c-5d4b-4f7e-9a3c-1b2d3e4f5a6b' },
      },
    ]);
  });

  it('answers 409 when the address is invited already', async () => {
    const world = new TenantWorld();
    world.writeOutcome = { outcome: 'refused', failed: ['invitation'] };
    const { handler } = addMember(world);

    const result = await handler(request({ body: { email: 'lee@example.com', roleId: 'pilot' } }));

    expect(result.statusCode).toBe(409);
    expect(parse(result).error?.message).toBe('lee@example.com is already invited to this tenant');
    expect(world.published).toEqual([]);
  });

  it('answers 404 naming the role when it was deleted before the invitation committed', async () => {
    const world = new TenantWorld();
    world.writeOutcome = { outcome: 'refused', failed: ['role'] };
    const { handler } = addMember(world);

    const result = await handler(request({ body: { email: 'lee@example.com', roleId: 'pilot' } }));

    expect(result.statusCode).toBe(404);
    expect(parse(result).error?.message).toContain('pilot');
  });

  it('still answers 202 when the invitation is written but its event cannot be published', async () => {
    const world = new TenantWorld();
    world.publish = (async () => {
      throw new Error('PutEvents failed');
    }) as AddMemberDeps['publish'];
    const { handler } = addMember(world);

    const result = await handler(request({ body: { email: 'lee@example.com', roleId: 'pilot' } }));

    expect(result.statusCode).toBe(202);
  });
});

describe('POST /members, refusals before anything runs', () => {
  it('answers 404 naming a role the tenant does not have, and looks no user up', async () => {
    const world = new TenantWorld();
    const { handler, lookups } = addMember(world);

    const result = await handler(request({ body: { email: 'lee@example.com', roleId: 'instructor' } }));

    expect(result.statusCode).toBe(404);
    expect(parse(result).error).toEqual({ code: 'NotFound', message: 'No role instructor in this tenant (roleId)' });
    expect(lookups).toEqual([]);
  });

  it('answers 400 naming each bad field', async () => {
    const world = new TenantWorld();
    const { handler, lookups } = addMember(world);

    const result = await handler(request({ body: { email: 'not-an-address', roleId: 'Has Spaces' } }));

    expect(result.statusCode).toBe(400);
    expect(fieldsOf(result).sort()).toEqual(['email', 'roleId']);
    expect(lookups).toEqual([]);
  });

  it('answers 403 and reports the denial when the role lacks member:manage, before any look-up', async () => {
    const world = new TenantWorld();
    const { handler, lookups } = addMember(world);

    const result = await handler(request({ roleId: 'pilot', body: { email: 'lee@example.com', roleId: 'pilot' } }));

    expect(result.statusCode).toBe(403);
    expect(world.denied).toEqual([expect.objectContaining({ action: 'member:manage', reason: 'role pilot does not grant member:manage' })]);
    expect(lookups).toEqual([]);
    expect(world.writes).toEqual([]);
  });
});

describe('POST /members, a refused AddMember run explained by reading', () => {
  it('answers 409 after running once more when nothing explains two refusals (concurrent transactions)', async () => {
    const world = new TenantWorld();
    const run = fakeRun(refused);
    const { handler } = addMember(world, { users: [user()], run });

    const result = await handler(request({ body: { email: 'maya@example.com', roleId: 'pilot' } }));

    expect(result.statusCode).toBe(409);
    expect(parse(result).error?.message).toContain('try again');
    expect(run.inputs).toHaveLength(2);
  });

  it('answers 403 and reports the denial when the caller lost its permission meanwhile', async () => {
    const world = new TenantWorld();
    const runThenDemote: RunWorkflow = async () => {
      world.members.set('caller', { userId: 'caller', email: 'caller@example.com', roleId: 'pilot' });
      return { status: 'FAILED', output: undefined, error: WORKFLOW_ERROR.memberChangeRefused, cause: undefined, executionArn: 'arn' };
    };
    const { handler } = addMember(world, { users: [user()], run: runThenDemote });

    const result = await handler(request({ body: { email: 'maya@example.com', roleId: 'pilot' } }));

    expect(result.statusCode).toBe(403);
    expect(world.denied).toEqual([expect.objectContaining({ action: 'member:manage', reason: 'role pilot does not grant member:manage' })]);
  });

  it('answers 409 when the user became a member meanwhile', async () => {
    const world = new TenantWorld();
    const run: RunWorkflow = async () => {
      world.members.set('maya-sub', { userId: 'maya-sub', email: 'maya@example.com', roleId: 'pilot' });
      return { status: 'FAILED', output: undefined, error: WORKFLOW_ERROR.memberChangeRefused, cause: undefined, executionArn: 'arn' };
    };
    const { handler } = addMember(world, { users: [user()], run });

    const result = await handler(request({ body: { email: 'maya@example.com', roleId: 'pilot' } }));

    expect(result.statusCode).toBe(409);
    expect(parse(result).error?.message).toContain('already a member');
  });

  it('answers 404 when the role was deleted meanwhile', async () => {
    const world = new TenantWorld();
    const run: RunWorkflow = async () => {
      world.roles.delete('pilot');
      return { status: 'FAILED', output: undefined, error: WORKFLOW_ERROR.memberChangeRefused, cause: undefined, executionArn: 'arn' };
    };
    const { handler } = addMember(world, { users: [user()], run });

    const result = await handler(request({ body: { email: 'maya@example.com', roleId: 'pilot' } }));

    expect(result.statusCode).toBe(404);
  });

  it('runs once more with the role the caller holds now when only that changed', async () => {
    const world = new TenantWorld();
    world.members.set('caller', { userId: 'caller', email: 'caller@example.com', roleId: 'manager' });
    const run = fakeRun(refused, {});
    const { handler } = addMember(world, { users: [user()], run });

    const result = await handler(request({ roleId: 'admin', body: { email: 'maya@example.com', roleId: 'pilot' } }));

    expect(result.statusCode).toBe(201);
    expect(run.inputs.map((input) => (input as AddMemberInput).actorRoleId)).toEqual(['admin', 'manager']);
  });

  it('answers 500 saying nothing changed when the run failed and was rolled back', async () => {
    const world = new TenantWorld();
    const { handler } = addMember(world, { users: [user()], run: fakeRun({ status: 'FAILED', error: WORKFLOW_ERROR.addMemberFailed }) });

    const result = await handler(request({ body: { email: 'maya@example.com', roleId: 'pilot' } }));

    expect(result.statusCode).toBe(500);
    expect(parse(result).error?.message).toContain('rolled back');
  });

  it('answers 429 when the run failed on throttling', async () => {
    const world = new TenantWorld();
    const { handler } = addMember(world, { users: [user()], run: fakeRun({ status: 'FAILED', error: 'CognitoIdentityProvider.TooManyRequestsException' }) });

    const result = await handler(request({ body: { email: 'maya@example.com', roleId: 'pilot' } }));

    expect(result.statusCode).toBe(429);
  });
});

function changeRole(world: TenantWorld, directoryUser?: DirectoryUser) {
  const hints: { username: string; roleId: string }[] = [];
  const handler = createChangeMemberRoleHandler({
    readsFor: world.readsFor,
    control: world.control,
    directory: {
      user: async () => directoryUser,
      setRoleHint: async (username, roleId) => {
        hints.push({ username, roleId });
      },
    },
    writer: world.writer,
    publish: world.publish,
    reportDenied: world.reportDenied,
    newOperationId: () => '8e2f6a1c-5d4b-4f7e-9a3c-1b2d3e4f5a6b',
    logger,
  } satisfies ChangeRoleDeps);
  return { handler, hints };
}

const changeRequest = (userId: string, roleId: unknown, callerRole = 'admin') => request({ pathParameters: { userId }, body: { roleId }, roleId: callerRole });

describe('PUT /members/{userId}/role', () => {
  it('moves the role and both holder counts in one guarded write, updates the hint and publishes', async () => {
    const world = new TenantWorld();
    world.members.set('maya', { userId: 'maya', email: 'maya@example.com', roleId: 'pilot' });
    const { handler, hints } = changeRole(world, user({ username: 'maya', userId: 'maya', activeTenantId: TENANT }));

    const result = await handler(changeRequest('maya', 'manager'));

    expect(result.statusCode).toBe(200);
    expect(parse(result)).toEqual({ member: { userId: 'maya', email: 'maya@example.com', roleId: 'manager' } });
    expect(world.writes).toEqual([
      {
        tenantId: TENANT,
        actor: { userId: 'caller', roleId: 'admin' },
        action: 'role:assign',
        // Decided again for the actor's role if it changed meanwhile (who may grant admin depends on it).
        asRole: expect.any(Function),
        operations: [
          expect.objectContaining({ kind: 'Update', label: 'membership', key: { PK: 'TENANT#t1', SK: 'MEMBER#maya' }, condition: 'attribute_exists(PK) AND #roleId = :old' }),
          expect.objectContaining({ kind: 'Update', label: 'holders', key: { PK: 'TENANT#t1', SK: 'TENANT' }, condition: 'attribute_exists(PK)', names: { '#holders': 'roleHolders', '#old': 'pilot', '#new': 'manager' } }),
          { kind: 'ConditionCheck', label: 'role', key: { PK: 'TENANT#t1', SK: 'ROLE#manager' }, condition: 'attribute_exists(PK)' },
        ],
      },
    ]);
    expect(hints).toEqual([{ username: 'maya', roleId: 'manager' }]);
    expect(world.published).toEqual([
      { type: DETAIL_TYPE.memberRoleChanged, detail: { tenantId: TENANT, userId: 'maya', previousRoleId: 'pilot', roleId: 'manager', actorUserId: 'caller', operationId: '8e2f6a1c-5d4b-4f7e-9a3c-1b2d3e4f5a6b' } },
    ]);
  });

  it("leaves the hint alone when another tenant is the member's active one", async () => {
    const world = new TenantWorld();
    world.members.set('maya', { userId: 'maya', email: 'maya@example.com', roleId: 'pilot' });
    const { handler, hints } = changeRole(world, user({ username: 'maya', userId: 'maya', activeTenantId: 't2' }));

    const result = await handler(changeRequest('maya', 'manager'));

    expect(result.statusCode).toBe(200);
    expect(hints).toEqual([]);
  });

  it('demotes an admin only while another admin remains, and answers 409 for the last one', async () => {
    const world = new TenantWorld();
    world.writeOutcome = { outcome: 'refused', failed: ['holders'] };
    const { handler } = changeRole(world);

    const result = await handler(changeRequest('caller', 'pilot'));

    expect(result.statusCode).toBe(409);
    expect(parse(result).error?.message).toContain('last admin');
    expect(world.writes[0]?.operations[1]).toMatchObject({ label: 'holders', condition: 'attribute_exists(PK) AND #holders.#old > :one', names: { '#old': 'admin' } });
    expect(world.published).toEqual([]);
  });

  it('answers 200 without writing when the member holds the role already', async () => {
    const world = new TenantWorld();
    world.members.set('maya', { userId: 'maya', email: 'maya@example.com', roleId: 'pilot' });
    const { handler } = changeRole(world);

    const result = await handler(changeRequest('maya', 'pilot'));

    expect(result.statusCode).toBe(200);
    expect(world.writes).toEqual([]);
    expect(world.published).toEqual([]);
  });

  it('answers 404 for a user who is no member of this tenant (another tenant\'s member included)', async () => {
    const world = new TenantWorld();
    const { handler } = changeRole(world);

    const result = await handler(changeRequest('someone-elses', 'pilot'));

    expect(result.statusCode).toBe(404);
    expect(world.writes).toEqual([]);
  });

  it.each([
    ['role', undefined, 404],
    ['membership', undefined, 404],
    ['membership', 'manager', 409],
  ])('explains a refusal of %s (member now: %s) as %d', async (label, roleNow, status) => {
    const world = new TenantWorld();
    world.members.set('maya', { userId: 'maya', email: 'maya@example.com', roleId: 'pilot' });
    world.writeOutcome = { outcome: 'refused', failed: [label] };
    world.writer.write = async (write) => {
      world.writes.push(write);
      if (label === 'membership') {
        if (roleNow) world.members.set('maya', { userId: 'maya', email: 'maya@example.com', roleId: roleNow });
        else world.members.delete('maya');
      }
      return world.writeOutcome;
    };
    const { handler } = changeRole(world);

    const result = await handler(changeRequest('maya', 'manager'));

    expect(result.statusCode).toBe(status);
  });

  it('answers 400 naming userId for a malformed path, and roleId for a malformed body', async () => {
    const world = new TenantWorld();
    const { handler } = changeRole(world);

    const badPath = await handler(changeRequest('a#b', 'pilot'));
    const badBody = await handler(changeRequest('maya', ''));

    expect(badPath.statusCode).toBe(400);
    expect(fieldsOf(badPath)).toEqual(['userId']);
    expect(badBody.statusCode).toBe(400);
    expect(fieldsOf(badBody)).toEqual(['roleId']);
  });

  it('answers 403 and reports the denial when the role lacks role:assign', async () => {
    const world = new TenantWorld();
    const { handler } = changeRole(world);

    const result = await handler(changeRequest('caller', 'pilot', 'pilot'));

    expect(result.statusCode).toBe(403);
    expect(world.denied).toEqual([expect.objectContaining({ action: 'role:assign' })]);
    expect(world.writes).toEqual([]);
  });

  it('answers 200 when the role hint cannot be updated: the membership is what counts', async () => {
    const world = new TenantWorld();
    world.members.set('maya', { userId: 'maya', email: 'maya@example.com', roleId: 'pilot' });
    const handler = createChangeMemberRoleHandler({
      ...changeRoleDeps(world),
      directory: {
        user: async () => user({ username: 'maya', userId: 'maya', activeTenantId: TENANT }),
        setRoleHint: async () => {
          throw new Error('TooManyRequestsException');
        },
      },
    });

    const result = await handler(changeRequest('maya', 'manager'));

    expect(result.statusCode).toBe(200);
  });
});

function changeRoleDeps(world: TenantWorld): ChangeRoleDeps {
  return {
    readsFor: world.readsFor,
    control: world.control,
    directory: { user: async () => undefined, setRoleHint: async () => undefined },
    writer: world.writer,
    publish: world.publish,
    reportDenied: world.reportDenied,
    newOperationId: () => '8e2f6a1c-5d4b-4f7e-9a3c-1b2d3e4f5a6b',
    logger,
  };
}

function removeMember(world: TenantWorld, run: RunWorkflow = fakeRun({}), now: () => Date = () => new Date()) {
  return createRemoveMemberHandler({
    readsFor: world.readsFor,
    control: world.control,
    run,
    removeMemberArn: 'arn:remove-member',
    now,
    reportDenied: world.reportDenied,
    logger,
  } satisfies RemoveMemberDeps);
}

const removeRequest = (userId: string, callerRole = 'admin') => request({ pathParameters: { userId }, roleId: callerRole });

describe('DELETE /members/{userId}', () => {
  it("runs RemoveMember with the member's role as read and answers 204", async () => {
    const world = new TenantWorld();
    world.members.set('maya', { userId: 'maya', email: 'maya@example.com', roleId: 'pilot' });
    const run = fakeRun({});

    const result = await removeMember(world, run)(removeRequest('maya'));

    expect(result).toMatchObject({ statusCode: 204, body: '' });
    expect(run.inputs).toEqual([{ tenantId: TENANT, userId: 'maya', username: 'maya', roleId: 'pilot', actorUserId: 'caller', actorRoleId: 'admin' } satisfies RemoveMemberInput]);
  });

  it('answers 409 saying why to a caller removing itself, and runs nothing', async () => {
    const world = new TenantWorld();
    const run = fakeRun({});

    const result = await removeMember(world, run)(removeRequest('caller'));

    expect(result.statusCode).toBe(409);
    expect(parse(result).error?.message).toContain('cannot remove yourself');
    expect(run.inputs).toEqual([]);
  });

  it("answers 404 for a user who is no member of this tenant (another tenant's member included)", async () => {
    const world = new TenantWorld();

    const result = await removeMember(world)(removeRequest('someone-elses'));

    expect(result.statusCode).toBe(404);
  });

  it('answers 409 when the run was refused because the member is the last admin the tenant record counts', async () => {
    const world = new TenantWorld();
    world.members.set('caller', { userId: 'caller', email: 'caller@example.com', roleId: 'admin' });
    world.members.set('founder', { userId: 'founder', email: 'founder@example.com', roleId: 'admin' });
    // The count, not the memberships, is what the transaction trusts: a concurrent removal took the other admin's.
    world.roleHolders = { admin: 1 };

    const result = await removeMember(world, fakeRun(refused))(removeRequest('founder', 'admin'));

    expect(result.statusCode).toBe(409);
    expect(parse(result).error?.message).toBe("founder is the tenant's last admin and cannot be removed");
  });

  it('answers 403 to a member allowed to manage members removing an admin, without running the workflow', async () => {
    const world = new TenantWorld();
    world.members.set('caller', { userId: 'caller', email: 'caller@example.com', roleId: 'manager' });
    world.members.set('founder', { userId: 'founder', email: 'founder@example.com', roleId: 'admin' });
    const run = fakeRun(refused);

    const result = await removeMember(world, run)(removeRequest('founder', 'manager'));

    expect(result.statusCode).toBe(403);
    expect(world.denied).toEqual([expect.objectContaining({ action: 'member:manage', reason: 'only an admin may grant or take the admin role' })]);
    expect(run.inputs).toEqual([]);
  });

  it('answers 403 and reports the denial when the run was refused because the caller lost member:manage', async () => {
    const world = new TenantWorld();
    world.members.set('maya', { userId: 'maya', email: 'maya@example.com', roleId: 'pilot' });
    const run: RunWorkflow = async () => {
      world.members.set('caller', { userId: 'caller', email: 'caller@example.com', roleId: 'pilot' });
      return { status: 'FAILED', output: undefined, error: WORKFLOW_ERROR.memberChangeRefused, cause: undefined, executionArn: 'arn' };
    };

    const result = await removeMember(world, run)(removeRequest('maya'));

    expect(result.statusCode).toBe(403);
    expect(world.denied).toEqual([expect.objectContaining({ action: 'member:manage', reason: 'role pilot does not grant member:manage' })]);
  });

  it('answers 404 when the run was refused because the member was removed meanwhile', async () => {
    const world = new TenantWorld();
    world.members.set('maya', { userId: 'maya', email: 'maya@example.com', roleId: 'pilot' });
    const run: RunWorkflow = async () => {
      world.members.delete('maya');
      return { status: 'FAILED', output: undefined, error: WORKFLOW_ERROR.memberChangeRefused, cause: undefined, executionArn: 'arn' };
    };

    const result = await removeMember(world, run)(removeRequest('maya'));

    expect(result.statusCode).toBe(404);
  });

  it('runs once more with the role read now when nothing explains the refusal, and answers 409 after a second one', async () => {
    const world = new TenantWorld();
    world.members.set('maya', { userId: 'maya', email: 'maya@example.com', roleId: 'pilot' });
    const run = fakeRun(refused);
    const retried = fakeRun(refused, {});

    const refusedTwice = await removeMember(world, run)(removeRequest('maya'));
    const claimedSecond = await removeMember(world, retried)(removeRequest('maya'));

    expect(refusedTwice.statusCode).toBe(409);
    expect(parse(refusedTwice).error?.message).toContain('try again');
    expect(run.inputs).toHaveLength(2);
    expect(claimedSecond.statusCode).toBe(204);
  });

  it('answers 409 "try again" without a second run when the refused one took so long that another would outlast API Gateway', async () => {
    const world = new TenantWorld();
    world.members.set('maya', { userId: 'maya', email: 'maya@example.com', roleId: 'pilot' });
    const run = fakeRun(refused, {});
    // The clock reads 0 when the first run starts, then 4 s later: 4 + 22 + 4 > 29.
    const readings = [0, 4000];
    const clock = () => new Date(readings.shift() ?? 4000);

    const answer = await removeMember(world, run, clock)(removeRequest('maya'));

    expect({ status: answer.statusCode, runs: run.inputs.length }).toEqual({ status: 409, runs: 1 });
    expect(parse(answer).error?.message).toContain('try again');
  });

  it('answers 400 naming userId for a malformed path, and 403 (reported) without member:manage', async () => {
    const world = new TenantWorld();

    const badPath = await removeMember(world)(removeRequest('../x'));
    const denied = await removeMember(world)(removeRequest('maya', 'pilot'));

    expect(badPath.statusCode).toBe(400);
    expect(fieldsOf(badPath)).toEqual(['userId']);
    expect(denied.statusCode).toBe(403);
    expect(world.denied).toEqual([expect.objectContaining({ action: 'member:manage' })]);
  });
});

describe('the user pool look-up by address', () => {
  function fakeCognito(users: { Username: string; email: string; verified?: string }[]) {
    const filters: string[] = [];
    const client = {
      send: async (command: ListUsersCommand) => {
        const filter = command.input.Filter ?? '';
        filters.push(filter);
        const wanted = /^email = "(.*)"$/.exec(filter)?.[1];
        // Exact, case-sensitive comparison: what cognito-local does.
        const matching = users.filter((candidate) => candidate.email === wanted);
        return {
          Users: matching.map((candidate) => ({
            Username: candidate.Username,
            UserStatus: 'CONFIRMED',
            Attributes: [
              { Name: 'sub', Value: candidate.Username },
              { Name: 'email', Value: candidate.email },
              { Name: 'email_verified', Value: candidate.verified ?? 'true' },
            ],
          })),
        };
      },
    };
    return { directory: userDirectory(client as never, 'pool'), filters };
  }

  it('asks for the normalized spelling and the one given, and keeps one user per sub', async () => {
    const { directory, filters } = fakeCognito([{ Username: 'u1', email: 'maya@example.com' }]);

    const found = await directory.usersWithEmail(' Maya@Example.com ');

    expect(filters.sort()).toEqual(['email = "Maya@Example.com"', 'email = "maya@example.com"']);
    expect(found).toEqual([{ username: 'u1', userId: 'u1', email: 'maya@example.com', emailVerified: true, status: 'CONFIRMED', activeTenantId: null }]);
  });

  it('finds an address stored with capitals when it is given with the same capitals', async () => {
    const { directory } = fakeCognito([{ Username: 'u1', email: 'Maya@Example.com', verified: 'false' }]);

    const found = await directory.usersWithEmail('Maya@Example.com');

    expect(found).toEqual([expect.objectContaining({ userId: 'u1', emailVerified: false })]);
  });
});
