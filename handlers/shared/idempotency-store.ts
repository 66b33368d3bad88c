/**
 * `Idempotency-Key` for every creating POST (domain/idempotency.ts): the records and the wrapper
 * around a route's logic. The data plane's live in the caller's own data partitions (keys.ts
 * `idempotencyKey`), written with the caller's tenant-scoped credentials like the data they guard;
 * the control plane's in the tenant's control partition (`controlIdempotencyKey`) and a user's own
 * (POST /tenants) in `USER#{userId}#IDEMPOTENCY` (`userIdempotencyKey`), with the function's role.
 *
 * A request claims its key with a conditional put of a pending record, runs, then stores its
 * answer (2xx) or releases the claim (anything else; it expires at once), so that a failed request
 * can be retried with the same key. Of concurrent requests with one key, one put wins; the others
 * meet its record. A claim whose request died (a Lambda timeout, a crash) holds its key only for
 * its lease (domain `claimLeaseSeconds`), then a request of the same body takes it over with a
 * conditional put: one winner again. Only PutItem and GetItem are used.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { randomUUID } from 'node:crypto';
import {
  claimLeaseSeconds,
  epochSecondsOf,
  expiryOf,
  idempotencyKeyOf,
  isClaimable,
  leaseExpiryOf,
  replayOf,
  requestFingerprint,
  type IdempotencyRecord,
  type StoredAnswer,
} from '../../domain/idempotency';
import { controlIdempotencyKey, idempotencyKey, type ItemKey } from '../../domain/keys';
import type { WorkflowDefinition } from '../../workflows/registry';
import { FUNCTIONS, type FunctionDefinition } from '../catalog';
import { callerOf, json, type Caller, type ProxyEvent, type ProxyResult } from '../api/http';
import { routeAction, routeServedBy } from '../api/routes';
import { requireAction, requireTenant, type TenantCaller } from './access';
import { nowOf, type DataPlaneDeps } from './data-plane';

/** What a request asks of the store: the key for its body, now, for as long as it may still act. */
export interface ClaimRequest {
  readonly fingerprint: string;
  readonly now: Date;
  readonly leaseSeconds: number;
}

/** This request holds the key (`claimId` tells its writes apart), or it met the live record another request left. */
export type ClaimOutcome = { readonly outcome: 'claimed'; readonly claimId: string } | { readonly outcome: 'met'; readonly record: IdempotencyRecord };

export interface IdempotencyStore {
  claim(key: ItemKey, request: ClaimRequest): Promise<ClaimOutcome>;
  /** Stores the answer, if the claim is still this request's (else IdempotencyClaimLostError). */
  complete(key: ItemKey, claimId: string, fingerprint: string, now: Date, answer: StoredAnswer): Promise<void>;
  /** Ends this request's pending claim (expires it at `now`); a completed record, or another's claim, stays. */
  release(key: ItemKey, claimId: string, now: Date): Promise<void>;
}

/** A claim taken over after its lease ran out: its first holder outlived the lease and must not overwrite the new holder's record. */
export class IdempotencyClaimLostError extends Error {
  constructor() {
    super('The Idempotency-Key claim was taken over by another request after its lease ran out');
    this.name = 'IdempotencyClaimLostError';
  }
}

/** The record changed under every attempt to claim it (released or taken over each time): a 500, retried by the client. */
export class IdempotencyClaimContendedError extends Error {
  constructor() {
    super('An Idempotency-Key record kept changing while it was claimed');
    this.name = 'IdempotencyClaimContendedError';
  }
}

/** The record's attributes named in conditions (DynamoDB refuses a name the expression does not use). */
const CLAIMABLE_NAMES = { '#pk': 'PK', '#state': 'state', '#expires': 'expiresAtEpoch', '#lease': 'leaseExpiresAtEpoch', '#fingerprint': 'fingerprint' } as const;
const HELD_NAMES = { '#state': 'state', '#claim': 'claimId' } as const;

/** A claim lost to a record released or taken over before it could be read: claim again, a few times. */
const CLAIM_ATTEMPTS = 3;

/**
 * `isClaimable` (domain/idempotency.ts) as DynamoDB's condition: no record, a released one, an
 * expired one (TTL deletes lag by days), or a pending one whose lease ran out, of the same body. A condition is
 * checked against the item as it is when the write applies ("if multiple users attempt to modify
 * the same item", DynamoDB Developer Guide, Condition expressions / conditional writes), so of
 * concurrent takeovers one wins: tested on DynamoDB Local in test/local/idempotency.test.ts.
 */
const CLAIMABLE =
  'attribute_not_exists(#pk) OR #state = :released OR #expires <= :now OR (#state = :pending AND #fingerprint = :fingerprint AND #lease <= :now)';

const isConditionFailure = (error: unknown): boolean => error instanceof ConditionalCheckFailedException;

export function idempotencyStore(client: DynamoDBClient, tableName: string): IdempotencyStore {
  const put = async (key: ItemKey, request: ClaimRequest, claimId: string): Promise<boolean> => {
    const { fingerprint, now, leaseSeconds } = request;
    const record = { ...key, state: 'pending', fingerprint, claimId, leaseExpiresAtEpoch: leaseExpiryOf(now, leaseSeconds), ...expiryOf(now) };
    try {
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: marshall(record),
          ConditionExpression: CLAIMABLE,
          ExpressionAttributeNames: CLAIMABLE_NAMES,
          ExpressionAttributeValues: marshall({ ':now': epochSecondsOf(now), ':pending': 'pending', ':released': 'released', ':fingerprint': fingerprint }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  };
  const read = async (key: ItemKey): Promise<IdempotencyRecord | undefined> => {
    const found = await client.send(new GetItemCommand({ TableName: tableName, Key: marshall(key), ConsistentRead: true }));
    return found.Item ? (unmarshall(found.Item as Record<string, AttributeValue>) as IdempotencyRecord) : undefined;
  };
  /** A write of the record that holds only while the claim is still `claimId`'s. */
  const putIfHeld = (key: ItemKey, claimId: string, item: Record<string, unknown>) =>
    client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: marshall({ ...key, ...item }),
        ConditionExpression: '#state = :pending AND #claim = :claim',
        ExpressionAttributeNames: HELD_NAMES,
        ExpressionAttributeValues: marshall({ ':pending': 'pending', ':claim': claimId }),
      }),
    );
  return {
    async claim(key, request) {
      for (let attempt = 1; attempt <= CLAIM_ATTEMPTS; attempt += 1) {
        const claimId = randomUUID();
        if (await put(key, request, claimId)) return { outcome: 'claimed', claimId };
        const record = await read(key);
        if (record && !isClaimable(record, request.fingerprint, request.now)) return { outcome: 'met', record };
      }
      throw new IdempotencyClaimContendedError();
    },
    async complete(key, claimId, fingerprint, now, answer) {
      try {
        await putIfHeld(key, claimId, { state: 'completed', fingerprint, ...expiryOf(now), statusCode: answer.statusCode, body: answer.body });
      } catch (error) {
        throw isConditionFailure(error) ? new IdempotencyClaimLostError() : error;
      }
    },
    async release(key, claimId, now) {
      // Released by expiring it now rather than deleting it: a claim treats an expired record as
      // absent, and the function roles of control-plane routes then need no DeleteItem on a
      // partition that holds memberships. The table's TTL removes it later.
      try {
        await putIfHeld(key, claimId, { state: 'released', expiresAtEpoch: epochSecondsOf(now) });
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    },
  };
}

const succeeded = (result: ProxyResult): boolean => result.statusCode >= 200 && result.statusCode < 300;

/** Where one caller's key of one route is kept: the store (whose client signs its writes) and the record's key. */
export interface IdempotencyPlace {
  readonly store: IdempotencyStore;
  readonly key: ItemKey;
}

export interface IdempotencyOptions {
  readonly logger: Pick<Logger, 'error'>;
  readonly now?: () => Date;
  /** How long a claim holds its key before a request of the same body may take it over (`claimLeaseSeconds`). */
  readonly leaseSeconds: number;
  /** Where the records live, per caller and route; a route that needs a tenant refuses a caller without one here. */
  readonly placeOf: (caller: Caller, clientKey: string) => IdempotencyPlace;
  /** What "the same body" is for this route; by default the whole body's (`requestFingerprint`). */
  readonly fingerprintOf?: (body: string | null) => string;
  /**
   * The route's permission check, run before the key is claimed or an answer replayed: a caller
   * the route refuses leaves no record and gets no stored answer, whatever its key (a replay is
   * for the role the caller holds now). `ANY_CALLER` for a route every signed-in user may take.
   */
  readonly admit: (caller: Caller) => Promise<void>;
}

/** `admit` for a route every authenticated caller may take (POST /tenants): explicit, never a default. */
export const ANY_CALLER = async (): Promise<void> => undefined;

/**
 * A creating route's logic made idempotent under its caller's `Idempotency-Key`. Without the header
 * the logic runs as it is. Goes inside `route(...)`, so that the 400s and 409s thrown here get the
 * contract's answers and CORS headers. `placeOf` decides where the records live: the data plane's
 * in the caller's data partitions (`idempotent` below), the control plane's in its control
 * partition (`controlIdempotent`), a user's own in their idempotency partition.
 */
export function idempotentUnder(options: IdempotencyOptions, logic: (event: ProxyEvent) => Promise<ProxyResult>) {
  const fingerprintOf = options.fingerprintOf ?? ((body: string | null) => requestFingerprint(body));
  return async (event: ProxyEvent): Promise<ProxyResult> => {
    const clientKey = idempotencyKeyOf(event.headers);
    if (clientKey === undefined) return logic(event);
    const caller = callerOf(event);
    await options.admit(caller);
    const { store, key } = options.placeOf(caller, clientKey);
    const fingerprint = fingerprintOf(event.body);
    const claimed = await store.claim(key, { fingerprint, now: nowOf(options), leaseSeconds: options.leaseSeconds });
    if (claimed.outcome === 'met') {
      const answer = replayOf(claimed.record, fingerprint);
      return json(answer.statusCode, answer.body === '' ? undefined : JSON.parse(answer.body));
    }
    let result: ProxyResult;
    try {
      result = await logic(event);
    } catch (error) {
      await store.release(key, claimed.claimId, nowOf(options));
      throw error;
    }
    if (!succeeded(result)) {
      await store.release(key, claimed.claimId, nowOf(options));
      return result;
    }
    try {
      await store.complete(key, claimed.claimId, fingerprint, nowOf(options), { statusCode: result.statusCode, body: result.body });
    } catch (error) {
      // The write was made: the client gets its answer. Releasing the claim would let a retry make
      // a second one at once, so it stays pending: a retry is told "in progress" until the lease ends.
      options.logger.error('idempotency answer not stored', { userId: caller.userId, tenantId: caller.tenantId, errorName: (error as Error).name });
    }
    return result;
  };
}

/** The catalog entry of the function serving a route, by its name: the lease is read from its timeout. */
function functionServing(functionName: string): FunctionDefinition {
  routeServedBy(functionName);
  return Object.values(FUNCTIONS).find((candidate) => candidate.name === functionName) as FunctionDefinition;
}

/**
 * A data-plane creating route made idempotent, its records in the caller's own data partitions,
 * written with the caller's tenant-scoped credentials; scoped to the caller and `routeName` (a
 * catalog name). These functions run no workflow: the lease is their timeout and the margin.
 */
export function idempotent(deps: DataPlaneDeps, routeName: string, logic: (event: ProxyEvent) => Promise<ProxyResult>) {
  const leaseSeconds = claimLeaseSeconds(functionServing(routeName).timeoutSeconds);
  const action = routeAction(routeName);
  // The read-side check of the route's action (its write checks again inside its transaction).
  const admit = async (caller: Caller): Promise<void> => {
    const tenantCaller = requireTenant(caller);
    await requireAction(tenantCaller, action, { readRole: deps.sessionFor(tenantCaller).readRole, reportDenied: deps.reportDenied });
  };
  const placeOf = (caller: Caller, clientKey: string): IdempotencyPlace => {
    const tenantCaller = requireTenant(caller);
    const session = deps.sessionFor(tenantCaller);
    return { store: idempotencyStore(session.client, session.tableName), key: idempotencyKey(tenantCaller.tenantId, tenantCaller.userId, routeName, clientKey) };
  };
  return idempotentUnder({ logger: deps.logger, now: deps.now, leaseSeconds, placeOf, admit }, logic);
}

/** What a control-plane route needs to be idempotent: a store signed with the function's own role. */
export interface ControlIdempotencyDeps {
  readonly idempotency: IdempotencyStore;
  readonly logger: Pick<Logger, 'error'>;
  readonly now?: () => Date;
}

/**
 * A control-plane creating route (POST /roles, POST /members) made idempotent, its records in the
 * tenant's control partition (keys.ts `controlIdempotencyKey`), per caller and route, written with
 * the function's own role as the control items are (tenant credentials may not write there). The
 * lease covers the workflows the route runs, which outlive a function that was stopped.
 */
export function controlIdempotent(
  deps: ControlIdempotencyDeps,
  route: {
    readonly fn: FunctionDefinition;
    readonly workflows?: readonly WorkflowDefinition[];
    /** The route's read-side permission check (IdempotencyOptions `admit`). */
    readonly admit: (caller: TenantCaller) => Promise<void>;
  },
  logic: (event: ProxyEvent) => Promise<ProxyResult>,
) {
  const leaseSeconds = claimLeaseSeconds(
    route.fn.timeoutSeconds,
    (route.workflows ?? []).map((workflow) => workflow.timeoutSeconds),
  );
  const placeOf = (caller: Caller, clientKey: string): IdempotencyPlace => {
    const tenantCaller = requireTenant(caller);
    return { store: deps.idempotency, key: controlIdempotencyKey(tenantCaller.tenantId, tenantCaller.userId, route.fn.name, clientKey) };
  };
  return idempotentUnder({ logger: deps.logger, now: deps.now, leaseSeconds, placeOf, admit: (caller) => route.admit(requireTenant(caller)) }, logic);
}
