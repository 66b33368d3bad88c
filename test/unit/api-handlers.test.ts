import { Logger } from '@aws-lambda-powertools/logger';
import { ValidationError } from '../../domain/errors';
import { IDEMPOTENCY_HEADER } from '../../domain/idempotency';
import { TENANT_ID_CLAIM } from '../../domain/identity';
import { ACTIONS } from '../../domain/permissions';
import type { ProxyEvent } from '../../handlers/api/http';
import { createGetMeHandler } from '../../handlers/api/me/handler';
import { createCreateTenantHandler, createListTenantsHandler, createSwitchTenantHandler } from '../../handlers/api/tenants/handler';
import type { TenancyStore } from '../../handlers/shared/tenancy-store';
import type { RefreshTokens } from '../../handlers/shared/tokens';
import type { RunWorkflow, WorkflowResult } from '../../handlers/shared/workflow-runner';
import { WORKFLOW_ERROR } from '../../workflows/registry';
import { memoryIdempotencyStore } from './idempotency-fixtures';

const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });

const jwtWith = (claims: Record<string, unknown>): string => `h.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.s`;

function event(body: unknown, context: Record<string, unknown> | null = { tenantId: 't1', roleId: 'admin' }): ProxyEvent {
  return {
    httpMethod: 'POST',
    path: '/tenants',
    body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
    pathParameters: null,
    queryStringParameters: null,
    requestContext: {
      requestId: 'req-1',
      authorizer:
        context === null
          ? null
          : {
              userId: 'u1',
              username: 'u1',
              email: 'u1@example.com',
              groups: JSON.stringify(['t1', 't2']),
              accessKeyId: 'ASIA1',
              secretAccessKey: 'secret',
              sessionToken: 'session',
              ...context,
            },
    },
  };
}

const parse = (result: { body: string }) => JSON.parse(result.body) as Record<string, unknown>;

function fakeRun(result: Partial<WorkflowResult>): RunWorkflow & { inputs: object[] } {
  const inputs: object[] = [];
  const run = async (_arn: string, input: object): Promise<WorkflowResult> => {
    inputs.push(input);
    return { status: 'SUCCEEDED', output: undefined, error: undefined, cause: undefined, executionArn: 'arn:exec', ...result };
  };
  return Object.assign(run, { inputs });
}

const refreshTo = (tenantId: string): RefreshTokens => async () => ({ idToken: jwtWith({ [TENANT_ID_CLAIM]: tenantId }), accessToken: 'access', claims: { [TENANT_ID_CLAIM]: tenantId } });

describe('POST /tenants', () => {
  it('runs onboarding with the caller and answers 201 with the tenant and fresh tokens', async () => {
    const run = fakeRun({ output: { tenantId: 't9', tenantName: 'Blue Sky', roleId: 'admin' } });
    const handler = createCreateTenantHandler({ run, onboardingArn: 'arn:onboarding', refresh: refreshTo('t9'), logger, idempotency: memoryIdempotencyStore().store });

    const result = await handler(event({ name: 'Blue Sky', refreshToken: 'r' }, { tenantId: '', roleId: '' }));

    expect(result.statusCode).toBe(201);
    expect(parse(result)).toEqual({ tenant: { tenantId: 't9', name: 'Blue Sky' }, tokens: { idToken: expect.any(String), accessToken: 'access' } });
    expect(run.inputs).toEqual([{ userId: 'u1', username: 'u1', email: 'u1@example.com', tenantName: 'Blue Sky', previousTenantId: null, previousRoleId: null }]);
  });

  it('answers 400 naming every bad field, without running anything', async () => {
    const run = fakeRun({});
    const handler = createCreateTenantHandler({ run, onboardingArn: 'arn', refresh: refreshTo('x'), logger, idempotency: memoryIdempotencyStore().store });

    const result = await handler(event({ name: 'x'.repeat(101), surprise: true }));

    expect(result.statusCode).toBe(400);
    const fields = (parse(result).error as { details: { field: string }[] }).details.map((detail) => detail.field);
    expect(fields).toEqual(expect.arrayContaining(['name', 'refreshToken']));
    expect(run.inputs).toHaveLength(0);
  });

  it('answers 400 for a body that is not JSON', async () => {
    const handler = createCreateTenantHandler({ run: fakeRun({}), onboardingArn: 'arn', refresh: refreshTo('x'), logger, idempotency: memoryIdempotencyStore().store });

    const result = await handler(event('{not json'));

    expect(result.statusCode).toBe(400);
  });

  it('answers 500 without internals when onboarding failed and was rolled back', async () => {
    const handler = createCreateTenantHandler({ run: fakeRun({ status: 'FAILED', error: WORKFLOW_ERROR.onboardingFailed }), onboardingArn: 'arn', refresh: refreshTo('x'), logger, idempotency: memoryIdempotencyStore().store });

    const result = await handler(event({ name: 'Blue Sky', refreshToken: 'r' }));

    expect(result.statusCode).toBe(500);
    expect(parse(result)).toEqual({ error: { code: 'InternalError', message: expect.stringContaining('rolled back') } });
  });

  it('answers 400 naming refreshToken when the token exchange is refused', async () => {
    const refresh: RefreshTokens = async () => {
      throw new ValidationError('rejected', [{ field: 'refreshToken', message: 'invalid or expired' }]);
    };
    const handler = createCreateTenantHandler({ run: fakeRun({ output: { tenantId: 't9', tenantName: 'n', roleId: 'admin' } }), onboardingArn: 'arn', refresh, logger, idempotency: memoryIdempotencyStore().store });

    const result = await handler(event({ name: 'Blue Sky', refreshToken: 'r' }));

    expect(result.statusCode).toBe(400);
    expect(parse(result)).toMatchObject({
      error: { message: 'Tenant t9 was created, but the refresh token was rejected: sign in again to get tokens that show it', details: [{ field: 'refreshToken' }] },
    });
  });

  it('answers 401 when no authorizer context reached the function (fail closed)', async () => {
    const handler = createCreateTenantHandler({ run: fakeRun({}), onboardingArn: 'arn', refresh: refreshTo('x'), logger, idempotency: memoryIdempotencyStore().store });

    const result = await handler(event({ name: 'n', refreshToken: 'r' }, null));

    expect(result.statusCode).toBe(401);
  });

  it('answers 500 with the request id and no stack for an unexpected failure', async () => {
    const run: RunWorkflow = async () => {
      throw new Error('socket hang up at /var/task/index.mjs:1:2');
    };
    const handler = createCreateTenantHandler({ run, onboardingArn: 'arn', refresh: refreshTo('x'), logger, idempotency: memoryIdempotencyStore().store });

    const result = await handler(event({ name: 'n', refreshToken: 'r' }));

    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain('/var/task');
    expect(parse(result)).toEqual({ error: { code: 'InternalError', message: 'Internal error (request req-1)' } });
  });

  it("answers 409 with the workflow's own sentence, which names this deployment's limits", async () => {
    const cause = 'You cannot create another tenant: one user may create at most 25 tenants and belong to at most 100';
    const handler = createCreateTenantHandler({ run: fakeRun({ status: 'FAILED', error: WORKFLOW_ERROR.tenantLimitReached, cause }), onboardingArn: 'arn', refresh: refreshTo('x'), logger, idempotency: memoryIdempotencyStore().store });

    const result = await handler(event({ name: 'Blue Sky', refreshToken: 'r' }));

    expect(result.statusCode).toBe(409);
    expect(parse(result)).toEqual({ error: { code: 'Conflict', message: cause } });
  });

  it('answers 409 naming both limits when onboarding refused the caller at a tenant limit without a cause', async () => {
    const refresh = jest.fn(refreshTo('x'));
    const handler = createCreateTenantHandler({ run: fakeRun({ status: 'FAILED', error: WORKFLOW_ERROR.tenantLimitReached }), onboardingArn: 'arn', refresh, logger, idempotency: memoryIdempotencyStore().store });

    const result = await handler(event({ name: 'Blue Sky', refreshToken: 'r' }));

    expect(result.statusCode).toBe(409);
    expect(parse(result)).toEqual({ error: { code: 'Conflict', message: expect.stringMatching(/created as many tenants as one user may.*belong to 100 tenants/) } });
    expect(refresh).not.toHaveBeenCalled();
  });

  it.each([
    ['NUL', 'Blue\u0000Sky', 'U+0000'],
    ['a right-to-left override', 'Blue\u202ESky', 'U+202E'],
    ['a zero-width space', 'Blue\u200BSky', 'U+200B'],
  ])('answers 400 naming name for a name with %s, without running anything', async (_case, name, codePoint) => {
    const run = fakeRun({});
    const handler = createCreateTenantHandler({ run, onboardingArn: 'arn', refresh: refreshTo('x'), logger, idempotency: memoryIdempotencyStore().store });

    const result = await handler(event({ name, refreshToken: 'r' }));

    expect(result.statusCode).toBe(400);
    expect((parse(result).error as { details: unknown }).details).toEqual([{ field: 'name', message: expect.stringContaining(codePoint) }]);
    expect(run.inputs).toHaveLength(0);
  });

  it('counts the name in code points: 100 emoji run onboarding, 101 do not', async () => {
    const run = fakeRun({ output: { tenantId: 't9', tenantName: '😀'.repeat(100), roleId: 'admin' } });
    const handler = createCreateTenantHandler({ run, onboardingArn: 'arn', refresh: refreshTo('t9'), logger, idempotency: memoryIdempotencyStore().store });

    const accepted = await handler(event({ name: '😀'.repeat(100), refreshToken: 'r' }));
    const refused = await handler(event({ name: '😀'.repeat(101), refreshToken: 'r' }));

    expect(accepted.statusCode).toBe(201);
    expect(refused.statusCode).toBe(400);
    expect((parse(refused).error as { details: unknown }).details).toEqual([{ field: 'name', message: 'must be 1 to 100 characters' }]);
    expect(run.inputs).toEqual([expect.objectContaining({ tenantName: '😀'.repeat(100) })]);
  });

  it('passes the trimmed name to onboarding', async () => {
    const run = fakeRun({ output: { tenantId: 't9', tenantName: 'Blue Sky', roleId: 'admin' } });
    const handler = createCreateTenantHandler({ run, onboardingArn: 'arn', refresh: refreshTo('t9'), logger, idempotency: memoryIdempotencyStore().store });

    await handler(event({ name: '\t Blue Sky \n', refreshToken: 'r' }));

    expect(run.inputs).toEqual([expect.objectContaining({ tenantName: 'Blue Sky' })]);
  });
});

describe('PUT /tenants/active', () => {
  it('passes the previous tenant to the workflow, and not the token\'s groups: the membership item decides', async () => {
    const run = fakeRun({ output: { tenantId: 't2', roleId: 'pilot' } });
    const handler = createSwitchTenantHandler({ run, switchingArn: 'arn', refresh: refreshTo('t2'), logger });

    const result = await handler(event({ tenantId: 't2', refreshToken: 'r' }));

    expect(result.statusCode).toBe(200);
    expect(parse(result)).toMatchObject({ activeTenantId: 't2' });
    expect(run.inputs).toEqual([{ userId: 'u1', username: 'u1', targetTenantId: 't2', previousTenantId: 't1', previousRoleId: 'admin' }]);
  });

  it('reports the tenant the new tokens carry when a concurrent switch won the race', async () => {
    const handler = createSwitchTenantHandler({ run: fakeRun({ output: { tenantId: 't2', roleId: 'pilot' } }), switchingArn: 'arn', refresh: refreshTo('t1'), logger });

    const result = await handler(event({ tenantId: 't2', refreshToken: 'r' }));

    expect(parse(result)).toMatchObject({ activeTenantId: 't1' });
  });

  it('answers 403 when the workflow found no membership', async () => {
    const handler = createSwitchTenantHandler({ run: fakeRun({ status: 'FAILED', error: WORKFLOW_ERROR.notAMember }), switchingArn: 'arn', refresh: refreshTo('x'), logger });

    const result = await handler(event({ tenantId: 't3', refreshToken: 'r' }));

    expect(result.statusCode).toBe(403);
  });

  it('answers 429 when the run failed on throttling', async () => {
    const handler = createSwitchTenantHandler({
      run: fakeRun({ status: 'FAILED', error: 'CognitoIdentityProvider.TooManyRequestsException' }),
      switchingArn: 'arn',
      refresh: refreshTo('x'),
      logger,
    });

    expect((await handler(event({ tenantId: 't3', refreshToken: 'r' }))).statusCode).toBe(429);
  });
});

describe('GET /me and GET /tenants', () => {
  const store = (role?: { actions: string[] }): TenancyStore => ({
    listMemberships: async () => [{ tenantId: 't1', tenantName: 'Blue Sky', roleId: 'pilot' }],
    getRole: async (_tenantId, roleId) => (role ? { roleId, name: roleId, actions: role.actions, builtIn: false } : undefined),
  });

  it('lists the permissions of a custom role, dropping unknown actions', async () => {
    const handler = createGetMeHandler({ storeFor: () => store({ actions: ['aircraft:read', 'launch:missiles'] }), logger });

    const result = await handler(event(undefined, { tenantId: 't1', roleId: 'pilot' }));

    expect(parse(result)).toEqual({ userId: 'u1', email: 'u1@example.com', activeTenantId: 't1', roleId: 'pilot', permissions: ['aircraft:read'] });
  });

  it('gives the admin role every action', async () => {
    const handler = createGetMeHandler({ storeFor: () => store(), logger });

    const result = await handler(event(undefined, { tenantId: 't1', roleId: 'admin' }));

    expect(parse(result).permissions).toEqual([...ACTIONS]);
  });

  it('answers null tenant and no permissions for a user without a tenant', async () => {
    const handler = createGetMeHandler({ storeFor: () => store(), logger });

    const result = await handler(event(undefined, { tenantId: '', roleId: '' }));

    expect(parse(result)).toMatchObject({ activeTenantId: null, roleId: null, permissions: [] });
  });

  it('lists memberships with names and roles', async () => {
    const handler = createListTenantsHandler({ storeFor: () => store(), logger });

    const result = await handler(event(undefined));

    expect(parse(result)).toEqual({ tenants: [{ tenantId: 't1', name: 'Blue Sky', roleId: 'pilot' }], activeTenantId: 't1' });
  });
});

describe('PUT /tenants/active input', () => {
  it.each(['_platform', 't1#DATA#0', '', 'x'.repeat(129)])('refuses %j as a tenant id before running anything', async (tenantId) => {
    const run = fakeRun({});
    const handler = createSwitchTenantHandler({ run, switchingArn: 'arn', refresh: refreshTo('x'), logger });

    const result = await handler(event({ tenantId, refreshToken: 'r' }));

    expect(result.statusCode).toBe(400);
    expect(parse(result)).toMatchObject({ error: { details: [{ field: 'tenantId' }] } });
    expect(run.inputs).toHaveLength(0);
  });
});

describe('POST /tenants with an Idempotency-Key', () => {
  const ONBOARDED = { output: { tenantId: 't9', tenantName: 'Blue Sky', roleId: 'admin' } };

  /** A request of user `userId` carrying `key`. */
  const keyed = (body: unknown, key: string, userId = 'u1'): ProxyEvent => {
    const base = event(body, { tenantId: '', roleId: '', userId, username: userId });
    return { ...base, headers: { [IDEMPOTENCY_HEADER]: key } };
  };

  /** Refreshes that name the refresh token each was made with, so an answer shows whose token it came from. */
  function refreshes(): RefreshTokens & { used: string[] } {
    const used: string[] = [];
    const refresh: RefreshTokens = async (refreshToken) => {
      used.push(refreshToken);
      return { idToken: jwtWith({ [TENANT_ID_CLAIM]: 't9', from: refreshToken }), accessToken: `access-from-${refreshToken}`, claims: { [TENANT_ID_CLAIM]: 't9' } };
    };
    return Object.assign(refresh, { used });
  }

  function tenantsWith(run: RunWorkflow, refresh: RefreshTokens = refreshes()) {
    const memory = memoryIdempotencyStore();
    return { handler: createCreateTenantHandler({ run, onboardingArn: 'arn', refresh, logger, idempotency: memory.store }), ...memory };
  }

  it('answers a replay with the same tenant and tokens refreshed with its own refresh token, running onboarding once', async () => {
    const run = fakeRun(ONBOARDED);
    const refresh = refreshes();
    const { handler } = tenantsWith(run, refresh);
    const first = await handler(keyed({ name: 'Blue Sky', refreshToken: 'first-token' }, 'k'));

    const replay = await handler(keyed({ refreshToken: 'second-token', name: 'Blue Sky' }, 'k'));

    expect(first.statusCode).toBe(201);
    expect(replay.statusCode).toBe(201);
    expect(parse(replay)).toEqual({ tenant: { tenantId: 't9', name: 'Blue Sky' }, tokens: { idToken: expect.any(String), accessToken: 'access-from-second-token' } });
    expect(run.inputs).toHaveLength(1);
    expect(refresh.used).toEqual(['first-token', 'second-token']);
  });

  it('keeps the tenant and never a token in the record of the key', async () => {
    const { handler, records } = tenantsWith(fakeRun(ONBOARDED));

    await handler(keyed({ name: 'Blue Sky', refreshToken: 'secret-refresh-token' }, 'k'));

    const kept = [...records.entries()];
    expect(kept.map(([id]) => id)).toEqual(['USER#u1#IDEMPOTENCY|KEY#CreateTenant#k']);
    expect(kept.map(([, record]) => record)).toEqual([expect.objectContaining({ state: 'completed', statusCode: 201, body: JSON.stringify({ tenant: { tenantId: 't9', name: 'Blue Sky' } }) })]);
    expect(JSON.stringify(kept)).not.toMatch(/secret-refresh-token|access-from|idToken|tokens/);
  });

  it('refuses the same key with another name with a 409 naming the header, and creates nothing more', async () => {
    const run = fakeRun(ONBOARDED);
    const { handler } = tenantsWith(run);
    await handler(keyed({ name: 'Blue Sky', refreshToken: 'r' }, 'k'));

    const other = await handler(keyed({ name: 'Red Sky', refreshToken: 'r' }, 'k'));

    expect(other.statusCode).toBe(409);
    expect(parse(other)).toEqual({ error: { code: 'Conflict', message: `This ${IDEMPOTENCY_HEADER} was used with another request body` } });
    expect(run.inputs).toHaveLength(1);
  });

  it('releases the claim of a failed onboarding, so that a retry with the key runs it again', async () => {
    const results: Partial<WorkflowResult>[] = [{ status: 'FAILED', error: WORKFLOW_ERROR.onboardingFailed }, ONBOARDED];
    const inputs: object[] = [];
    const run: RunWorkflow = async (_arn, input) => {
      inputs.push(input);
      return { status: 'SUCCEEDED', output: undefined, error: undefined, cause: undefined, executionArn: 'arn:exec', ...results.shift() };
    };
    const { handler } = tenantsWith(run);
    const failed = await handler(keyed({ name: 'Blue Sky', refreshToken: 'r' }, 'k'));

    const retried = await handler(keyed({ name: 'Blue Sky', refreshToken: 'r' }, 'k'));

    expect(failed.statusCode).toBe(500);
    expect(retried.statusCode).toBe(201);
    expect(inputs).toHaveLength(2);
  });

  it('keeps the tenant when the token exchange after it is refused: a retry with a good token gets it, without a second onboarding', async () => {
    const run = fakeRun(ONBOARDED);
    const good = refreshes();
    const refresh: RefreshTokens = async (refreshToken, userId) => {
      if (refreshToken === 'expired') throw new ValidationError('rejected', [{ field: 'refreshToken', message: 'invalid or expired' }]);
      return good(refreshToken, userId);
    };
    const { handler } = tenantsWith(run, refresh);
    const refused = await handler(keyed({ name: 'Blue Sky', refreshToken: 'expired' }, 'k'));

    const retried = await handler(keyed({ name: 'Blue Sky', refreshToken: 'fresh' }, 'k'));

    expect(refused.statusCode).toBe(400);
    expect(retried.statusCode).toBe(201);
    expect(parse(retried)).toMatchObject({ tenant: { tenantId: 't9' }, tokens: { accessToken: 'access-from-fresh' } });
    expect(run.inputs).toHaveLength(1);
  });

  it('answers "in progress" (409) to a request with the key while the first onboarding runs', async () => {
    let finish: (result: WorkflowResult) => void = () => undefined;
    const run: RunWorkflow = () => new Promise<WorkflowResult>((resolve) => (finish = resolve));
    const { handler } = tenantsWith(run);
    const first = handler(keyed({ name: 'Blue Sky', refreshToken: 'r' }, 'k'));
    await new Promise((resolve) => setImmediate(resolve));

    const second = await handler(keyed({ name: 'Blue Sky', refreshToken: 'r' }, 'k'));
    finish({ status: 'SUCCEEDED', output: ONBOARDED.output, error: undefined, cause: undefined, executionArn: 'arn:exec' });

    expect(second.statusCode).toBe(409);
    expect(parse(second)).toEqual({ error: { code: 'Conflict', message: 'A request with this key is in progress' } });
    expect((await first).statusCode).toBe(201);
  });

  it("never replays one user's tenant to another user using the same key: each key is its caller's", async () => {
    const run = fakeRun(ONBOARDED);
    const { handler, records } = tenantsWith(run);
    await handler(keyed({ name: 'Blue Sky', refreshToken: 'r' }, 'shared-key', 'u1'));

    const theirs = await handler(keyed({ name: 'Blue Sky', refreshToken: 'r' }, 'shared-key', 'u2'));

    expect(theirs.statusCode).toBe(201);
    expect(run.inputs.map((input) => (input as { userId: string }).userId)).toEqual(['u1', 'u2']);
    expect([...records.keys()].map((id) => id.split('|')[0])).toEqual(['USER#u1#IDEMPOTENCY', 'USER#u2#IDEMPOTENCY']);
  });

  it.each([
    ['longer than 255 characters', 'k'.repeat(256)],
    ['a control character', 'key\r\nX-Injected: 1'],
    ['not ASCII', 'clé'],
  ])('refuses a key that is %s with a 400 naming the header, running nothing', async (_, key) => {
    const run = fakeRun(ONBOARDED);
    const { handler, records } = tenantsWith(run);

    const refused = await handler(keyed({ name: 'Blue Sky', refreshToken: 'r' }, key));

    expect(refused.statusCode).toBe(400);
    expect((parse(refused).error as { details: { field: string }[] }).details.map((detail) => detail.field)).toEqual([IDEMPOTENCY_HEADER]);
    expect(run.inputs).toHaveLength(0);
    expect(records.size).toBe(0);
  });
});
