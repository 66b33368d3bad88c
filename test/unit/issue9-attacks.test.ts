import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { expiryOf, isClaimable, replayOf, requestFingerprint, IdempotentRequestInProgressError, type IdempotencyRecord } from '../../domain/idempotency';
import { InvalidOutputsFileError, parseStackOutputs } from '../../infra/operations/outputs';
import { redrive, redriveGuards } from '../../infra/operations/redrive';
import { ACCOUNT, REGION, startLocalSqs } from './sqs-support';

/**
 * Attacks on what issue 9 added, each refused: a record in the failure queue naming another
 * stage's or another account's function, and an Idempotency-Key record released by a request on a
 * host whose clock runs ahead of the retry's.
 */

const OTHER_ACCOUNT = '999999999999';
const DEPLOYED_ACCOUNT = '111111111111';
const shared = {
  region: REGION,
  apiUrl: `https://abc.execute-api.${REGION}.amazonaws.com/v1`,
  userPoolId: `${REGION}_pool`,
  userPoolClientId: 'client',
  identityPoolId: `${REGION}:pool`,
  tableName: 'ControlPlane-prod-Table',
  eventBusName: 'ControlPlane-prod-Bus',
};
const prodQueueUrl = `https://sqs.${REGION}.amazonaws.com/${DEPLOYED_ACCOUNT}/ControlPlane-prod-EventsAsyncFailures1A2B3C-abc`;
/** The outputs file `cdk deploy --outputs-file` writes for the prod stage. */
const prodOutputs = () =>
  parseStackOutputs('cdk-outputs.json', JSON.stringify({ 'ControlPlane-prod': { ...shared, stateMachines: '{}', asyncFailureQueueUrl: prodQueueUrl } }));
const lambdaArn = (account: string, name: string): string => `arn:aws:lambda:${REGION}:${account}:function:${name}`;

describe('which functions a redrive of a deployed stage may invoke', () => {
  it("invokes its own stage's subscribers in its own account", () => {
    const { mayInvoke } = redriveGuards(prodOutputs(), prodQueueUrl);

    expect(mayInvoke(lambdaArn(DEPLOYED_ACCOUNT, 'ControlPlane-prod-InvitationClaimer'))).toBe(true);
    expect(mayInvoke(`${lambdaArn(DEPLOYED_ACCOUNT, 'ControlPlane-prod-ProfileWriter')}:$LATEST`)).toBe(true);
  });

  it.each([
    ["another stage's subscriber in the same account", lambdaArn(DEPLOYED_ACCOUNT, 'ControlPlane-staging-InvitationClaimer')],
    ['any function whose name merely ends in a subscriber', lambdaArn(DEPLOYED_ACCOUNT, 'attacker-ProfileWriter')],
    ["the stage's own subscriber name in an account someone else owns", lambdaArn(OTHER_ACCOUNT, 'ControlPlane-prod-AuditWriter')],
    ['the catalog name alone, which is no deployed function', lambdaArn(DEPLOYED_ACCOUNT, 'AuditWriter')],
  ])('refuses %s', (_, functionArn) => {
    const { mayInvoke } = redriveGuards(prodOutputs(), prodQueueUrl);

    expect(mayInvoke(functionArn)).toBe(false);
  });

  it('holds --function to the same stage and account', () => {
    const { select } = redriveGuards(prodOutputs(), prodQueueUrl, ['ProfileWriter']);

    expect(select?.(lambdaArn(DEPLOYED_ACCOUNT, 'ControlPlane-prod-ProfileWriter'))).toBe(true);
    expect(select?.(lambdaArn(DEPLOYED_ACCOUNT, 'ControlPlane-staging-ProfileWriter'))).toBe(false);
  });

  it('refuses to start on a queue URL that names no account, rather than guess whose functions to invoke', () => {
    expect(() => redriveGuards(prodOutputs(), 'https://sqs.example.com/queue')).toThrow(InvalidOutputsFileError);
  });
});

describe('which functions a redrive of the local cloud may invoke', () => {
  const localOutputs = (queueUrl: string) =>
    parseStackOutputs('outputs.json', JSON.stringify({ ...shared, endpoint: 'http://127.0.0.1:4566', stateMachines: {}, asyncFailureQueueUrl: queueUrl }));

  it('invokes the catalog names in the local account only, and leaves a planted record of a staging function in the queue', async () => {
    // Prepare: the local queue, holding a well-formed record that names another stage's claimer.
    const local = await startLocalSqs();
    try {
      const sqs = local.client();
      const forged = {
        version: '1.0',
        timestamp: '2026-12-01T14:40:30.123Z',
        requestContext: {
          requestId: randomUUID(),
          functionArn: lambdaArn(ACCOUNT, 'ControlPlane-staging-InvitationClaimer'),
          condition: 'RetriesExhausted',
          approximateInvokeCount: 3,
        },
        requestPayload: { version: '0', id: randomUUID(), 'detail-type': 'user.confirmed.v1', source: 'controlplane.identity', detail: { userId: 'victim' } },
      };
      await sqs.send(new SendMessageCommand({ QueueUrl: local.queueUrl, MessageBody: JSON.stringify(forged) }));
      const invoked: string[] = [];
      const lambda = {
        send: async (command: InvokeCommand) => {
          invoked.push(command.input.FunctionName ?? '');
          return { StatusCode: 202, $metadata: {} };
        },
      } as unknown as Pick<LambdaClient, 'send'>;

      // Act: a redrive as `npm run redrive` guards it.
      const summary = await redrive({ sqs, lambda }, { queueUrl: local.queueUrl, ...redriveGuards(localOutputs(local.queueUrl), local.queueUrl) });

      // Assess: nothing invoked, the record left and reported.
      expect(invoked).toEqual([]);
      expect(summary).toMatchObject({ redriven: 0, left: 1, records: [{ outcome: 'left', reason: 'not an asynchronous subscriber of this stack' }] });
      expect(redriveGuards(localOutputs(local.queueUrl), local.queueUrl).mayInvoke(lambdaArn(ACCOUNT, 'InvitationClaimer'))).toBe(true);
    } finally {
      await local.stop();
    }
  });
});

describe('an Idempotency-Key record its request released', () => {
  const fingerprint = requestFingerprint('{"name":"Skewed Gliders"}');
  const releasedAt = new Date('2026-12-01T12:00:10.000Z');
  /** As the store writes a release: the state and an expiry of the releaser's now, nothing else. */
  const released = { state: 'released', expiresAtEpoch: Math.floor(releasedAt.getTime() / 1000) } as IdempotencyRecord;

  it("is claimable by the client's retry on a host whose clock is a second behind the releaser's", () => {
    const retryAt = new Date(releasedAt.getTime() - 1000);

    expect(isClaimable(released, fingerprint, retryAt)).toBe(true);
  });

  it('is never answered as a reused key: it holds no body to compare', () => {
    expect(() => replayOf(released, fingerprint)).toThrow(IdempotentRequestInProgressError);
  });

  it('still is not claimable while pending and alive, whatever the retry says', () => {
    const pending: IdempotencyRecord = { state: 'pending', fingerprint, claimId: 'c1', leaseExpiresAtEpoch: released.expiresAtEpoch + 60, ...expiryOf(releasedAt) };

    expect(isClaimable(pending, fingerprint, releasedAt)).toBe(false);
  });
});
