import { TestEventPatternCommand } from '@aws-sdk/client-eventbridge';
import { PATTERN_CASES } from '../fixtures/event-pattern-cases';
import { clients } from './support';

const MANDATORY = ['id', 'account', 'source', 'time', 'region', 'detail-type'] as const;

/** TestEventPattern needs a whole event; the guide's cases on bare fragments stay in the unit tier. */
const wholeEventCases = PATTERN_CASES.filter(([, , event]) => typeof event === 'object' && event !== null && MANDATORY.every((field) => field in event));

describe("TestEventPattern on the running local bus agrees with AWS's documentation", () => {
  const { events } = clients();

  it('has at least 40 documented cases to check', () => {
    expect(wholeEventCases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(wholeEventCases)('%s', async (_behaviour, pattern, event, expected) => {
    const result = await events.send(new TestEventPatternCommand({ EventPattern: JSON.stringify(pattern), Event: JSON.stringify(event) }));

    expect(result.Result).toBe(expected);
  });
});
