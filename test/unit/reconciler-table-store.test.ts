import { TransactionCanceledException, TransactWriteItemsCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { THROTTLE_RETRY } from '../../handlers/shared/guarded-write';
import { reconcilerTable } from '../../handlers/reconciler/table-store';

/** The reconciler's table adapter against a client double: how it treats a cancelled repair transaction. */
const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });

function clientAnswering(answers: (Error | undefined)[]) {
  const sent: unknown[] = [];
  const client = {
    send: async (command: unknown) => {
      sent.push(command);
      const answer = answers.shift();
      if (answer) throw answer;
      return {};
    },
  } as unknown as Pick<DynamoDBClient, 'send'>;
  return { client, sent };
}

const TENANT = '3f6c1a9e-2b4d-4e8f-9a1b-5c7d9e0f1a2b';
const USER = '8e2f6a1c-5d4b-4f7e-9a3c-1b2d3e4f5a6b';

describe("the reconciler's repair transactions", () => {
  it('runs a throttled or conflicting repair again, as the SDK does not retry a cancellation', async () => {
    const { client, sent } = clientAnswering([cancelled('None', 'ThrottlingError'), cancelled('TransactionConflict', 'None'), undefined]);

    await reconcilerTable(client, 'table').releaseQuota(TENANT, USER);

    expect(sent.filter((command) => command instanceof TransactWriteItemsCommand)).toHaveLength(3);
  });

  it(`gives up after ${THROTTLE_RETRY.attempts} throttled tries, failing that repair only`, async () => {
    const { client, sent } = clientAnswering(Array.from({ length: THROTTLE_RETRY.attempts + 1 }, () => cancelled('None', 'ThrottlingError')));

    await expect(reconcilerTable(client, 'table').releaseQuota(TENANT, USER)).rejects.toBeInstanceOf(TransactionCanceledException);
    expect(sent).toHaveLength(THROTTLE_RETRY.attempts);
  });

  it('does not retry a repair whose own condition failed: there was nothing to repair', async () => {
    const { client, sent } = clientAnswering([cancelled('None', 'ConditionalCheckFailed')]);

    await reconcilerTable(client, 'table').releaseQuota(TENANT, USER);

    expect(sent).toHaveLength(1);
  });
});
