import { acceptEntry, checkPutEventsRequest, entrySize, PUT_EVENTS_LIMITS, type EntryContext } from '../../local/eventbridge/entries';
import { PutEventsEntryError } from '../../local/eventbridge/errors';
import { BusRegistry } from '../../local/eventbridge/model';
import { AwsServiceError } from '../../local/server/aws-json';

const SCOPE = { region: 'eu-west-1', accountId: '123456789012' };
const BUS = 'control-plane';
const context: EntryContext = {
  buses: new BusRegistry(SCOPE, [BUS], new Date('2026-01-01T00:00:00Z')),
  now: () => new Date('2026-03-04T05:06:07.890Z'),
  newEventId: () => 'event-1',
};
const good = { EventBusName: BUS, Source: 'test.orders', DetailType: 'order.placed.v1', Detail: '{"orderId":"o-1"}' };

function refusal(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof PutEventsEntryError || error instanceof AwsServiceError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('the entry was accepted');
}

describe('PutEvents validation of each entry', () => {
  it.each([
    ['no Source', { ...good, Source: undefined }, 'InvalidArgument', 'Parameter Source is not valid. Reason: Source is a required argument.'],
    ['no DetailType', { ...good, DetailType: undefined }, 'InvalidArgument', 'Parameter DetailType is not valid. Reason: DetailType is a required argument.'],
    ['an empty DetailType', { ...good, DetailType: '' }, 'InvalidArgument', 'Parameter DetailType is not valid. Reason: DetailType is a required argument.'],
    ['no Detail', { ...good, Detail: undefined }, 'InvalidArgument', 'Parameter Detail is not valid. Reason: Detail is a required argument.'],
    ['Detail that is not JSON', { ...good, Detail: 'NotJSON' }, 'MalformedDetail', 'Detail is malformed.'],
    ['Detail that is broken JSON', { ...good, Detail: '{{}' }, 'MalformedDetail', 'Detail is malformed.'],
    ['Detail that is an array', { ...good, Detail: '[]' }, 'MalformedDetail', 'Detail is malformed.'],
    ['Detail that is a JSON string', { ...good, Detail: '"NotJSON"' }, 'MalformedDetail', 'Detail is malformed.'],
    ['a source of AWS', { ...good, Source: 'aws.s3' }, 'NotAuthorizedForSourceException', 'Not authorized for the source.'],
    ['a bus that does not exist', { ...good, EventBusName: 'no-such-bus' }, 'ResourceNotFoundException', 'Event bus no-such-bus does not exist.'],
    ['a bus ARN of another account', { ...good, EventBusName: `arn:aws:events:${SCOPE.region}:999999999999:event-bus/${BUS}` }, 'ResourceNotFoundException', expect.stringContaining('does not exist.')],
    ['Resources that are not strings', { ...good, Resources: [1] }, 'InvalidArgument', 'Parameter Resources is not valid. Reason: Resources must be a list of strings.'],
    ['a Time that is not a time', { ...good, Time: 'yesterday' }, 'InvalidArgument', 'Parameter Time is not valid.'],
    ['an entry that is not an object', 'entry', 'InvalidArgument', 'Entry is not valid.'],
  ])('refuses an entry with %s', (_case, entry, code, message) => {
    const refused = refusal(() => acceptEntry(entry, context));

    expect(refused).toEqual({ code, message });
  });

  it('checks the members in AWS order: Source before DetailType before Detail', () => {
    const refused = refusal(() => acceptEntry({ Detail: 'NotJSON' }, context));

    expect(refused.message).toBe('Parameter Source is not valid. Reason: Source is a required argument.');
  });

  it('turns a good entry into the envelope targets receive, stamped to the second', () => {
    const accepted = acceptEntry({ ...good, Resources: ['arn:aws:s3:::bucket'] }, context);

    expect(accepted.bus.name).toBe(BUS);
    expect(accepted.event).toEqual({
      version: '0',
      id: 'event-1',
      'detail-type': 'order.placed.v1',
      source: 'test.orders',
      account: SCOPE.accountId,
      time: '2026-03-04T05:06:07Z',
      region: SCOPE.region,
      resources: ['arn:aws:s3:::bucket'],
      detail: { orderId: 'o-1' },
    });
  });

  it('takes Time as epoch seconds, and the bus by its ARN', () => {
    const accepted = acceptEntry({ ...good, Time: 1_700_000_000, EventBusName: `arn:aws:events:${SCOPE.region}:${SCOPE.accountId}:event-bus/${BUS}` }, context);

    expect(accepted.event.time).toBe('2023-11-14T22:13:20Z');
    expect(accepted.bus.name).toBe(BUS);
  });

  it('puts an entry without a bus on the default bus', () => {
    const accepted = acceptEntry({ ...good, EventBusName: undefined }, context);

    expect(accepted.bus.name).toBe('default');
  });
});

describe('PutEvents validation of the whole request', () => {
  it('refuses a request without entries as AWS does', () => {
    expect(refusal(() => checkPutEventsRequest(undefined))).toEqual({
      code: 'ValidationException',
      message: "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null",
    });
    expect(refusal(() => checkPutEventsRequest([]))).toEqual({
      code: 'ValidationException',
      message: "1 validation error detected: Value '[]' at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1",
    });
  });

  it('refuses more than 10 entries, naming them as AWS does', () => {
    const entries = Array.from({ length: PUT_EVENTS_LIMITS.maxEntries + 1 }, () => good);

    const refused = refusal(() => checkPutEventsRequest(entries));

    const one = `PutEventsRequestEntry(time=null, source=test.orders, resources=null, detailType=order.placed.v1, detail={"orderId":"o-1"}, eventBusName=${BUS}, traceHeader=null, kmsKeyIdentifier=null, internalMetadata=null)`;
    expect(refused).toEqual({
      code: 'ValidationException',
      message: `1 validation error detected: Value '[${Array(11).fill(one).join(', ')}]' at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10`,
    });
  });

  it('accepts 10 entries', () => {
    const entries = Array.from({ length: PUT_EVENTS_LIMITS.maxEntries }, () => good);

    expect(checkPutEventsRequest(entries)).toHaveLength(10);
  });

  it('refuses entries whose summed size is over 256 KB, and accepts them at 256 KB', () => {
    const base = { Source: 's', DetailType: 'd' };
    const atLimit = [{ ...base, Detail: 'x'.repeat(PUT_EVENTS_LIMITS.maxRequestBytes - 2) }];
    const overLimit = [{ ...base, Detail: 'x'.repeat(PUT_EVENTS_LIMITS.maxRequestBytes / 2) }, { ...base, Detail: 'x'.repeat(PUT_EVENTS_LIMITS.maxRequestBytes / 2) }];

    expect(checkPutEventsRequest(atLimit)).toHaveLength(1);
    expect(refusal(() => checkPutEventsRequest(overLimit))).toEqual({ code: 'ValidationException', message: 'Total size of the entries in the request is over the limit.' });
  });

  it('counts the size as AWS does: 14 bytes for a Time, UTF-8 bytes for the rest', () => {
    const size = entrySize({ Time: 1, Source: 'é', DetailType: 'ab', Detail: '{}', Resources: ['r1', 'r2'], EventBusName: 'not counted' });

    expect(size).toBe(14 + 2 + 2 + 2 + 4);
  });
});
