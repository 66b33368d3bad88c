import { parseDefinition } from '../../local/stepfunctions/definition';

/** The local runtime's floor on Task limits (local/stepfunctions/service.ts `minimumTaskTimeoutSeconds`). */
const task = (timeoutSeconds: number, next?: string) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::aws-sdk:dynamodb:getItem',
  Parameters: {},
  TimeoutSeconds: timeoutSeconds,
  ...(next ? { Next: next } : { End: true }),
});
const definition = JSON.stringify({
  StartAt: 'Short',
  States: {
    Short: task(1, 'Both'),
    Both: { Type: 'Parallel', Branches: [{ StartAt: 'InBranch', States: { InBranch: task(2) } }], Next: 'Long' },
    Long: task(30),
  },
});

const limits = (minimumTaskTimeoutSeconds?: number) => {
  const parsed = parseDefinition(definition, minimumTaskTimeoutSeconds === undefined ? {} : { minimumTaskTimeoutSeconds });
  return Object.fromEntries([...parsed.tasks.values()].map((current) => [current.name, current.timeoutSeconds]));
};

describe('the local floor on Task timeouts', () => {
  it('raises every shorter Task limit to the floor, inside Parallel branches too, and leaves longer ones alone', () => {
    expect(limits(5)).toEqual({ Short: 5, InBranch: 5, Long: 30 });
  });

  it('honours every limit as written when no floor is set', () => {
    expect(limits()).toEqual({ Short: 1, InBranch: 2, Long: 30 });
  });

  it('gives the interpreter the raised limits, so a run is cut off by the limit the history shows', () => {
    const parsed = parseDefinition(definition, { minimumTaskTimeoutSeconds: 5 });

    expect((parsed.definition.States as Record<string, { TimeoutSeconds?: number }>).Short?.TimeoutSeconds).toBe(5);
  });
});
