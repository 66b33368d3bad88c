import {
  DeleteRuleCommand,
  DescribeEventBusCommand,
  DescribeRuleCommand,
  EventBridgeClient,
  EventBridgeServiceException,
  InvalidEventPatternException,
  ListEventBusesCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  ResourceNotFoundException,
  TestEventPatternCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import type { RuleDefinition } from '../../../events/rule-definition';
import { LOCAL_ACCOUNT_ID, LOCAL_ADMIN_CREDENTIALS, LOCAL_REGION } from '../../../local/config';
import { createEventBridgeService, type EventEnvelope } from '../../../local/eventbridge/bus';
import { startEndpoint, type Endpoint } from '../../../local/server/endpoint';

const BUS = 'control-plane';
const lambdaArn = (name: string): string => `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:${name}`;

const rules: RuleDefinition[] = [
  {
    name: 'OrderPlaced',
    description: 'orders go to the recorder and the fulfilment workflow',
    eventPattern: { source: ['test.orders'], 'detail-type': ['order.placed.v1'] },
    targets: [
      { kind: 'lambda', functionName: 'Recorder' },
      { kind: 'stateMachine', stateMachineName: 'Fulfil' },
    ],
  },
  { name: 'Flaky', description: 'fails twice, then succeeds', eventPattern: { source: ['test.flaky'] }, targets: [{ kind: 'lambda', functionName: 'Flaky' }] },
  { name: 'Broken', description: 'always fails', eventPattern: { source: ['test.broken'] }, targets: [{ kind: 'lambda', functionName: 'Broken' }] },
  { name: 'Gated', description: 'waits for the test', eventPattern: { source: ['test.gated'] }, targets: [{ kind: 'lambda', functionName: 'Gated' }] },
];

interface Delivered {
  readonly kind: 'lambda' | 'stateMachine';
  readonly name: string;
  readonly event: EventEnvelope;
}

describe('local EventBridge', () => {
  const delivered: Delivered[] = [];
  let flakyFailuresLeft = 0;
  let openGate: () => void = () => undefined;
  let gate = Promise.resolve();

  const service = createEventBridgeService({
    busName: BUS,
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT_ID,
    rules,
    retry: { maxAttempts: 3, baseDelayMs: 1 },
    deliver: {
      async lambda(functionName, event) {
        if (functionName === 'Broken') throw new Error('the target is down');
        if (functionName === 'Flaky' && flakyFailuresLeft-- > 0) throw new Error('not yet');
        if (functionName === 'Gated') await gate;
        delivered.push({ kind: 'lambda', name: functionName, event: event as EventEnvelope });
      },
      async stateMachine(stateMachineName, event) {
        delivered.push({ kind: 'stateMachine', name: stateMachineName, event: event as EventEnvelope });
      },
    },
  });

  let endpoint: Endpoint;
  let client: EventBridgeClient;

  beforeAll(async () => {
    endpoint = await startEndpoint({ port: 0, services: [service] });
    client = new EventBridgeClient({ endpoint: endpoint.url, region: LOCAL_REGION, credentials: LOCAL_ADMIN_CREDENTIALS, disableHostPrefix: true });
  });
  afterAll(async () => {
    client.destroy();
    await endpoint.stop();
  });
  beforeEach(() => {
    delivered.length = 0;
    service.setDuplicateDelivery(false);
  });

  const entry = (source: string, detail: object = { orderId: 'o-1' }): PutEventsRequestEntry => ({
    EventBusName: BUS,
    Source: source,
    DetailType: 'order.placed.v1',
    Detail: JSON.stringify(detail),
  });

  async function putOne(source: string, detail?: object): Promise<string> {
    const result = await client.send(new PutEventsCommand({ Entries: [entry(source, detail)] }));
    const eventId = result.Entries?.[0]?.EventId;
    if (!eventId) throw new Error(`PutEvents failed: ${JSON.stringify(result.Entries)}`);
    return eventId;
  }

  describe('PutEvents', () => {
    it('answers per entry: an EventId for a good entry, ErrorCode and ErrorMessage for each bad one', async () => {
      const result = await client.send(
        new PutEventsCommand({
          Entries: [
            entry('test.unmatched'),
            { EventBusName: BUS, DetailType: 'x', Detail: '{}' },
            { EventBusName: BUS, Source: 'test.unmatched', Detail: '{}' },
            { EventBusName: BUS, Source: 'test.unmatched', DetailType: 'x' },
            { EventBusName: BUS, Source: 'test.unmatched', DetailType: 'x', Detail: '{not json' },
            { EventBusName: BUS, Source: 'test.unmatched', DetailType: 'x', Detail: '[1, 2]' },
            { ...entry('test.unmatched'), EventBusName: 'no-such-bus' },
          ],
        }),
      );

      expect(result.FailedEntryCount).toBe(6);
      expect(result.Entries?.[0]?.EventId).toMatch(/^[0-9a-f-]{36}$/);
      expect(result.Entries?.slice(1)).toEqual([
        { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.' },
        { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter DetailType is not valid. Reason: DetailType is a required argument.' },
        { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Detail is not valid. Reason: Detail is a required argument.' },
        { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
        { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
        { ErrorCode: 'ResourceNotFoundException', ErrorMessage: 'Event bus no-such-bus does not exist.' },
      ]);
    });

    it('rejects more than 10 entries with ValidationException', async () => {
      const send = client.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => entry('test.unmatched')) }));

      await expect(send).rejects.toMatchObject({ name: 'ValidationException' });
    });

    it('rejects a request whose entries exceed 256 KB with ValidationException', async () => {
      const send = client.send(new PutEventsCommand({ Entries: [entry('test.unmatched', { blob: 'x'.repeat(256 * 1024) })] }));

      await expect(send).rejects.toMatchObject({ name: 'ValidationException', message: 'Total size of the entries in the request is over the limit.' });
    });

    it('accepts the bus by ARN', async () => {
      const result = await client.send(new PutEventsCommand({ Entries: [{ ...entry('test.unmatched'), EventBusName: `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:event-bus/${BUS}` }] }));

      expect(result.FailedEntryCount).toBe(0);
    });
  });

  describe('TestEventPattern', () => {
    const event = JSON.stringify({
      id: 'e-1',
      account: LOCAL_ACCOUNT_ID,
      source: 'test.orders',
      time: '2026-01-01T00:00:00Z',
      region: LOCAL_REGION,
      resources: [],
      'detail-type': 'order.placed.v1',
      detail: { total: 12 },
    });

    it('answers true for a matching pattern', async () => {
      const result = await client.send(new TestEventPatternCommand({ EventPattern: JSON.stringify({ detail: { total: [{ numeric: ['>', 10] }] } }), Event: event }));

      expect(result.Result).toBe(true);
    });

    it('answers false for a pattern that does not match', async () => {
      const result = await client.send(new TestEventPatternCommand({ EventPattern: JSON.stringify({ source: ['test.other'] }), Event: event }));

      expect(result.Result).toBe(false);
    });

    it('answers InvalidEventPatternException for a malformed pattern', async () => {
      const send = client.send(new TestEventPatternCommand({ EventPattern: JSON.stringify({ source: 'test.orders' }), Event: event }));

      await expect(send).rejects.toBeInstanceOf(InvalidEventPatternException);
      await expect(send).rejects.toThrow('Event pattern is not valid. Reason: "source" must be an object or an array');
    });

    it('answers ValidationException for an event without the mandatory fields', async () => {
      const send = client.send(new TestEventPatternCommand({ EventPattern: JSON.stringify({ source: ['a'] }), Event: '{"source":"a"}' }));

      await expect(send).rejects.toMatchObject({ name: 'ValidationException' });
    });
  });

  describe('delivery', () => {
    it('delivers the full envelope of a matched event to every target of a defined rule', async () => {
      const eventId = await putOne('test.orders', { orderId: 'o-42', lines: [1, 2] });
      await service.settled();

      expect(delivered.map(({ kind, name }) => `${kind}:${name}`).sort()).toEqual(['lambda:Recorder', 'stateMachine:Fulfil']);
      expect(delivered[0]?.event).toEqual({
        version: '0',
        id: eventId,
        'detail-type': 'order.placed.v1',
        source: 'test.orders',
        account: LOCAL_ACCOUNT_ID,
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        region: LOCAL_REGION,
        resources: [],
        detail: { orderId: 'o-42', lines: [1, 2] },
      });
    });

    it('delivers nothing for an event no rule matches', async () => {
      await putOne('test.unmatched');
      await service.settled();

      expect(delivered).toEqual([]);
    });

    it('answers PutEvents before the targets have run', async () => {
      gate = new Promise((resolve) => (openGate = resolve));

      const eventId = await putOne('test.gated');
      const beforeOpening = delivered.length;
      openGate();
      await service.settled();

      expect(beforeOpening).toBe(0);
      expect(delivered.map((item) => item.event.id)).toEqual([eventId]);
    });

    it('retries a failing target with backoff until it succeeds', async () => {
      flakyFailuresLeft = 2;

      const eventId = await putOne('test.flaky');
      await service.settled();

      const attempts = service.deliveries().filter((attempt) => attempt.eventId === eventId);
      expect(attempts.map(({ attempt, outcome }) => `${attempt}:${outcome}`)).toEqual(['1:failed', '2:failed', '3:delivered']);
      expect(delivered.map((item) => item.name)).toEqual(['Flaky']);
      expect(service.deadLetters().filter((letter) => letter.event.id === eventId)).toEqual([]);
    });

    it('records a dead letter after the last failed attempt', async () => {
      const eventId = await putOne('test.broken');
      await service.settled();

      const letters = service.deadLetters().filter((letter) => letter.event.id === eventId);
      expect(letters).toEqual([
        {
          event: expect.objectContaining({ id: eventId, source: 'test.broken' }),
          rule: 'Broken',
          target: { id: 'Target0', arn: lambdaArn('Broken') },
          error: 'Error: the target is down',
          attempts: 3,
          at: expect.any(String),
        },
      ]);
      expect(service.deliveries().filter((attempt) => attempt.eventId === eventId)).toHaveLength(3);
    });

    it('delivers every matched event twice in duplicate mode', async () => {
      service.setDuplicateDelivery(true);

      const eventId = await putOne('test.orders');
      await service.settled();

      const toRecorder = delivered.filter((item) => item.name === 'Recorder');
      expect(toRecorder.map((item) => item.event.id)).toEqual([eventId, eventId]);
    });

    it('archives every accepted event, newest last, with the rules it matched', async () => {
      const first = await putOne('test.orders');
      const second = await putOne('test.unmatched');
      await service.settled();

      const archive = service.archive();
      expect(archive.slice(-2)).toEqual([
        { eventBusName: BUS, event: expect.objectContaining({ id: first }), matchedRules: ['OrderPlaced'] },
        { eventBusName: BUS, event: expect.objectContaining({ id: second }), matchedRules: [] },
      ]);
    });
  });

  describe('rules and targets', () => {
    it('lists the defined rules with their targets as ARNs', async () => {
      const listed = await client.send(new ListRulesCommand({ EventBusName: BUS, NamePrefix: 'Order' }));
      const targets = await client.send(new ListTargetsByRuleCommand({ EventBusName: BUS, Rule: 'OrderPlaced' }));

      expect(listed.Rules?.map((rule) => rule.Name)).toEqual(['OrderPlaced']);
      expect(targets.Targets).toEqual([
        { Id: 'Target0', Arn: lambdaArn('Recorder') },
        { Id: 'Target1', Arn: `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:stateMachine:Fulfil` },
      ]);
    });

    it('creates an ad-hoc rule with a Lambda target that receives matching events', async () => {
      const put = await client.send(new PutRuleCommand({ Name: 'AdHoc', EventBusName: BUS, EventPattern: JSON.stringify({ source: ['test.adhoc'] }), Description: 'made by a test' }));
      await client.send(new PutTargetsCommand({ Rule: 'AdHoc', EventBusName: BUS, Targets: [{ Id: 'r', Arn: lambdaArn('Recorder') }] }));

      const eventId = await putOne('test.adhoc');
      await service.settled();
      const described = await client.send(new DescribeRuleCommand({ Name: 'AdHoc', EventBusName: BUS }));

      expect(put.RuleArn).toBe(`arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:rule/${BUS}/AdHoc`);
      expect(described).toMatchObject({ Name: 'AdHoc', State: 'ENABLED', Description: 'made by a test', EventBusName: BUS, EventPattern: '{"source":["test.adhoc"]}' });
      expect(delivered.map((item) => `${item.name}:${item.event.id}`)).toEqual([`Recorder:${eventId}`]);
    });

    it('refuses to delete a rule that has targets, and deletes it once they are removed', async () => {
      await client.send(new PutRuleCommand({ Name: 'Doomed', EventPattern: JSON.stringify({ source: ['test.doomed'] }) }));
      await client.send(new PutTargetsCommand({ Rule: 'Doomed', Targets: [{ Id: 't', Arn: lambdaArn('Recorder') }] }));

      const refused = client.send(new DeleteRuleCommand({ Name: 'Doomed' }));
      await expect(refused).rejects.toMatchObject({ name: 'ValidationException' });
      await client.send(new RemoveTargetsCommand({ Rule: 'Doomed', Ids: ['t'] }));
      await client.send(new DeleteRuleCommand({ Name: 'Doomed' }));

      await expect(client.send(new DescribeRuleCommand({ Name: 'Doomed' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    });

    it('rejects a rule with a malformed pattern with InvalidEventPatternException', async () => {
      const send = client.send(new PutRuleCommand({ Name: 'Bad', EventPattern: JSON.stringify({ source: [{ prefix: 'a', suffix: 'b' }] }) }));

      await expect(send).rejects.toBeInstanceOf(InvalidEventPatternException);
    });

    it('rejects a target that is neither a Lambda function nor a state machine', async () => {
      await client.send(new PutRuleCommand({ Name: 'ToQueue', EventPattern: JSON.stringify({ source: ['test.queue'] }) }));

      const send = client.send(new PutTargetsCommand({ Rule: 'ToQueue', Targets: [{ Id: 'q', Arn: `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:queue` }] }));

      await expect(send).rejects.toBeInstanceOf(EventBridgeServiceException);
      await expect(send).rejects.toMatchObject({ name: 'ValidationException' });
    });

    it('answers ResourceNotFoundException for a rule on an unknown bus', async () => {
      const send = client.send(new PutRuleCommand({ Name: 'Nowhere', EventBusName: 'no-such-bus', EventPattern: '{"source":["a"]}' }));

      await expect(send).rejects.toBeInstanceOf(ResourceNotFoundException);
    });
  });

  describe('buses', () => {
    it('describes the bus by name and by ARN', async () => {
      const arn = `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:event-bus/${BUS}`;

      const byName = await client.send(new DescribeEventBusCommand({ Name: BUS }));
      const byArn = await client.send(new DescribeEventBusCommand({ Name: arn }));

      expect(byName).toMatchObject({ Name: BUS, Arn: arn });
      expect(byArn).toMatchObject({ Name: BUS, Arn: arn });
    });

    it('lists the default bus and the control-plane bus', async () => {
      const result = await client.send(new ListEventBusesCommand({}));

      expect(result.EventBuses?.map((bus) => bus.Name)).toEqual([BUS, 'default']);
    });
  });
});
