import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createInspectorApi, type InspectorSources } from '../../local/console/inspector-api';
import { executionView } from '../../local/console/execution-view';
import { REDACTED, withoutTokens } from '../../local/console/redaction';
import type { ExecutionDetail, StepFunctionsHandles } from '../../local/stepfunctions/service';
import type { EventBridgeService } from '../../local/eventbridge/bus';
import type { AwsRequest } from '../../local/server/types';

/** A machine with a Parallel: one branch's Task retried then succeeded, the other's failed into its Catch; then a Fail. */
const DEFINITION = JSON.stringify({
  StartAt: 'Both',
  States: {
    Both: {
      Type: 'Parallel',
      Next: 'Failed',
      Branches: [
        { StartAt: 'WriteA', States: { WriteA: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:putItem', End: true } } },
        { StartAt: 'WriteB', States: { WriteB: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:putItem', Next: 'BDone', Catch: [{ ErrorEquals: ['States.ALL'], Next: 'BFailed' }] }, BDone: { Type: 'Pass', End: true }, BFailed: { Type: 'Pass', End: true } } },
      ],
    },
    Failed: { Type: 'Fail', Error: 'RunFailed', Cause: 'the test says so' },
  },
});

const put = { resourceType: 'dynamodb', resource: 'putItem' };
let clock = 0;
const event = (type: string, key?: string, details?: Record<string, unknown>) => ({ id: ++clock, timestamp: 1_800_000_000 + clock / 1000, type, ...(key ? { [key]: details } : {}) });
const entered = (type: string, name: string, input: unknown) => event(`${type}StateEntered`, 'stateEnteredEventDetails', { name, input: JSON.stringify(input) });
const exited = (type: string, name: string, output: unknown) => event(`${type}StateExited`, 'stateExitedEventDetails', { name, output: JSON.stringify(output) });
const task = (type: string, extra: Record<string, unknown> = {}) => event(`Task${type}`, `task${type}EventDetails`, { ...put, ...extra });

// Both branches' Tasks have the same resource and run at once: only the order tells them apart
// (a result goes to the attempt started first, all a history can say).
const HISTORY = [
  event('ExecutionStarted', 'executionStartedEventDetails', { input: '{"userId":"u-1"}' }),
  entered('Parallel', 'Both', { userId: 'u-1' }),
  event('ParallelStateStarted'),
  entered('Task', 'WriteA', { a: 1 }),
  entered('Task', 'WriteB', { b: 1 }),
  task('Scheduled'),
  task('Started'),
  task('Scheduled'),
  task('Started'),
  task('Failed', { error: 'DynamoDB.ThrottlingException', cause: 'slow down' }),
  task('Failed', { error: 'DynamoDB.InternalServerError', cause: 'B broke' }),
  exited('Task', 'WriteB', { error: 'B broke' }),
  entered('Pass', 'BFailed', {}),
  exited('Pass', 'BFailed', {}),
  task('Scheduled'),
  task('Started'),
  task('Succeeded', { output: '{}' }),
  exited('Task', 'WriteA', { a: 2 }),
  event('ParallelStateSucceeded'),
  exited('Parallel', 'Both', [{}, {}]),
  entered('Fail', 'Failed', {}),
  event('ExecutionFailed', 'executionFailedEventDetails', { error: 'RunFailed', cause: 'the test says so' }),
];

const DETAIL: ExecutionDetail = {
  executionArn: 'arn:aws:states:us-east-1:000000000000:express:Sample:run-1:x',
  stateMachine: 'Sample',
  status: 'FAILED',
  startDate: '2027-01-15T08:00:00.000Z',
  stopDate: '2027-01-15T08:00:01.000Z',
  error: 'RunFailed',
  cause: 'the test says so',
  name: 'run-1',
  input: '{"userId":"u-1"}',
  definition: DEFINITION,
  events: HISTORY,
};

describe('an execution as the inspector reads its history', () => {
  it('gives each Task event to its state, branches interleaved, and keeps the order states were entered', () => {
    // Act
    const view = executionView(DETAIL);
    // Assess
    expect(view.path).toEqual(['Both', 'WriteA', 'WriteB', 'BFailed', 'Failed']);
    expect(view.events.filter((e) => e.type.startsWith('Task') && !e.type.endsWith('StateEntered') && !e.type.endsWith('StateExited')).map((e) => `${e.type} ${e.state}`)).toEqual([
      'TaskScheduled WriteA', 'TaskStarted WriteA', 'TaskScheduled WriteB', 'TaskStarted WriteB', 'TaskFailed WriteA', 'TaskFailed WriteB', 'TaskScheduled WriteA', 'TaskStarted WriteA', 'TaskSucceeded WriteA',
    ]);
  });

  it('reports a retried step as succeeded, a caught failure as failed, and the first failure as where the run went wrong', () => {
    // Act
    const view = executionView(DETAIL);
    // Assess
    const step = (name: string) => view.steps.find((candidate) => candidate.state === name);
    expect(step('WriteA')).toMatchObject({ status: 'succeeded', attempts: 2, input: { a: 1 }, output: { a: 2 } });
    expect(step('WriteB')).toMatchObject({ status: 'failed', attempts: 1, error: 'DynamoDB.InternalServerError', cause: 'B broke' });
    expect(step('Failed')).toMatchObject({ status: 'failed', error: 'RunFailed', cause: 'the test says so' });
    expect(view.failure).toEqual({ state: 'WriteB', error: 'DynamoDB.InternalServerError', cause: 'B broke' });
    expect(view.failedStates.map((failure) => failure.state)).toEqual(['WriteB', 'Failed']);
    expect(view.input).toEqual({ userId: 'u-1' });
  });
});

describe('the inspector API', () => {
  const executions = [
    { executionArn: 'arn:1', stateMachine: 'Onboarding', status: 'FAILED', startDate: '2027-01-15T08:00:02.000Z', input: '{"userId":"u-1"}' },
    { executionArn: 'arn:2', stateMachine: 'Switching', status: 'SUCCEEDED', startDate: '2027-01-15T08:00:01.000Z', input: '{"userId":"u-2"}' },
    { executionArn: 'arn:3', stateMachine: 'Onboarding', status: 'SUCCEEDED', startDate: '2027-01-15T08:00:00.000Z', input: 'not json' },
  ];
  const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1LTEiLCJleHAiOjF9.c2lnbmF0dXJlLWJ5dGVz';
  const sources: InspectorSources = {
    stepFunctions: { executionsWithInput: () => executions, executionDetail: (arn: string) => (arn === DETAIL.executionArn ? DETAIL : undefined) } as unknown as StepFunctionsHandles,
    eventBridge: { archive: () => [], deliveries: () => [], deadLetters: () => [] } as unknown as EventBridgeService,
    invocations: () => [
      { functionName: 'Old', requestId: 'r-1', startedAt: '2027-01-15T08:00:00.000Z', durationMs: 3, outcome: 'success' },
      { functionName: 'New', requestId: 'r-2', startedAt: '2027-01-15T08:00:01.000Z', durationMs: 9, outcome: 'error', errorType: `Leaked ${token}` },
    ],
    asyncFailures: () => [],
    mail: () => [
      { channel: 'email', destination: 'a@example.com', username: 'a', code: '111111', at: '2027-01-15T08:00:00.000Z' },
      { channel: 'email', destination: 'b@example.com', username: 'b', code: '222222', at: '2027-01-15T08:00:01.000Z' },
    ],
    dynamo: {} as DynamoDBClient,
    tableName: 'ControlPlane',
  };
  const api = createInspectorApi(sources);
  const get = async (path: string, method = 'GET') => {
    const [view = '', query = ''] = path.split('?');
    const request: AwsRequest = { method, path: `/_local/console/api/${view}`, query: new URLSearchParams(query), headers: {}, body: Buffer.alloc(0), target: undefined };
    const answer = await api(request, view);
    return answer && { status: answer.status, body: JSON.parse(String(answer.body)) as unknown };
  };

  it.each([
    ['executions', ['arn:1', 'arn:2', 'arn:3']],
    ['executions?machine=Onboarding', ['arn:1', 'arn:3']],
    ['executions?status=SUCCEEDED', ['arn:2', 'arn:3']],
    ['executions?user=u-2', ['arn:2']],
    ['executions?machine=Onboarding&status=SUCCEEDED&limit=1', ['arn:3']],
  ])('%s lists %j, newest first', async (path, arns) => {
    // Act
    const answer = await get(path);
    // Assess
    expect(answer?.status).toBe(200);
    expect((answer?.body as { executions: { executionArn: string }[] }).executions.map((execution) => execution.executionArn)).toEqual(arns);
  });

  it("names each execution's user from its input, and lists every project machine for the filter", async () => {
    // Act
    const body = (await get('executions'))?.body as { machines: string[]; executions: { userId?: string }[] };
    // Assess
    expect(body.executions.map((execution) => execution.userId)).toEqual(['u-1', 'u-2', undefined]);
    expect(body.machines).toEqual(['AddMember', 'Onboarding', 'RemoveMember', 'Switching']);
  });

  it('keeps the mail contract the tenant app reads: {channel,destination,username,code,at}, newest first', async () => {
    // Act
    const answer = await get('mail');
    // Assess
    expect(answer).toEqual({
      status: 200,
      body: [
        { channel: 'email', destination: 'b@example.com', username: 'b', code: '222222', at: '2027-01-15T08:00:01.000Z' },
        { channel: 'email', destination: 'a@example.com', username: 'a', code: '111111', at: '2027-01-15T08:00:00.000Z' },
      ],
    });
  });

  it('removes anything shaped like a token from what it serves', async () => {
    // Act
    const answer = await get('invocations');
    // Assess
    expect(JSON.stringify(answer)).not.toContain(token);
    expect((answer?.body as { invocations: { errorType?: string }[] }).invocations[0]?.errorType).toBe(`Leaked ${REDACTED}`);
    expect(withoutTokens({ nested: [`{"idToken":"${token}"}`] })).toEqual({ nested: [`{"idToken":"${REDACTED}"}`] });
  });

  it('serves one execution by its ARN, and 404 for one it does not keep', async () => {
    // Act
    const found = await get(`execution?arn=${DETAIL.executionArn}`);
    const missing = await get('execution?arn=arn:aws:states:us-east-1:000000000000:express:Sample:gone');
    // Assess
    expect(found).toMatchObject({ status: 200, body: { path: ['Both', 'WriteA', 'WriteB', 'BFailed', 'Failed'] } });
    expect(missing?.status).toBe(404);
  });

  it.each([
    ['executions?status=running', 'status'],
    ['executions?limit=1001', 'limit'],
    ['executions?limit=1&limit=2', 'limit'],
    ['executions?user=%3Cscript%3E', 'user'],
    ['invocations?outcome=maybe', 'outcome'],
    ['mail?code=1', 'code'],
    ['audit', 'tenant'],
  ])('answers %s with 400 naming %s', async (path, parameter) => {
    // Act
    const answer = await get(path);
    // Assess
    expect(answer).toEqual({ status: 400, body: { message: expect.stringMatching(new RegExp(`^Query parameter ${parameter}: `)), parameter } });
  });

  it('refuses anything but GET, and knows no other view', async () => {
    // Act / Assess
    expect((await get('executions', 'POST'))?.status).toBe(405);
    expect(await get('state')).toBeUndefined();
    expect(await get('constructor')).toBeUndefined();
  });
});
