import {
  costPerThousand,
  eventChunks,
  expressBilledMemoryMb,
  expressBilledMs,
  gbSeconds,
  ItemTooLargeForTransactionRuleError,
  lambdaBilledMs,
  logCostPerKbPerThousand,
  mauCostPerThousandUsers,
  MissingPriceError,
  readRequestUnits,
  usagesIn,
  writeRequestUnits,
  type Prices,
} from '../../bench/cost-model';
import { capacityBetween } from '../../bench/dynamodb-capacity';
import { PRICES } from '../../bench/pricing';
import type { MeasuredUsage } from '../../bench/usage';

const KB = 1024;
const GIB = 1024 ** 3;

/** Two operations with round numbers, so every line can be worked out by hand. */
const usage: MeasuredUsage = {
  operations: 2,
  apiRequests: 2,
  lambda: {
    Api: { invocations: 2, billedMs: 1000, memoryMb: 512 },
    Subscriber: { invocations: 4, billedMs: 2000, memoryMb: 256 },
  },
  dynamoDb: {
    PutItem: { calls: 2, readUnits: 0, writeUnits: 4, unmeasuredCalls: 0 },
    Query: { calls: 2, readUnits: 2, writeUnits: 0, unmeasuredCalls: 0 },
  },
  stepFunctions: { executions: 2, durationsMs: [150, 40], definitionBytes: 30 * KB },
  eventBridge: { eventBytes: [700, 70_000] },
  endpointRequests: {
    'DynamoDB_20120810.PutItem': 2,
    'DynamoDB_20120810.Query': 2,
    'AWSCognitoIdentityService.GetCredentialsForIdentity': 2,
    'AWSCognitoIdentityProviderService.InitiateAuth': 2,
    'AWSEvents.PutEvents': 2,
    'AWSStepFunctions.StartSyncExecution': 2,
  },
  largestItemBytes: 900,
};

const lineOf = (item: string) => {
  const line = costPerThousand('test', usage).lines.find((candidate) => candidate.item === item);
  if (!line) throw new Error(`no line ${item}`);
  return line;
};

describe('the cost model prices 1,000 operations from a measured usage', () => {
  it('gives the hand-worked total for a known usage', () => {
    // Prepare: 1,000 operations are 500 times the usage of two.
    const expected =
      1000 * 3.5e-6 + // API Gateway: 2 × 500 requests
      3000 * 0.2e-6 + // Lambda: 6 × 500 invocations
      500 * 0.0000133334 + // Lambda: (0.5 GB × 1 s + 0.25 GB × 2 s) × 500 GB-s
      2000 * 0.625e-6 + // DynamoDB: 4 × 500 write units
      1000 * 0.125e-6 + // DynamoDB: 2 × 500 read units
      1000 * 1e-6 + // Express: 2 × 500 executions
      (0.0625 * 0.3 * 500 * 0.06) / 3600 + // Express: 64 MB × (200 + 100 ms billed) × 500
      1500 * 1e-6 + // EventBridge: (1 + 2 chunks of 64 KB) × 500
      ((70_700 * 500) / GIB) * 0.1; // the archive: bytes × 500, per GB

    // Act
    const cost = costPerThousand('test', usage);

    // Assess
    expect(cost.perThousandUsd).toBeCloseTo(expected, 12);
    expect(cost.lines.reduce((total, line) => total + line.usd, 0)).toBeCloseTo(cost.perThousandUsd, 12);
  });

  it('scales each billed quantity to 1,000 operations', () => {
    expect(lineOf('Lambda duration (arm64)').quantity).toBeCloseTo(500, 9);
    expect(lineOf('DynamoDB write request units').quantity).toBe(2000);
    expect(lineOf('Step Functions Express duration').quantity).toBeCloseTo(9.375, 9);
    expect(lineOf('EventBridge custom events').quantity).toBe(1500);
  });

  it('counts Cognito calls but charges nothing for them (user pools bill MAUs, identity pools are free)', () => {
    expect(lineOf('Cognito user-pool requests')).toMatchObject({ quantity: 1000, usd: 0 });
    expect(lineOf('Cognito identity-pool requests')).toMatchObject({ quantity: 1000, usd: 0 });
  });

  it('prices MAUs per user, apart from the calls', () => {
    expect(mauCostPerThousandUsers()).toEqual({ essentialsUsd: 15, liteUsd: 5.5 });
  });

  it('says what each 1 KB logged per operation would add, since no log volume is measured', () => {
    expect(logCostPerKbPerThousand()).toBeCloseTo(((1000 * KB) / GIB) * 0.5, 12);
  });

  it('refuses to price transactions once an item exceeds 1 KB, where a member costs more than the 2 units counted', () => {
    const withTransaction = { ...usage, dynamoDb: { ...usage.dynamoDb, TransactWriteItems: { calls: 1, readUnits: 4, writeUnits: 4, unmeasuredCalls: 0 } } };
    expect(() => costPerThousand('test', { ...withTransaction, largestItemBytes: 1025 })).toThrow(ItemTooLargeForTransactionRuleError);
    expect(costPerThousand('test', withTransaction).perThousandUsd).toBeGreaterThan(costPerThousand('test', usage).perThousandUsd);
  });

  it('refuses a usage of no operations', () => {
    expect(() => costPerThousand('test', { ...usage, operations: 0 })).toThrow(RangeError);
  });
});

describe('every service in the counts must have a price', () => {
  it('fails on an endpoint operation of a service the model does not price', () => {
    const withKms = { ...usage, endpointRequests: { ...usage.endpointRequests, 'TrentService.Decrypt': 1 } };
    expect(() => costPerThousand('test', withKms)).toThrow(MissingPriceError);
  });

  it('fails when a price the usage needs is missing', () => {
    const { lambdaArmGbSecond: _dropped, ...withoutLambdaDuration } = PRICES;
    const prices: Prices = withoutLambdaDuration;
    expect(() => costPerThousand('test', usage, prices)).toThrow(/Lambda duration/);
  });

  it('has a positive or zero rate, a unit and a source for every price', () => {
    for (const [key, price] of Object.entries(PRICES)) {
      expect({ key, valid: price.usd >= 0 && price.unit.length > 0 && price.source.length > 0 }).toEqual({ key, valid: true });
    }
  });
});

describe("AWS's billing units", () => {
  it('computes GB-seconds from milliseconds and MB (GB = 1,024 MB)', () => {
    expect(gbSeconds(1000, 1024)).toBe(1);
    expect(gbSeconds(100, 128)).toBeCloseTo(0.0125, 12);
    expect(gbSeconds(250, 256)).toBeCloseTo(0.0625, 12);
  });

  it('rounds Lambda durations up to 1 ms and Express durations up to 100 ms', () => {
    expect(lambdaBilledMs(1.0001)).toBe(2);
    expect(lambdaBilledMs(0.2)).toBe(1);
    expect(expressBilledMs(100)).toBe(100);
    expect(expressBilledMs(101)).toBe(200);
    expect(expressBilledMs(3)).toBe(100);
  });

  it('bills Express memory in 64 MB chunks of 50 MB + definition + payload', () => {
    expect(expressBilledMemoryMb(30 * KB)).toBe(64);
    // AWS's example 4: a 50 KB definition and 400 map steps of 32 KB each is 62.85 MB, billed 64.
    expect(expressBilledMemoryMb(50 * KB, 400 * 32 * KB)).toBe(64);
    expect(expressBilledMemoryMb(15 * 1024 * KB)).toBe(128);
  });

  it('counts write units per 1 KB started, doubled in a transaction', () => {
    expect(writeRequestUnits(1024)).toBe(1);
    expect(writeRequestUnits(1025)).toBe(2);
    // As DynamoDB Local metered a 2.5 KB put, and the pricing page's transactional 3 KB example.
    expect(writeRequestUnits(2.5 * KB)).toBe(3);
    expect(writeRequestUnits(3 * KB, true)).toBe(6);
  });

  it('counts read units per 4 KB started: eventual half, strong one, transactional two', () => {
    // The on-demand pricing page's 8 KB examples.
    expect(readRequestUnits(8 * KB, 'strong')).toBe(2);
    expect(readRequestUnits(8 * KB, 'eventual')).toBe(1);
    expect(readRequestUnits(8 * KB, 'transactional')).toBe(4);
    // A read that finds nothing still costs its minimum, as DynamoDB Local metered it.
    expect(readRequestUnits(0, 'eventual')).toBe(0.5);
    expect(readRequestUnits(4 * KB + 1, 'strong')).toBe(2);
  });

  it('counts an event per 64 KB started', () => {
    expect(eventChunks(700)).toBe(1);
    expect(eventChunks(64 * KB)).toBe(1);
    expect(eventChunks(64 * KB + 1)).toBe(2);
  });
});

describe('reading the benchmark results', () => {
  it('names each measured usage by its operation', () => {
    const results = { controlPlane: { onboarding: { usage }, switching: { usage } }, dataPlane: { usage: { 'POST /reservations (201)': usage } }, startup: {} };
    expect(Object.keys(usagesIn(results))).toEqual(['Onboarding (POST /tenants)', 'Switch tenant (PUT /tenants/active)', 'POST /reservations (201)']);
  });
});

describe("the DynamoDB meter's readings", () => {
  it('gives what was metered between two readings, and only the operations that were called', () => {
    // Prepare
    const before = { GetItem: { calls: 3, readUnits: 1.5, writeUnits: 0, unmeasuredCalls: 0 }, Query: { calls: 1, readUnits: 1, writeUnits: 0, unmeasuredCalls: 0 } };
    const after = {
      GetItem: { calls: 5, readUnits: 3.5, writeUnits: 0, unmeasuredCalls: 1 },
      Query: { calls: 1, readUnits: 1, writeUnits: 0, unmeasuredCalls: 0 },
      TransactWriteItems: { calls: 1, readUnits: 4, writeUnits: 6, unmeasuredCalls: 0 },
    };

    // Act
    const delta = capacityBetween(before, after);

    // Assess
    expect(delta).toEqual({
      GetItem: { calls: 2, readUnits: 2, writeUnits: 0, unmeasuredCalls: 1 },
      TransactWriteItems: { calls: 1, readUnits: 4, writeUnits: 6, unmeasuredCalls: 0 },
    });
  });
});
