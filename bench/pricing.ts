/**
 * AWS list prices, us-east-1, on-demand, first tier, in USD: the one place the cost model reads
 * them. Read on 2026-12-01 from stored copies of the pages named on each price (AWS's own where
 * one shows the number; several AWS pricing pages render their rate tables client-side, so their
 * stored text has the rules and worked examples but not every rate: each such case says so).
 * Free tiers are left out on purpose: they are per account and month, not per operation.
 */

export interface Price {
  /** USD per `unit`. */
  readonly usd: number;
  readonly unit: string;
  /** Where the number was read, and anything another source says differently. */
  readonly source: string;
}

export const PRICES_READ_ON = '2026-12-01';
export const REGION = 'us-east-1';

export const PRICES = {
  /**
   * REST API calls, first 333 million a month. AWS whitepaper "Best Practices for Designing Amazon
   * API Gateway Private APIs and Private Integration", Cost optimization, Table 4:
   * https://docs.aws.amazon.com/whitepapers/latest/best-practices-api-gateway-private-apis-integration/cost-optimization.html
   * (same on https://aws.amazon.com/api-gateway/pricing/ per third-party copies; the stored AWS page shows only the free tier).
   */
  apiGatewayRestRequest: { usd: 3.5 / 1e6, unit: 'request', source: 'docs.aws.amazon.com whitepaper: REST, first 333 million requests $3.50 per million' },
  /**
   * Lambda requests, either architecture. https://aws.amazon.com/lambda/pricing/ renders its rate table
   * client-side; $0.20 per million is stated by every copy read (e.g. git.mcrn.ar lambda-13-cost.md, cloudchipr.com).
   */
  lambdaRequest: { usd: 0.2 / 1e6, unit: 'request', source: 'aws.amazon.com/lambda/pricing (rate table client-side); $0.20 per 1M in all third-party copies read' },
  /**
   * Lambda duration, Arm (arm64, as infra/constructs/functions.ts deploys), first 7.5 billion GB-s a
   * month. The tiers are AWS's (https://aws.amazon.com/blogs/compute/introducing-tiered-pricing-for-aws-lambda/);
   * the rate $0.0000133334 per GB-s is from cloudchipr.com and git.mcrn.ar (x86: $0.0000166667).
   */
  lambdaArmGbSecond: { usd: 0.0000133334, unit: 'GB-second', source: 'AWS compute blog (tiers) + cloudchipr.com (rate, Arm first 7.5B GB-s)' },
  /**
   * DynamoDB on-demand, Standard table class. https://aws.amazon.com/dynamodb/pricing/on-demand/ (its
   * unit rules: 1 KB per write unit, 4 KB per read unit, eventually consistent half, transactional
   * double). AWS cut on-demand throughput prices by 50 % from 1 November 2024; airbyte.com and
   * jusdb.com give the new rates $0.625 per million WRU and $0.125 per million RRU. Disagreement:
   * infratally.com still quotes $0.25 per million RRU (the pre-November-2024 rate, with $1.25 per
   * million WRU); the post-cut rates are used, as AWS announced the cut.
   */
  dynamoDbWriteRequestUnit: { usd: 0.625 / 1e6, unit: 'write request unit', source: 'aws.amazon.com/dynamodb/pricing/on-demand (rules; rate client-side) + airbyte.com (after the Nov 2024 cut)' },
  dynamoDbReadRequestUnit: { usd: 0.125 / 1e6, unit: 'read request unit', source: 'aws.amazon.com/dynamodb/pricing/on-demand (rules; rate client-side) + airbyte.com (after the Nov 2024 cut); infratally.com says $0.25/M (pre-cut)' },
  /**
   * Step Functions Express: $1.00 per million requests; duration $0.06000 per GB-hour for the first
   * 1,000 GB-hours (= $0.0000166667 per GB-s), rounded up to 100 ms, memory in 64 MB chunks
   * (50 MB + definition + payload). https://aws.amazon.com/step-functions/pricing/ (worked example 4).
   */
  expressRequest: { usd: 1 / 1e6, unit: 'execution', source: 'aws.amazon.com/step-functions/pricing: $1.00 per million requests' },
  expressGbSecond: { usd: 0.06 / 3600, unit: 'GB-second', source: 'aws.amazon.com/step-functions/pricing: $0.06000 per GB-hour, first 1,000 GB-hours' },
  /**
   * EventBridge custom events on a bus: $1.00 per million, each 64 KB of an entry one event.
   * https://aws.amazon.com/eventbridge/pricing/ (client-side table); cloudburn.io, hykell.com and
   * blog.awsfundamentals.com agree. Archive: $0.10 per GB of events processed into it (cloudburn.io).
   */
  eventBridgeCustomEvent: { usd: 1 / 1e6, unit: '64 KB event chunk', source: 'aws.amazon.com/eventbridge/pricing (client-side) + cloudburn.io, hykell.com: $1.00 per million' },
  eventBridgeArchiveGb: { usd: 0.1, unit: 'GB archived', source: 'cloudburn.io: archive processing $0.10 per GB' },
  /**
   * User-pool API calls carry no per-request charge: Cognito bills MAUs, federated MAUs, M2M
   * client-credentials requests and purchased quota (AWS, "Monitoring and managing costs",
   * https://docs.aws.amazon.com/cognito/latest/developerguide/tracking-cost.html). The MAU is priced below.
   */
  cognitoUserPoolRequest: { usd: 0, unit: 'request', source: 'docs.aws.amazon.com cognito tracking-cost: no per-request dimension except M2M' },
  /**
   * Identity pools (GetOpenIdTokenForDeveloperIdentity, GetCredentialsForIdentity): no charge. The
   * charge dimensions AWS lists (tracking-cost page above) hold none for identity pools; no stored
   * copy of https://aws.amazon.com/cognito/pricing/ showed the sentence itself.
   */
  cognitoIdentityRequest: { usd: 0, unit: 'request', source: 'docs.aws.amazon.com cognito tracking-cost: no identity-pool charge dimension' },
  /**
   * Essentials feature plan (the default for new pools): $0.015 per MAU above 10,000 free a month;
   * Lite $0.0055 (first tier). From the worked examples of https://aws.amazon.com/cognito/pricing/ as
   * transcribed by api-evangelist/amazon-cognito plans/amazon-cognito-plans-pricing.yml (read 2026-09-20).
   * A user is an MAU in a month in which any identity operation (sign-in, token refresh, attribute
   * update) is made for it: per user, not per call.
   */
  cognitoEssentialsMau: { usd: 0.015, unit: 'monthly active user', source: 'aws.amazon.com/cognito/pricing worked example (via api-evangelist transcription)' },
  cognitoLiteMau: { usd: 0.0055, unit: 'monthly active user', source: 'aws.amazon.com/cognito/pricing worked example (via api-evangelist transcription)' },
  /**
   * CloudWatch Logs, Standard class ingestion (the functions', the access log's and the workflows'
   * logs): $0.50 per GB; c3x.dev and hykell.com agree (https://aws.amazon.com/cloudwatch/pricing/ is client-side).
   * Not in the totals: no log volume is measured (see `logCostPerKbPerThousand`).
   */
  cloudWatchLogsIngestGb: { usd: 0.5, unit: 'GB ingested', source: 'c3x.dev, hykell.com: Standard ingestion $0.50 per GB' },
  /**
   * SQS standard queue requests, first 100 billion a month, each 64 KB one request: $0.40 per million
   * (cloudburn.io, unanswered.io, factualminds.com; https://aws.amazon.com/sqs/pricing/ not in the
   * stored copies). Only a subscriber's failure sends one (the on-failure destination).
   */
  sqsRequest: { usd: 0.4 / 1e6, unit: 'request', source: 'cloudburn.io, unanswered.io: $0.40 per million standard requests' },
} as const satisfies Record<string, Price>;

export type PriceKey = keyof typeof PRICES;
