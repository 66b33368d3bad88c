import { Logger } from '@aws-lambda-powertools/logger';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { PermissionDeniedError } from '../../domain/errors';
import { roleKey, tenantRecordKey } from '../../domain/keys';
import { ACTIONS } from '../../domain/permissions';
import { DETAIL_TYPE } from '../../events/catalog';
import type { ProxyEvent } from '../../handlers/api/http';
import {
  createCreateRoleHandler,
  createDeleteRoleHandler,
  createListRolesHandler,
  createUpdateRoleHandler,
  type ReadStoredRole,
} from '../../handlers/api/roles/handler';
import { routeServedBy } from '../../handlers/api/routes';
import { FUNCTIONS } from '../../handlers/catalog';
import { guardedWriter, type GuardedWrite, type GuardedWriteOutcome, type GuardedWriter } from '../../handlers/shared/guarded-write';
import type { PublishEvent } from '../../handlers/shared/event-publisher';
import { rolesStore, type RolesStore, type StoredRole } from '../../handlers/shared/roles-store';

import { IDEMPOTENCY_HEADER } from '../../domain/idempotency';
import { apiEvent } from './api-fixtures';
import { memoryIdempotencyStore } from './idempotency-fixtures';

const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
const OPERATION = '8e2f6a1c-5d4b-4f7e-9a3c-1b2d3e4f5a6b';
const NOW = new Date('2026-12-01T10:00:00.000Z');

function event(init: { body?: unknown; roleId?: string; tenantId?: string; roleOfCaller?: string }): ProxyEvent {
  const caller = { userId: 'u1', username: 'u1', email: 'u1@example.com', tenantId: init.tenantId ?? 't1', roleId: init.roleOfCaller ?? 'editor', groups: '[]' };
  return apiEvent({ method: 'POST', path: '/roles', body: init.body, pathParameters: init.roleId === undefined ? null : { roleId: init.roleId }, caller });
}

const parse = (result: { body: string }) => (result.body ? (JSON.parse(result.body) as Record<string, unknown>) : undefined);
const fields = (result: { body: string }) => ((parse(result)?.error as { details?: { field: string; message: string }[] }).details ?? []).map((detail) => detail.field);

/** The writer port, answering each write with the next scripted outcome (or error). */
function fakeWriter(...outcomes: (GuardedWriteOutcome | Error)[]): GuardedWriter & { requests: GuardedWrite[] } {
  const requests: GuardedWrite[] = [];
  return {
    requests,
    write: async (request) => {
      requests.push(request);
      const next = outcomes.shift() ?? { outcome: 'written' };
      if (next instanceof Error) throw next;
      return next;
    },
  };
}

const written: GuardedWriteOutcome = { outcome: 'written' };
const refused = (...failed: string[]): GuardedWriteOutcome => ({ outcome: 'refused', failed });
const denied = () => new PermissionDeniedError('role:manage', 'role editor does not grant role:manage');

function fakePublish(fails = false): PublishEvent & { published: { detailType: string; detail: unknown }[] } {
  const published: { detailType: string; detail: unknown }[] = [];
  const publish = async (detailType: string, detail: unknown): Promise<string> => {
    if (fails) throw new Error('bus unavailable');
    published.push({ detailType, detail });
    return 'event-1';
  };
  return Object.assign(publish as PublishEvent, { published });
}

const writeDeps = (writer: GuardedWriter, publish = fakePublish(), idempotency = memoryIdempotencyStore().store) => ({
  writer,
  publish,
  logger,
  newOperationId: () => OPERATION,
  now: () => NOW,
  idempotency,
  // The caller's role grants role:manage: a keyed request is admitted (its own tests refuse one that does not).
  rolesFor: () => async (_tenantId: string, roleId: string) => ({ roleId, builtIn: false, actions: ['role:manage'] }),
  reportDenied: async () => undefined,
});

const stored = (overrides: Partial<StoredRole> = {}): StoredRole => ({ roleId: 'pilot', name: 'Pilot', storedActions: ['aircraft:read'], builtIn: false, ...overrides });

/** Role reads answering the scripted roles in turn. */
function readsOf(...roles: (StoredRole | undefined)[]): ReadStoredRole & { reads: string[] } {
  const reads: string[] = [];
  const read = async (tenantId: string, roleId: string) => {
    reads.push(`${tenantId}/${roleId}`);
    return roles.shift();
  };
  return Object.assign(read, { reads });
}

describe('GET /roles', () => {
  it("lists the caller's tenant's roles through a store signed with the caller's own credentials", async () => {
    const seen: unknown[] = [];
    const roles = [{ roleId: 'admin', name: 'Admin', actions: [...ACTIONS] }];
    const store = { listRoles: async (tenantId: string) => (seen.push(tenantId), roles), getRole: async () => undefined } as RolesStore;
    const handler = createListRolesHandler({ storeFor: (credentials) => (seen.push(credentials.accessKeyId), store), logger });

    const result = await handler(event({}));

    expect(result.statusCode).toBe(200);
    expect(parse(result)).toEqual({ roles });
    expect(seen).toEqual(['ASIA1', 't1']);
  });

  it('answers 403 to a caller without an active tenant', async () => {
    const handler = createListRolesHandler({ storeFor: () => ({}) as RolesStore, logger });

    const result = await handler(event({ tenantId: '' }));

    expect(result.statusCode).toBe(403);
  });
});

describe('POST /roles with an Idempotency-Key', () => {
  const body = { name: 'Pilot', actions: ['aircraft:read'] };
  /** A request of `userId` in `tenantId` carrying `key`. */
  const keyed = (init: { body: unknown; tenantId?: string; userId?: string }, key: string): ProxyEvent => {
    const base = event({ body: init.body, tenantId: init.tenantId, roleOfCaller: 'admin' });
    const context = { ...base.requestContext.authorizer, userId: init.userId ?? 'u1', username: init.userId ?? 'u1' };
    return { ...base, headers: { [IDEMPOTENCY_HEADER]: key }, requestContext: { ...base.requestContext, authorizer: context } };
  };

  function roles() {
    const writer = fakeWriter();
    const publish = fakePublish();
    const memory = memoryIdempotencyStore();
    return { handler: createCreateRoleHandler(writeDeps(writer, publish, memory.store)), writer, publish, records: memory.records };
  }

  it('answers a replay with the first answer, writing and publishing once', async () => {
    const { handler, writer, publish } = roles();
    const first = await handler(keyed({ body }, 'k'));

    const replay = await handler(keyed({ body: { actions: ['aircraft:read'], name: 'Pilot' } }, 'k'));

    expect(first.statusCode).toBe(201);
    expect(replay).toEqual(first);
    expect(writer.requests).toHaveLength(1);
    expect(publish.published).toHaveLength(1);
  });

  it("keeps the record in the tenant's control partition, per caller and route", async () => {
    const { handler, records } = roles();

    await handler(keyed({ body }, 'k'));

    expect([...records.keys()]).toEqual(['TENANT#t1|IDEMPOTENCY#u1#CreateRole#k']);
  });

  it('refuses the same key with another body with a 409 naming the header, and writes nothing more', async () => {
    const { handler, writer } = roles();
    await handler(keyed({ body }, 'k'));

    const other = await handler(keyed({ body: { ...body, name: 'Instructor' } }, 'k'));

    expect(other.statusCode).toBe(409);
    expect((parse(other)?.error as { message: string }).message).toContain(IDEMPOTENCY_HEADER);
    expect(writer.requests).toHaveLength(1);
  });

  it("keeps another member's use of the key apart, and the caller's own use of it in another tenant", async () => {
    const { handler, writer, records } = roles();
    await handler(keyed({ body }, 'k'));

    const otherMember = await handler(keyed({ body, userId: 'u2' }, 'k'));
    const otherTenant = await handler(keyed({ body, tenantId: 't2' }, 'k'));

    expect([otherMember.statusCode, otherTenant.statusCode]).toEqual([201, 201]);
    expect(writer.requests.map((request) => request.tenantId)).toEqual(['t1', 't1', 't2']);
    expect([...records.keys()].sort()).toEqual(['TENANT#t1|IDEMPOTENCY#u1#CreateRole#k', 'TENANT#t1|IDEMPOTENCY#u2#CreateRole#k', 'TENANT#t2|IDEMPOTENCY#u1#CreateRole#k']);
  });

  it('releases the claim of a refused write (the role exists), so that the key may be used again', async () => {
    const writer = fakeWriter(refused('role'), written);
    const handler = createCreateRoleHandler(writeDeps(writer));
    const taken = await handler(keyed({ body }, 'k'));

    const retried = await handler(keyed({ body: { ...body, name: 'Pilot two' } }, 'k'));

    expect(taken.statusCode).toBe(409);
    expect(retried.statusCode).toBe(201);
  });

  it('refuses a key with bad characters with a 400 naming the header, writing nothing', async () => {
    const { handler, writer } = roles();

    const refused400 = await handler(keyed({ body }, 'line\nbreak'));

    expect(refused400.statusCode).toBe(400);
    expect(fields(refused400)).toEqual([IDEMPOTENCY_HEADER]);
    expect(writer.requests).toHaveLength(0);
  });
});

describe('POST /roles', () => {
  it("puts the role, guarded by the route's action, only if its id is free, and publishes role.created.v1", async () => {
    const writer = fakeWriter(written);
    const publish = fakePublish();
    const handler = createCreateRoleHandler(writeDeps(writer, publish));

    const result = await handler(event({ body: { name: ' Maintenance chief ', actions: ['aircraft:write', 'aircraft:read', 'aircraft:write'] } }));

    expect(result.statusCode).toBe(201);
    const role = { roleId: 'maintenance-chief', name: 'Maintenance chief', actions: ['aircraft:read', 'aircraft:write'] };
    expect(parse(result)).toEqual({ role });
    const [request] = writer.requests;
    expect(request).toMatchObject({ tenantId: 't1', actor: { userId: 'u1', roleId: 'editor' }, action: routeServedBy(FUNCTIONS.createRole.name).action });
    expect(request?.operations).toEqual([
      {
        kind: 'Put',
        label: 'role',
        item: {
          PK: { S: roleKey('t1', 'maintenance-chief').PK },
          SK: { S: roleKey('t1', 'maintenance-chief').SK },
          tenantId: { S: 't1' },
          roleId: { S: 'maintenance-chief' },
          name: { S: 'Maintenance chief' },
          actions: { L: [{ S: 'aircraft:read' }, { S: 'aircraft:write' }] },
          builtIn: { BOOL: false },
          createdAt: { S: NOW.toISOString() },
        },
        condition: 'attribute_not_exists(#pk)',
        names: { '#pk': 'PK' },
      },
    ]);
    expect(publish.published).toEqual([{ detailType: DETAIL_TYPE.roleCreated, detail: { tenantId: 't1', ...role, actorUserId: 'u1', operationId: OPERATION } }]);
  });

  it('answers 400 naming the index and the value of each unknown action, and writes nothing', async () => {
    const writer = fakeWriter();
    const handler = createCreateRoleHandler(writeDeps(writer));

    const result = await handler(event({ body: { name: 'Crew', actions: ['aircraft:read', 'aircraft:fly', 'role:*'] } }));

    expect(result.statusCode).toBe(400);
    const details = (parse(result)?.error as { details: { field: string; message: string }[] }).details;
    expect(details.map((detail) => detail.field)).toEqual(['actions.1', 'actions.2']);
    expect(details[0]?.message).toContain('"aircraft:fly"');
    expect(writer.requests).toEqual([]);
  });

  it('answers 400 for more entries than there are actions, a missing list, and fields the contract does not name', async () => {
    const handler = createCreateRoleHandler(writeDeps(fakeWriter()));

    const tooMany = await handler(event({ body: { name: 'Crew', actions: [...ACTIONS, 'aircraft:read'] } }));
    const missing = await handler(event({ body: { name: 'Crew' } }));
    const extra = await handler(event({ body: { name: 'Crew', actions: [], builtIn: true } }));

    expect([tooMany.statusCode, missing.statusCode, extra.statusCode]).toEqual([400, 400, 400]);
    expect([fields(tooMany), fields(missing), fields(extra)]).toEqual([['actions'], ['actions'], ['(body)']]);
  });

  it('answers 400 naming the name when it has no letter or digit to make an id of, or breaks the name rules', async () => {
    const handler = createCreateRoleHandler(writeDeps(fakeWriter()));

    const symbols = await handler(event({ body: { name: '★★★', actions: [] } }));
    const tooLong = await handler(event({ body: { name: 'x'.repeat(101), actions: [] } }));
    const control = await handler(event({ body: { name: 'Crew\u202e', actions: [] } }));

    expect([fields(symbols), fields(tooLong), fields(control)]).toEqual([['name'], ['name'], ['name']]);
  });

  it('answers 409 for a name that makes the reserved id admin, without writing', async () => {
    const writer = fakeWriter();
    const handler = createCreateRoleHandler(writeDeps(writer));

    const result = await handler(event({ body: { name: 'ADMIN', actions: [] } }));

    expect(result.statusCode).toBe(409);
    expect(writer.requests).toEqual([]);
  });

  it('answers 409 naming the id when a role with it exists, and publishes nothing', async () => {
    const publish = fakePublish();
    const handler = createCreateRoleHandler(writeDeps(fakeWriter(refused('role')), publish));

    const result = await handler(event({ body: { name: 'Pilot', actions: [] } }));

    expect(result.statusCode).toBe(409);
    expect((parse(result)?.error as { message: string }).message).toBe('A role with id pilot exists');
    expect(publish.published).toEqual([]);
  });

  it('answers 403 when the guard refuses the caller, and publishes no role.created.v1', async () => {
    const publish = fakePublish();
    const handler = createCreateRoleHandler(writeDeps(fakeWriter(denied()), publish));

    const result = await handler(event({ body: { name: 'Pilot', actions: [] } }));

    expect(result.statusCode).toBe(403);
    expect(publish.published).toEqual([]);
  });

  it('still answers 201 when the event cannot be published, and logs the whole detail for a replay', async () => {
    const logged = jest.spyOn(logger, 'error');
    const handler = createCreateRoleHandler(writeDeps(fakeWriter(written), fakePublish(true)));

    const result = await handler(event({ body: { name: 'Pilot', actions: ['aircraft:read'] } }));

    expect(result.statusCode).toBe(201);
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('not published'), expect.objectContaining({ detailType: DETAIL_TYPE.roleCreated, detail: expect.objectContaining({ roleId: 'pilot' }) }));
    logged.mockRestore();
  });
});

describe('PUT /roles/{roleId}', () => {
  it('updates the role only if it is still as read, keeps its id, and publishes what it replaced', async () => {
    const writer = fakeWriter(written);
    const publish = fakePublish();
    const reads = readsOf(stored());
    const handler = createUpdateRoleHandler({ ...writeDeps(writer, publish), readRole: reads });

    const result = await handler(event({ roleId: 'pilot', body: { name: 'Senior pilot', actions: ['reservation:create', 'aircraft:read'] } }));

    expect(result.statusCode).toBe(200);
    const role = { roleId: 'pilot', name: 'Senior pilot', actions: ['aircraft:read', 'reservation:create'] };
    expect(parse(result)).toEqual({ role });
    expect(reads.reads).toEqual(['t1/pilot']);
    expect(writer.requests[0]?.action).toBe(routeServedBy(FUNCTIONS.updateRole.name).action);
    expect(writer.requests[0]?.operations).toEqual([
      expect.objectContaining({
        kind: 'Update',
        key: roleKey('t1', 'pilot'),
        update: 'SET #name = :name, #actions = :actions',
        condition: 'attribute_exists(#pk) AND #builtIn = :false AND #name = :previousName AND #actions = :previousActions',
        values: {
          ':name': { S: 'Senior pilot' },
          ':actions': { L: [{ S: 'aircraft:read' }, { S: 'reservation:create' }] },
          ':false': { BOOL: false },
          ':previousName': { S: 'Pilot' },
          ':previousActions': { L: [{ S: 'aircraft:read' }] },
        },
      }),
    ]);
    expect(publish.published).toEqual([
      {
        detailType: DETAIL_TYPE.roleUpdated,
        detail: { tenantId: 't1', ...role, previousName: 'Pilot', previousActions: ['aircraft:read'], actorUserId: 'u1', operationId: OPERATION },
      },
    ]);
  });

  it('sets only the name when only the name is given, and answers with the actions it keeps', async () => {
    const writer = fakeWriter(written);
    const handler = createUpdateRoleHandler({ ...writeDeps(writer), readRole: readsOf(stored({ storedActions: ['aircraft:read', 'retired:action'] })) });

    const result = await handler(event({ roleId: 'pilot', body: { name: 'Captain' } }));

    expect(parse(result)).toEqual({ role: { roleId: 'pilot', name: 'Captain', actions: ['aircraft:read'] } });
    const [operation] = writer.requests[0]?.operations ?? [];
    expect(operation).toMatchObject({ update: 'SET #name = :name', values: { ':previousActions': { L: [{ S: 'aircraft:read' }, { S: 'retired:action' }] } } });
  });

  it('reads again and retries when the role changed between the read and the write, publishing the state it really replaced', async () => {
    const writer = fakeWriter(refused('role'), written);
    const publish = fakePublish();
    const reads = readsOf(stored(), stored({ name: 'Pilot (renamed meanwhile)' }));
    const handler = createUpdateRoleHandler({ ...writeDeps(writer, publish), readRole: reads });

    const result = await handler(event({ roleId: 'pilot', body: { actions: [] } }));

    expect(result.statusCode).toBe(200);
    expect(reads.reads).toHaveLength(2);
    expect(publish.published[0]?.detail).toMatchObject({ name: 'Pilot (renamed meanwhile)', previousName: 'Pilot (renamed meanwhile)', actions: [] });
  });

  it('answers 409 when the role keeps changing, after three attempts', async () => {
    const writer = fakeWriter(refused('role'), refused('role'), refused('role'));
    const handler = createUpdateRoleHandler({ ...writeDeps(writer), readRole: readsOf(stored(), stored(), stored()) });

    const result = await handler(event({ roleId: 'pilot', body: { actions: [] } }));

    expect(result.statusCode).toBe(409);
    expect(writer.requests).toHaveLength(3);
  });

  it('answers 404 for a role not in the tenant, once the guarded write confirmed it is still missing', async () => {
    const writer = fakeWriter(refused('role'));
    const handler = createUpdateRoleHandler({ ...writeDeps(writer), readRole: readsOf(undefined) });

    const result = await handler(event({ roleId: 'ghost', body: { actions: [] } }));

    expect(result.statusCode).toBe(404);
    expect(writer.requests[0]?.operations).toEqual([
      { kind: 'ConditionCheck', label: 'role', key: roleKey('t1', 'ghost'), condition: 'attribute_exists(#pk)', names: { '#pk': 'PK' } },
    ]);
  });

  it('answers 403, not 404, to a caller without the permission who names a role that does not exist', async () => {
    const handler = createUpdateRoleHandler({ ...writeDeps(fakeWriter(denied())), readRole: readsOf(undefined) });

    const result = await handler(event({ roleId: 'ghost', body: { actions: [] } }));

    expect(result.statusCode).toBe(403);
  });

  it('answers 409 for the built-in admin role without reading or writing, and for any built-in item read', async () => {
    const writer = fakeWriter();
    const reads = readsOf(stored({ roleId: 'crew', builtIn: true }));
    const handler = createUpdateRoleHandler({ ...writeDeps(writer), readRole: reads });

    const admin = await handler(event({ roleId: 'admin', body: { actions: [] } }));
    const builtIn = await handler(event({ roleId: 'crew', body: { actions: [] } }));

    expect([admin.statusCode, builtIn.statusCode]).toEqual([409, 409]);
    expect(reads.reads).toEqual(['t1/crew']);
    expect(writer.requests).toEqual([]);
  });

  it('answers 400 naming roleId or the body, and 409 for a new name that would be the admin role', async () => {
    const handler = createUpdateRoleHandler({ ...writeDeps(fakeWriter()), readRole: readsOf() });

    const badId = await handler(event({ roleId: 'Pilot', body: { actions: [] } }));
    const noId = await handler(event({ body: { actions: [] } }));
    const empty = await handler(event({ roleId: 'pilot', body: {} }));
    const asAdmin = await handler(event({ roleId: 'pilot', body: { name: 'Admin' } }));

    expect([badId.statusCode, noId.statusCode, empty.statusCode, asAdmin.statusCode]).toEqual([400, 400, 400, 409]);
    expect([fields(badId), fields(noId), fields(empty)]).toEqual([['roleId'], ['roleId'], ['(body)']]);
  });
});

describe('DELETE /roles/{roleId}', () => {
  it('deletes the role only if it exists and nobody holds it, and publishes role.deleted.v1', async () => {
    const writer = fakeWriter(written);
    const publish = fakePublish();
    const handler = createDeleteRoleHandler(writeDeps(writer, publish));

    const result = await handler(event({ roleId: 'pilot' }));

    expect(result).toMatchObject({ statusCode: 204, body: '' });
    expect(writer.requests[0]?.action).toBe(routeServedBy(FUNCTIONS.deleteRole.name).action);
    expect(writer.requests[0]?.operations).toEqual([
      expect.objectContaining({ kind: 'Delete', label: 'role', key: roleKey('t1', 'pilot'), condition: 'attribute_exists(#pk) AND #builtIn = :false' }),
      expect.objectContaining({
        kind: 'ConditionCheck',
        label: 'holders',
        key: tenantRecordKey('t1'),
        condition: 'attribute_not_exists(#holders.#role) OR #holders.#role = :zero',
        names: { '#holders': 'roleHolders', '#role': 'pilot' },
      }),
    ]);
    expect(publish.published).toEqual([{ detailType: DETAIL_TYPE.roleDeleted, detail: { tenantId: 't1', roleId: 'pilot', actorUserId: 'u1', operationId: OPERATION } }]);
  });

  it('answers 404 when the role is not in the tenant, 409 while it is held, and publishes nothing', async () => {
    const publish = fakePublish();
    const handler = createDeleteRoleHandler(writeDeps(fakeWriter(refused('role', 'holders'), refused('holders')), publish));

    const missing = await handler(event({ roleId: 'ghost' }));
    const held = await handler(event({ roleId: 'pilot' }));

    expect([missing.statusCode, held.statusCode]).toEqual([404, 409]);
    expect(publish.published).toEqual([]);
  });

  it('answers 409 for the admin role and 400 naming roleId for a path that is none, without writing', async () => {
    const writer = fakeWriter();
    const handler = createDeleteRoleHandler(writeDeps(writer));

    const admin = await handler(event({ roleId: 'admin' }));
    const bad = await handler(event({ roleId: 'a#b' }));

    expect([admin.statusCode, bad.statusCode]).toEqual([409, 400]);
    expect(fields(bad)).toEqual(['roleId']);
    expect(writer.requests).toEqual([]);
  });
});

/**
 * What each route costs in DynamoDB calls, counted on the real writer and store over a client that
 * answers as DynamoDB does on the path taken (the benchmarks' per-request numbers).
 */
describe('DynamoDB calls per request', () => {
  function countingClient(answers: Record<string, () => unknown>) {
    const calls: string[] = [];
    const client = {
      send: async (command: { constructor: { name: string } }) => {
        const name = command.constructor.name.replace(/Command$/, '');
        calls.push(name);
        return answers[name]?.() ?? {};
      },
    };
    return { client: client as never, calls };
  }

  const roleAnswer = () => ({ Item: { roleId: { S: 'pilot' }, name: { S: 'Pilot' }, actions: { L: [{ S: 'aircraft:read' }] }, builtIn: { BOOL: false } } });
  const writerOver = (client: never) => guardedWriter({ client, tableName: 'T', onDenied: async () => undefined });

  it('are one Query for GET /roles', async () => {
    const { client, calls } = countingClient({ Query: () => ({ Items: [roleAnswer().Item] }) });
    const handler = createListRolesHandler({ storeFor: () => rolesStore(client, 'T'), logger });

    await handler(event({}));

    expect(calls).toEqual(['Query']);
  });

  it('are one TransactWriteItems for POST and DELETE, and a consistent GetItem before it for PUT', async () => {
    const post = countingClient({});
    const put = countingClient({ GetItem: roleAnswer });
    const remove = countingClient({});

    await createCreateRoleHandler(writeDeps(writerOver(post.client)))(event({ body: { name: 'Pilot', actions: [] } }));
    const store = rolesStore(put.client, 'T');
    await createUpdateRoleHandler({ ...writeDeps(writerOver(put.client)), readRole: (t, r) => store.getRole(t, r, { consistent: true }) })(event({ roleId: 'pilot', body: { actions: [] } }));
    await createDeleteRoleHandler(writeDeps(writerOver(remove.client)))(event({ roleId: 'pilot' }));

    expect([post.calls, put.calls, remove.calls]).toEqual([['TransactWriteItems'], ['GetItem', 'TransactWriteItems'], ['TransactWriteItems']]);
  });

  it('are two consistent GetItems more when the guard refuses the write, to explain the 403', async () => {
    const cancelled = () => {
      throw new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }, { Code: 'None' }] });
    };
    const { client, calls } = countingClient({ TransactWriteItems: cancelled, GetItem: () => ({ Item: { roleId: { S: 'editor' }, actions: { L: [] } } }) });

    const result = await createCreateRoleHandler(writeDeps(writerOver(client)))(event({ body: { name: 'Pilot', actions: [] } }));

    expect(result.statusCode).toBe(403);
    expect(calls).toEqual(['TransactWriteItems', 'GetItem', 'GetItem']);
  });
});

describe('the roles store', () => {
  it("queries the tenant's control partition for role items, consistently, page by page, and shows admin with every action", async () => {
    const inputs: Record<string, unknown>[] = [];
    const pages = [
      { Items: [{ roleId: { S: 'admin' }, name: { S: 'Admin' }, actions: { L: [] }, builtIn: { BOOL: true } }], LastEvaluatedKey: { PK: { S: 'TENANT#t1' }, SK: { S: 'ROLE#admin' } } },
      { Items: [{ roleId: { S: 'pilot' }, name: { S: 'Pilot' }, actions: { L: [{ S: 'aircraft:read' }, { S: 'retired:action' }] }, builtIn: { BOOL: false } }] },
    ];
    const client = { send: async (command: { input: Record<string, unknown> }) => (inputs.push(command.input), pages.shift()) };

    const roles = await rolesStore(client as never, 'T').listRoles('t1');

    expect(roles).toEqual([
      { roleId: 'admin', name: 'Admin', actions: [...ACTIONS] },
      { roleId: 'pilot', name: 'Pilot', actions: ['aircraft:read'] },
    ]);
    expect(inputs[0]).toMatchObject({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :role)',
      ExpressionAttributeValues: { ':pk': { S: 'TENANT#t1' }, ':role': { S: 'ROLE#' } },
      ConsistentRead: true,
    });
    expect(inputs[1]).toMatchObject({ ExclusiveStartKey: { PK: { S: 'TENANT#t1' }, SK: { S: 'ROLE#admin' } } });
  });
});
