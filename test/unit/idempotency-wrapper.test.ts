import { Logger } from '@aws-lambda-powertools/logger';
import { PermissionDeniedError, ValidationError } from '../../domain/errors';
import { controlIdempotencyKey } from '../../domain/keys';
import { json, route, type Caller, type ProxyEvent, type ProxyResult } from '../../handlers/api/http';
import { ANY_CALLER, idempotentUnder } from '../../handlers/shared/idempotency-store';
import { apiEvent, parse } from './api-fixtures';
import { memoryIdempotencyStore } from './idempotency-fixtures';

/**
 * The wrapper's decisions, on an in-memory store with the table's semantics (a claim succeeds only
 * where no live record is, or where a dead claim's lease ran out): what is released, what is kept,
 * what a request meets, and when a claim left pending may be taken over, on an injected clock. The
 * real store on DynamoDB is exercised through HTTP in test/local/idempotency.test.ts.
 */

const START = new Date('2026-12-01T12:00:00.000Z');
const LEASE_SECONDS = 40;
const CALLER = { userId: 'u1', username: 'u1', email: 'u1@example.com', tenantId: 't1', roleId: 'admin', groups: '["t1"]' };

/** A clock the test moves. */
function clock() {
  let now = START;
  return { now: () => now, advance: (seconds: number) => void (now = new Date(now.getTime() + seconds * 1000)) };
}

function wrapped(logic: (event: ProxyEvent) => Promise<ProxyResult>, options: { failComplete?: boolean; admit?: (caller: Caller) => Promise<void> } = {}) {
  const memory = memoryIdempotencyStore(options);
  const time = clock();
  const errors: { message: string; errorName?: unknown }[] = [];
  const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
  const idempotency = {
    logger: {
      error: (...[message, details]: Parameters<Logger['error']>) =>
        void errors.push({ message: String(message), errorName: (details as { errorName?: unknown } | undefined)?.errorName }),
    },
    now: time.now,
    leaseSeconds: LEASE_SECONDS,
    placeOf: (caller: Caller, clientKey: string) => ({ store: memory.store, key: controlIdempotencyKey(caller.tenantId ?? '-', caller.userId, 'CreateRole', clientKey) }),
    admit: options.admit ?? ANY_CALLER,
  };
  return { handler: route(logger, idempotentUnder(idempotency, logic)), ...memory, errors, ...time };
}

/** A logic whose runs the test ends by hand: a request still running, or one that died (never ended). */
function heldLogic() {
  const finishers: ((result: ProxyResult) => void)[] = [];
  let runs = 0;
  const logic = () => {
    runs += 1;
    return new Promise<ProxyResult>((resolve) => finishers.push(resolve));
  };
  return { logic, finish: (index: number, result: ProxyResult) => finishers[index]?.(result), runs: () => runs };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

const request = (body: unknown, key?: string): ProxyEvent => ({ ...apiEvent({ method: 'POST', path: '/roles', body, caller: CALLER }), headers: key === undefined ? {} : { 'Idempotency-Key': key } });

describe('the idempotency wrapper', () => {
  it('runs the logic untouched, and keeps nothing, when the request carries no key', async () => {
    let runs = 0;
    const { handler, records } = wrapped(async () => json(201, { run: (runs += 1) }));

    const answers = [await handler(request({ name: 'Pilot' })), await handler(request({ name: 'Pilot' }))];

    expect(answers.map((answer) => parse(answer).run)).toEqual([1, 2]);
    expect(records.size).toBe(0);
  });

  it("checks the caller's permission before the key: a caller the route refuses leaves no record and is replayed no stored answer", async () => {
    let allowed = true;
    const admit = async () => {
      if (!allowed) throw new PermissionDeniedError('role:manage', 'role editor does not grant role:manage');
    };
    const { handler, records } = wrapped(async () => json(201, { created: true }), { admit });
    const first = await handler(request({ name: 'Pilot' }, 'k'));
    allowed = false;

    const replayForRefused = await handler(request({ name: 'Pilot' }, 'k'));
    const newKeyForRefused = await handler(request({ name: 'Pilot' }, 'other'));

    expect([first.statusCode, replayForRefused.statusCode, newKeyForRefused.statusCode]).toEqual([201, 403, 403]);
    expect(records.size).toBe(1);
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
    const held = heldLogic();
    const { handler } = wrapped(held.logic);
    const first = handler(request({ name: 'Pilot' }, 'k'));
    await settle();

    const second = await handler(request({ name: 'Pilot' }, 'k'));
    held.finish(0, json(201, { created: true }));

    expect(second.statusCode).toBe(409);
    expect(parse(second).error).toEqual({ code: 'Conflict', message: 'A request with this key is in progress' });
    expect((await first).statusCode).toBe(201);
    expect(held.runs()).toBe(1);
  });

  it('still answers a write that was made when its answer cannot be stored, and keeps the claim so no retry writes twice', async () => {
    let runs = 0;
    const { handler, errors } = wrapped(async () => json(201, { run: (runs += 1) }), { failComplete: true });
    const first = await handler(request({ name: 'Pilot' }, 'k'));

    const retry = await handler(request({ name: 'Pilot' }, 'k'));

    expect(first.statusCode).toBe(201);
    expect(errors.map((error) => error.message)).toEqual(['idempotency answer not stored']);
    expect(retry.statusCode).toBe(409);
    expect(runs).toBe(1);
  });
});

describe('the lease of a claim left pending by a request that died', () => {
  it('answers "in progress" until the lease ends, then lets a request of the same body take the claim over and run', async () => {
    const held = heldLogic();
    const { handler, advance } = wrapped(held.logic);
    void handler(request({ name: 'Pilot' }, 'k')); // dies: never finishes
    await settle();
    advance(LEASE_SECONDS - 1);

    const during = await handler(request({ name: 'Pilot' }, 'k'));
    advance(1);
    const after = handler(request({ name: 'Pilot' }, 'k'));
    await settle();
    held.finish(1, json(201, { created: 'by the takeover' }));

    expect(during.statusCode).toBe(409);
    expect(parse(during).error?.message).toBe('A request with this key is in progress');
    expect((await after).statusCode).toBe(201);
    expect(held.runs()).toBe(2);
  });

  it('gives the claim to one request of those that come after the lease: the others are told "in progress"', async () => {
    const held = heldLogic();
    const { handler, advance } = wrapped(held.logic);
    void handler(request({ name: 'Pilot' }, 'k'));
    await settle();
    advance(LEASE_SECONDS);

    const racing = [handler(request({ name: 'Pilot' }, 'k')), handler(request({ name: 'Pilot' }, 'k')), handler(request({ name: 'Pilot' }, 'k'))];
    await settle();
    held.finish(1, json(201, { created: true }));
    const answers = await Promise.all(racing);

    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([201, 409, 409]);
    expect(held.runs()).toBe(2);
  });

  it('is not taken over by another body: the key may stand for what the dead request wrote', async () => {
    const held = heldLogic();
    const { handler, advance } = wrapped(held.logic);
    void handler(request({ name: 'Pilot' }, 'k'));
    await settle();
    advance(LEASE_SECONDS * 2);

    const other = await handler(request({ name: 'Instructor' }, 'k'));

    expect(other.statusCode).toBe(409);
    expect(parse(other).error?.message).toBe('This Idempotency-Key was used with another request body');
    expect(held.runs()).toBe(1);
  });

  it("keeps the answer of the request that took over when the first one comes back late: the late one's answer is not stored", async () => {
    const held = heldLogic();
    const { handler, advance, errors } = wrapped(held.logic);
    const late = handler(request({ name: 'Pilot' }, 'k'));
    await settle();
    advance(LEASE_SECONDS);
    const takeover = handler(request({ name: 'Pilot' }, 'k'));
    await settle();
    held.finish(1, json(201, { by: 'takeover' }));
    await takeover;

    held.finish(0, json(201, { by: 'late' }));
    const lateAnswer = await late;
    const replay = await handler(request({ name: 'Pilot' }, 'k'));

    expect(parse(lateAnswer)).toEqual({ by: 'late' });
    expect(errors).toEqual([{ message: 'idempotency answer not stored', errorName: 'IdempotencyClaimLostError' }]);
    expect(parse(replay)).toEqual({ by: 'takeover' });
  });

  it("cannot release the claim of the request that took over when the first one fails late", async () => {
    const held = heldLogic();
    const { handler, advance } = wrapped(held.logic);
    const late = handler(request({ name: 'Pilot' }, 'k'));
    await settle();
    advance(LEASE_SECONDS);
    const takeover = handler(request({ name: 'Pilot' }, 'k'));
    await settle();

    held.finish(0, json(400, { error: { code: 'ValidationError', message: 'late failure' } }));
    await late;
    const meanwhile = await handler(request({ name: 'Pilot' }, 'k'));
    held.finish(1, json(201, { by: 'takeover' }));

    expect(meanwhile.statusCode).toBe(409);
    expect((await takeover).statusCode).toBe(201);
    expect(held.runs()).toBe(2);
  });
});
