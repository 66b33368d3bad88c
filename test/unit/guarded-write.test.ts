import { TransactionCanceledException, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { ConflictError, PermissionDeniedError, ThrottledError } from '../../domain/errors';
import { ConflictingPlaceholderError, GUARD_VALUES, permissionGuard } from '../../domain/guard';
import { membershipKey, roleKey } from '../../domain/keys';
import { guardedWriter, planTransaction, SAME_WRITE, THROTTLE_RETRY, type WriteOperation } from '../../handlers/shared/guarded-write';

/**
 * The guarded writer is an adapter over DynamoDB's TransactWriteItems: a scripted client stands in
 * for DynamoDB here (the local tier runs the same writer on DynamoDB Local's real transactions).
 */

const TABLE = 'Table';
const TENANT = 't1';
const actor = { userId: 'u1', roleId: 'editor' };

interface Sent {
  readonly name: string;
  readonly input: Record<string, unknown>;
}

type Answer = (input: Record<string, unknown>) => unknown;

/** Answers each command with the next scripted answer for its name; records what was sent. */
function scriptedClient(script: Record<string, Answer[]>) {
  const sent: Sent[] = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: object }) => {
      const name = command.constructor.name;
      sent.push({ name, input: command.input as Record<string, unknown> });
      const answer = script[name]?.shift();
      if (!answer) throw new Error(`unscripted ${name}`);
      return answer(command.input as Record<string, unknown>);
    },
  };
  return { client: client as never, sent };
}

const written: Answer = () => ({});
const cancelled =
  (...codes: string[]): Answer =>
  () => {
    throw new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });
  };
const membershipOf = (roleId: string | undefined): Answer => () => ({ Item: roleId === undefined ? undefined : { roleId: { S: roleId } } });
const roleGranting = (actions: string[], builtIn = false): Answer => () => ({ Item: { actions: { L: actions.map((S) => ({ S })) }, builtIn: { BOOL: builtIn } } });
const noItem: Answer = () => ({});

const roleItemKey = (roleId: string) => ({ PK: { S: roleKey(TENANT, roleId).PK }, SK: { S: roleKey(TENANT, roleId).SK } });

/** A write of a new role item, refused when it exists. */
const putRole = (roleId: string): WriteOperation => ({
  kind: 'Put',
  label: 'role',
  item: { ...roleItemKey(roleId), name: { S: roleId } },
  condition: 'attribute_not_exists(#pk)',
  names: { '#pk': 'PK' },
});

/** An update of a role item, only if it exists. */
const updateRole = (roleId: string): WriteOperation => ({
  kind: 'Update',
  label: 'role',
  key: roleKey(TENANT, roleId),
  update: 'SET #name = :name',
  condition: 'attribute_exists(#pk)',
  names: { '#pk': 'PK', '#name': 'name' },
  values: { ':name': { S: 'New name' } },
});

const transactItems = (sent: Sent[]) => sent.filter((command) => command.name === 'TransactWriteItemsCommand').map((command) => command.input.TransactItems as TransactWriteItem[]);

function writerWith(script: Record<string, Answer[]>) {
  const { client, sent } = scriptedClient(script);
  const denials: { tenantId: string; userId: string; action: string; reason: string }[] = [];
  const writer = guardedWriter({
    client,
    tableName: TABLE,
    onDenied: async (tenantId, who, action, reason) => void denials.push({ tenantId, userId: who.userId, action, reason }),
  });
  return { writer, sent, denials };
}

describe('planning the transaction of a guarded write', () => {
  const guard = permissionGuard(TENANT, actor, 'role:manage');

  it('puts the two guard checks first, as ConditionChecks, when no operation touches their items', () => {
    const planned = planTransaction(TABLE, guard, [putRole('pilot')]);

    expect(planned.map((item) => Object.keys(item.item)[0])).toEqual(['ConditionCheck', 'ConditionCheck', 'Put']);
    expect(planned.map((item) => ({ labels: item.labels, guardParts: item.guardParts }))).toEqual([
      { labels: [], guardParts: ['membership'] },
      { labels: [], guardParts: ['role'] },
      { labels: ['role'], guardParts: [] },
    ]);
    expect(planned[0]?.item.ConditionCheck).toEqual({
      TableName: TABLE,
      Key: { PK: { S: membershipKey(TENANT, 'u1').PK }, SK: { S: membershipKey(TENANT, 'u1').SK } },
      ConditionExpression: guard[0].condition,
      ExpressionAttributeNames: guard[0].names,
      ExpressionAttributeValues: guard[0].values,
    });
  });

  it("ANDs the role check into an operation on the caller's own role item, uniting names and values", () => {
    const planned = planTransaction(TABLE, guard, [updateRole('editor')]);

    expect(planned).toHaveLength(2);
    expect(planned[1]?.guardParts).toEqual(['role']);
    expect(planned[1]?.labels).toEqual(['role']);
    expect(planned[1]?.item.Update).toMatchObject({
      ConditionExpression: `(attribute_exists(#pk)) AND (${guard[1].condition})`,
      ExpressionAttributeNames: { '#pk': 'PK', '#name': 'name', ...guard[1].names },
      ExpressionAttributeValues: { ':name': { S: 'New name' }, ...guard[1].values },
      UpdateExpression: 'SET #name = :name',
    });
  });

  it('gives an operation without a condition of its own exactly the guard check', () => {
    const planned = planTransaction(TABLE, guard, [{ kind: 'Delete', label: 'role', key: roleKey(TENANT, 'editor') }]);

    expect(planned[1]?.item.Delete?.ConditionExpression).toBe(guard[1].condition);
  });

  it('refuses an operation that uses a guard placeholder for something else', () => {
    const clash: WriteOperation = { ...updateRole('editor'), values: { ':name': { S: 'x' }, [GUARD_VALUES.action]: { S: 'other' } } };

    expect(() => planTransaction(TABLE, guard, [clash])).toThrow(ConflictingPlaceholderError);
  });
});

describe('a guarded write', () => {
  const write = (writer: ReturnType<typeof writerWith>['writer'], operations = [putRole('pilot')], who = actor) =>
    writer.write({ tenantId: TENANT, actor: who, action: 'role:manage', operations, asRole: SAME_WRITE });

  it('commits in one transaction and reads nothing', async () => {
    const { writer, sent, denials } = writerWith({ TransactWriteItemsCommand: [written] });

    const outcome = await write(writer);

    expect(outcome).toEqual({ outcome: 'written' });
    expect(sent.map((command) => command.name)).toEqual(['TransactWriteItemsCommand']);
    expect(denials).toEqual([]);
  });

  it("reports the labels of the operations whose own condition failed, without reads, when the guard held", async () => {
    const { writer, sent } = writerWith({ TransactWriteItemsCommand: [cancelled('None', 'None', 'ConditionalCheckFailed')] });

    const outcome = await write(writer);

    expect(outcome).toEqual({ outcome: 'refused', failed: ['role'] });
    expect(sent).toHaveLength(1);
  });

  it('throws PermissionDeniedError and reports the denial when the role lacks the action', async () => {
    const { writer, denials } = writerWith({
      TransactWriteItemsCommand: [cancelled('None', 'ConditionalCheckFailed', 'None')],
      GetItemCommand: [membershipOf('editor'), roleGranting(['aircraft:read'])],
    });

    await expect(write(writer)).rejects.toEqual(new PermissionDeniedError('role:manage', 'role editor does not grant role:manage'));
    expect(denials).toEqual([{ tenantId: TENANT, userId: 'u1', action: 'role:manage', reason: 'role editor does not grant role:manage' }]);
  });

  it('reads the membership and the role consistently to explain a refusal', async () => {
    const { writer, sent } = writerWith({
      TransactWriteItemsCommand: [cancelled('None', 'ConditionalCheckFailed', 'None')],
      GetItemCommand: [membershipOf('editor'), roleGranting([])],
    });

    await expect(write(writer)).rejects.toBeInstanceOf(PermissionDeniedError);

    const reads = sent.filter((command) => command.name === 'GetItemCommand').map((command) => command.input);
    expect(reads).toEqual([
      { TableName: TABLE, Key: { PK: { S: membershipKey(TENANT, 'u1').PK }, SK: { S: membershipKey(TENANT, 'u1').SK } }, ConsistentRead: true },
      { TableName: TABLE, Key: roleItemKey('editor'), ConsistentRead: true },
    ]);
  });

  it('denies a caller who is no longer a member, and one whose role was deleted', async () => {
    const gone = writerWith({ TransactWriteItemsCommand: [cancelled('ConditionalCheckFailed', 'ConditionalCheckFailed', 'None')], GetItemCommand: [membershipOf(undefined)] });
    const deleted = writerWith({ TransactWriteItemsCommand: [cancelled('None', 'ConditionalCheckFailed', 'None')], GetItemCommand: [membershipOf('editor'), noItem] });

    await expect(write(gone.writer)).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(write(deleted.writer)).rejects.toBeInstanceOf(PermissionDeniedError);

    expect([...gone.denials, ...deleted.denials].map((denial) => denial.reason)).toEqual(['not a member of the tenant', 'role editor no longer exists']);
  });

  it('runs the write again as the role the member holds now, when that role grants the action', async () => {
    const { writer, sent, denials } = writerWith({
      TransactWriteItemsCommand: [cancelled('ConditionalCheckFailed', 'None', 'None'), written],
      GetItemCommand: [membershipOf('manager'), roleGranting(['role:manage'])],
    });

    const outcome = await write(writer);

    expect(outcome).toEqual({ outcome: 'written' });
    const [, retry] = transactItems(sent);
    expect(retry?.[0]?.ConditionCheck?.ExpressionAttributeValues).toEqual({ [GUARD_VALUES.roleId]: { S: 'manager' } });
    expect(retry?.[1]?.ConditionCheck?.Key).toEqual(roleItemKey('manager'));
    expect(denials).toEqual([]);
  });

  it('asks the write to decide again for the role the member holds now, and writes what it decides', async () => {
    const { writer, sent } = writerWith({
      TransactWriteItemsCommand: [cancelled('ConditionalCheckFailed', 'None', 'None'), written],
      GetItemCommand: [membershipOf('manager'), roleGranting(['role:manage'])],
    });
    const decidedFor: string[] = [];

    const outcome = await writer.write({
      tenantId: TENANT,
      actor,
      action: 'role:manage',
      operations: [putRole('pilot')],
      asRole: (roleId) => {
        decidedFor.push(roleId);
        return { tenantId: TENANT, actor: { userId: actor.userId, roleId }, action: 'role:manage', operations: [putRole('other')], asRole: SAME_WRITE };
      },
    });

    expect(outcome).toEqual({ outcome: 'written' });
    expect(decidedFor).toEqual(['manager']);
    expect(transactItems(sent)[1]?.at(-1)?.Put?.Item?.name).toEqual({ S: 'other' });
  });

  it('passes on the refusal the write decides for the role the member holds now', async () => {
    const { writer, sent } = writerWith({
      TransactWriteItemsCommand: [cancelled('ConditionalCheckFailed', 'None', 'None')],
      GetItemCommand: [membershipOf('manager'), roleGranting(['role:manage'])],
    });
    const refusal = new PermissionDeniedError('role:manage', 'only an admin may grant or take the admin role');

    const writing = writer.write({ tenantId: TENANT, actor, action: 'role:manage', operations: [putRole('pilot')], asRole: () => Promise.reject(refusal) });

    await expect(writing).rejects.toBe(refusal);
    expect(transactItems(sent)).toHaveLength(1);
  });

  it('denies when the role the member holds now does not grant the action either', async () => {
    const { writer, sent } = writerWith({
      TransactWriteItemsCommand: [cancelled('ConditionalCheckFailed', 'None', 'None')],
      GetItemCommand: [membershipOf('viewer'), roleGranting(['aircraft:read'])],
    });

    await expect(write(writer)).rejects.toEqual(new PermissionDeniedError('role:manage', 'role viewer does not grant role:manage'));
    expect(transactItems(sent)).toHaveLength(1);
  });

  it('runs again once, not forever, when the role keeps changing under it', async () => {
    const { writer, sent } = writerWith({
      TransactWriteItemsCommand: [cancelled('ConditionalCheckFailed', 'None', 'None'), cancelled('ConditionalCheckFailed', 'None', 'None')],
      GetItemCommand: [membershipOf('manager'), roleGranting(['role:manage']), membershipOf('editor'), roleGranting(['role:manage'])],
    });

    await expect(write(writer)).rejects.toBeInstanceOf(ConflictError);
    expect(transactItems(sent)).toHaveLength(2);
  });

  it("reports a merged operation's own condition when the guard still holds for the same role", async () => {
    const { writer, sent } = writerWith({
      TransactWriteItemsCommand: [cancelled('None', 'ConditionalCheckFailed')],
      GetItemCommand: [membershipOf('editor'), roleGranting(['role:manage'])],
    });

    const outcome = await write(writer, [updateRole('editor')]);

    expect(outcome).toEqual({ outcome: 'refused', failed: ['role'] });
    expect(transactItems(sent)).toHaveLength(1);
  });

  it('runs again when a standalone guard check failed but holds when read (the role changed back meanwhile)', async () => {
    const { writer, sent } = writerWith({
      TransactWriteItemsCommand: [cancelled('None', 'ConditionalCheckFailed', 'None'), written],
      GetItemCommand: [membershipOf('editor'), roleGranting(['role:manage'])],
    });

    await expect(write(writer)).resolves.toEqual({ outcome: 'written' });
    expect(transactItems(sent)).toHaveLength(2);
  });

  it('runs a transaction cancelled by a conflicting one again, and answers 409 after three conflicts', async () => {
    const conflict = cancelled('None', 'TransactionConflict', 'None');
    const resolved = writerWith({ TransactWriteItemsCommand: [conflict, written] });
    const persistent = writerWith({ TransactWriteItemsCommand: [conflict, conflict, conflict] });

    await expect(write(resolved.writer)).resolves.toEqual({ outcome: 'written' });
    await expect(write(persistent.writer)).rejects.toBeInstanceOf(ConflictError);
    expect([transactItems(resolved.sent).length, transactItems(persistent.sent).length]).toEqual([2, 3]);
  });

  it('runs a throttled transaction again with backoff, and answers ThrottledError only after its attempts', async () => {
    const throttle = cancelled('None', 'ThrottlingError', 'None');
    const overCapacity = cancelled('ProvisionedThroughputExceeded', 'None', 'None');
    const recovered = writerWith({ TransactWriteItemsCommand: [throttle, overCapacity, written] });
    const persistent = writerWith({ TransactWriteItemsCommand: Array.from({ length: THROTTLE_RETRY.attempts }, () => throttle) });

    await expect(write(recovered.writer)).resolves.toEqual({ outcome: 'written' });
    await expect(write(persistent.writer)).rejects.toBeInstanceOf(ThrottledError);
    expect([transactItems(recovered.sent).length, transactItems(persistent.sent).length]).toEqual([3, THROTTLE_RETRY.attempts]);
  });

  it('passes on a cancellation that no retry would cure, after one attempt', async () => {
    const invalid = writerWith({ TransactWriteItemsCommand: [cancelled('None', 'None', 'ValidationError')] });

    await expect(write(invalid.writer)).rejects.toBeInstanceOf(TransactionCanceledException);
    expect(transactItems(invalid.sent)).toHaveLength(1);
  });

  it('passes on any other failure of DynamoDB untouched', async () => {
    const failure = Object.assign(new Error('service unavailable'), { name: 'InternalServerError' });
    const { writer } = writerWith({
      TransactWriteItemsCommand: [
        () => {
          throw failure;
        },
      ],
    });

    await expect(write(writer)).rejects.toBe(failure);
  });
});
