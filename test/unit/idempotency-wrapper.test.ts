import { Logger } from '@aws-lambda-powertools/logger';
import { ValidationError } from '../../domain/errors';
import { hasExpired, type IdempotencyRecord } from '../../domain/idempotency';
import { controlIdempotencyKey, type ItemKey } from '../../domain/keys';
import { json, route, type ProxyEvent, type ProxyResult } from '../../handlers/api/http';
import { idempotentUnder, type IdempotencyStore } from '../../handlers/shared/idempotency-store';
import { apiEvent, parse } from './api-fixtures';

/**
 * The wrapper's decisions, on an in-memory store with the table's semantics (a claim succeeds only
 * where no live record is): what is released, what is kept, and what a request meets. The real
 * store on DynamoDB is exercised through HTTP in test/local/idempotency.test.ts.
 */

const NOW = new Date('2026-12-01T12:00:00.000Z');
const CALLER = { userId: 'u1', username: 'u1', email: 'u1@example.com', tenantId: 't1', roleId: 'admin', groups: '["t1"]' };

function memoryStore(options: { failComplete?: boolean } = {}) {
  const records = new Map<string, IdempotencyRecord>();
  const id = (key: ItemKey): string => `${key.PK}|${key.SK}`;
  const store: IdempotencyStore = {
    async claim(key, fingerprint, now) {
      const found = records.get(id(key));
      if (found && !hasExpired(found, now)) return found;
      records.set(id(key), { state: 'pending', fingerprint, expiresAtEpoch: Math.floor(now.getTime() / 1000) + 86_400 });
      return 'claimed';
    },
    async complete(key, fingerprint, now, answer) {
      if (options.failComplete) throw new Error('table unavailable');
      records.set(id(key), { state: 'completed', fingerprint, expiresAtEpoch: Math.floor(now.getTime() / 1000) + 86_400, ...answer });
    },
    async release(key, now) {
      const found = records.get(id(key));
      if (found?.state === 'pending') records.set(id(key), { ...found, expiresAtEpoch: Math.floor(now.getTime() / 1000) });
    },
  };
  return { store, records };
}

function wrapped(logic: (event: ProxyEvent) => Promise<ProxyResult>, options: { failComplete?: boolean } = {}) {
  const memory = memoryStore(options);
  const errors: string[] = [];
  const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
  const idempotency = { logger: { error: (message: string) => void errors.push(message) }, now: () => NOW, placeOf: (caller: { tenantId: string; userId: string }, clientKey: string) => ({ store: memory.store, key: controlIdempotencyKey(caller.tenantId, caller.userId, 'CreateRole', clientKey) }) };
  return { handler: route(logger, idempotentUnder(idempotency, logic)), ...memory, errors };
}

const request = (body: unknown, key?: string): ProxyEvent => ({ ...apiEvent({ method: 'POST', path: '/roles', body, caller: CALLER }), headers: key === undefined ? {} : { 'Idempotency-Key': key } });

describe('the idempotency wrapper', () => {
  it('runs the logic untouched, and keeps nothing, when the request carries no key', async () => {
    let runs = 0;
    const { handler, records } = wrapped(async () => json(201, { run: (runs += 1) }));

    const answers = [await handler(request({ name: 'Pilot' })), await handler(request({ name: 'Pilot' }))];

    expect(answers.map((answer) => parse(answer).run)).toEqual([1, 2]);
    expect(records.size).toBe(0);
  });

  it('releases the claim when the logic throws, so that the same key may be used again', async () => {
    let fail = true;
    const { handler, records } = wrapped(async () => {
      if (fail) throw new ValidationError('The request is not valid', [{ field: 'name', message: 'required' }]);
      return json(201, { created: true });
    });
    const refused = await handler(request({}, 'k'));
    fail = false;

    const retried = await handler(request({ name: 'Pilot' }, 'k'));

    expect(refused.statusCode).toBe(400);
    expect(retried.statusCode).toBe(201);
    expect([...records.values()].map((record) => record.state)).toEqual(['completed']); // the released claim was replaced
  });

  it('answers "in progress" (409) to a request that meets a claim still pending', async () => {
    let finish: (result: ProxyResult) => void = () => undefined;
    const { handler } = wrapped(() => new Promise<ProxyResult>((resolve) => (finish = resolve)));
    const first = handler(request({ name: 'Pilot' }, 'k'));
    await new Promise((resolve) => setImmediate(resolve));

    const second = await handler(request({ name: 'Pilot' }, 'k'));
    finish(json(201, { created: true }));

    expect(second.statusCode).toBe(409);
    expect(parse(second).error?.message).toBe('A request with this key is in progress');
    expect((await first).statusCode).toBe(201);
  });

  it('still answers a write that was made when its answer cannot be stored, and keeps the claim so no retry writes twice', async () => {
    let runs = 0;
    const { handler, errors } = wrapped(async () => json(201, { run: (runs += 1) }), { failComplete: true });
    const first = await handler(request({ name: 'Pilot' }, 'k'));

    const retry = await handler(request({ name: 'Pilot' }, 'k'));

    expect(first.statusCode).toBe(201);
    expect(errors).toEqual(['idempotency answer not stored']);
    expect(retry.statusCode).toBe(409);
    expect(runs).toBe(1);
  });
});
