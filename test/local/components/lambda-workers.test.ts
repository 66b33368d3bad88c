import { InvokeCommand, LambdaClient, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { join } from 'node:path';
import type { FunctionDefinition } from '../../../handlers/catalog';
import { LOCAL_ADMIN_CREDENTIALS, LOCAL_REGION } from '../../../local/config';
import { createLambdaService, type FunctionEnvironment } from '../../../local/lambda/lambda-service';
import { startEndpoint, type Endpoint } from '../../../local/server/endpoint';

const fixture = (name: string, entry: string, extra: Partial<FunctionDefinition> = {}): FunctionDefinition => ({
  name,
  entry: `test/fixtures/functions/${entry}`,
  environment: [],
  timeoutSeconds: 5,
  memoryMb: 128,
  ...extra,
});

const FUNCTIONS = [
  fixture('CounterA', 'counter.ts'),
  fixture('CounterB', 'counter.ts'),
  // Declares two variables; the cloud has a value for TABLE_NAME only.
  fixture('EnvironmentReader', 'environment-reader.ts', { environment: ['TABLE_NAME', 'EVENT_BUS_NAME'] }),
  fixture('Chatty', 'chatty.ts'),
  fixture('Fresh', 'chatty.ts'),
  fixture('Busy', 'chatty.ts'),
  fixture('Echo', 'echo.ts', { timeoutSeconds: 0.2 }),
];

const CLOUD_VARIABLES = {
  TABLE_NAME: 'the-table',
  AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
  AWS_ACCESS_KEY_ID: 'ASIAFUNCTION',
  AWS_SECRET_ACCESS_KEY: 'function-secret',
  AWS_SESSION_TOKEN: 'function-token',
};

/** One service behind a real endpoint and a real SDK client, for the describe block that calls it. */
function useRuntime() {
  const state = {
    lambda: undefined as unknown as LambdaClient,
    environmentsGiven: [] as string[],
    runtime: createLambdaService({
      region: LOCAL_REGION,
      accountId: '000000000000',
      projectRoot: join(__dirname, '..', '..', '..'),
      functions: FUNCTIONS,
      maxWorkersPerFunction: 2,
      environmentOf: (definition): FunctionEnvironment => {
        state.environmentsGiven.push(definition.name);
        return { variables: CLOUD_VARIABLES };
      },
    }),
  };
  let endpoint: Endpoint;
  beforeAll(async () => {
    endpoint = await startEndpoint({ port: 0, services: [state.runtime.service] });
    state.lambda = new LambdaClient({ endpoint: endpoint.url, region: LOCAL_REGION, credentials: LOCAL_ADMIN_CREDENTIALS });
  });
  afterAll(async () => {
    state.lambda.destroy();
    await endpoint.stop();
    await state.runtime.service.stop?.();
  });
  return {
    ...state,
    invoke: (name: string, payload: unknown, tail = false): Promise<InvokeCommandOutput> =>
      state.lambda.send(new InvokeCommand({ FunctionName: name, Payload: JSON.stringify(payload), ...(tail ? { LogType: 'Tail' as const } : {}) })),
    recordOf: (requestId: string | undefined) => state.runtime.invocations().find((record) => record.requestId === requestId),
  };
}

const decode = (payload: Uint8Array | undefined): unknown => JSON.parse(Buffer.from(payload ?? []).toString('utf8'));
const logOf = (result: InvokeCommandOutput): string => Buffer.from(result.LogResult ?? '', 'base64').toString('utf8');

describe('local Lambda workers: module state and environment', () => {
  const { invoke } = useRuntime();

  it('gives each function its own module state, even when two share a module', async () => {
    const first = await invoke('CounterA', {});
    const second = await invoke('CounterA', {});
    const other = await invoke('CounterB', {});

    expect([decode(first.Payload), decode(second.Payload), decode(other.Payload)]).toEqual([{ invocation: 1 }, { invocation: 2 }, { invocation: 1 }]);
  });

  it('shows a function only the variables given for it and the Lambda runtime defines', async () => {
    process.env.USER_POOL_ID = 'a variable of the cloud process';

    const result = await invoke('EnvironmentReader', { variable: 'TABLE_NAME' });

    expect(decode(result.Payload)).toEqual({
      value: 'the-table',
      visible: [
        ...Object.keys(CLOUD_VARIABLES),
        'AWS_DEFAULT_REGION',
        'AWS_EXECUTION_ENV',
        'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
        'AWS_LAMBDA_FUNCTION_NAME',
        'AWS_LAMBDA_FUNCTION_VERSION',
        'AWS_LAMBDA_LOG_GROUP_NAME',
        'AWS_LAMBDA_LOG_STREAM_NAME',
        'AWS_REGION',
        'LAMBDA_TASK_ROOT',
        'LANG',
        'NODE_OPTIONS',
        'TZ',
      ].sort(),
    });
    delete process.env.USER_POOL_ID;
  });

  it('fails a handler reading a variable its catalog entry does not declare, with the handler’s own error', async () => {
    process.env.USER_POOL_ID = 'a variable of the cloud process';

    const result = await invoke('EnvironmentReader', { variable: 'USER_POOL_ID' });

    expect(result.FunctionError).toBe('Unhandled');
    expect(decode(result.Payload)).toEqual({ errorType: 'MissingEnvironmentError', errorMessage: 'Environment variable USER_POOL_ID is not set' });
    delete process.env.USER_POOL_ID;
  });

  it('leaves a declared variable the cloud has no value for unset', async () => {
    const result = await invoke('EnvironmentReader', { variable: 'EVENT_BUS_NAME' });

    expect(decode(result.Payload)).toEqual({ errorType: 'MissingEnvironmentError', errorMessage: 'Environment variable EVENT_BUS_NAME is not set' });
  });
});

describe('local Lambda workers: timeouts and logs', () => {
  const { invoke, recordOf } = useRuntime();

  it('reports a timeout as Lambda does and replaces the timed-out worker', async () => {
    const timedOut = await invoke('Echo', { mode: 'slow' }, true);
    const next = await invoke('Echo', { mode: 'echo' });

    const requestId = timedOut.$metadata.requestId ?? '';
    expect(timedOut.StatusCode).toBe(200);
    expect(timedOut.FunctionError).toBe('Unhandled');
    expect(decode(timedOut.Payload)).toEqual({ errorType: 'Sandbox.Timedout', errorMessage: expect.stringMatching(new RegExp(`^RequestId: ${requestId} Error: Task timed out after 0\\.2\\d seconds$`)) });
    expect(logOf(timedOut)).toMatch(new RegExp(`\\n\\S+Z ${requestId} Task timed out after 0\\.2\\d seconds\\nEND RequestId: ${requestId}\\nREPORT RequestId: ${requestId}\\t.*\\tStatus: timeout\\n$`));
    expect(recordOf(next.$metadata.requestId)).toMatchObject({ outcome: 'success', cold: true });
  });

  it('returns the invocation’s own log, START to REPORT, with LogType Tail', async () => {
    const earlier = await invoke('Chatty', {}, true);
    const result = await invoke('Chatty', {}, true);

    const requestId = result.$metadata.requestId ?? '';
    const log = logOf(result);
    expect(log).toMatch(
      new RegExp(`^START RequestId: ${requestId} Version: \\$LATEST\\nhello from ${requestId}\\nEND RequestId: ${requestId}\\nREPORT RequestId: ${requestId}\\tDuration: [\\d.]+ ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB\\tMax Memory Used: \\d+ MB\\n$`),
    );
    expect(log).not.toContain(earlier.$metadata.requestId);
  });

});

describe('local Lambda workers: cold starts and concurrency', () => {
  const { invoke, recordOf, runtime, environmentsGiven } = useRuntime();

  it('records the cold start on the first invocation only, with its Init Duration', async () => {
    const cold = await invoke('Fresh', {}, true);
    const warm = await invoke('Fresh', {}, true);

    expect(recordOf(cold.$metadata.requestId)).toMatchObject({ cold: true, initDurationMs: expect.any(Number) });
    expect(logOf(cold)).toMatch(/\tInit Duration: [\d.]+ ms\n$/);
    expect(recordOf(warm.$metadata.requestId)).toEqual(expect.objectContaining({ cold: false }));
    expect(recordOf(warm.$metadata.requestId)?.initDurationMs).toBeUndefined();
    expect(logOf(warm)).not.toContain('Init Duration');
    expect(environmentsGiven.filter((name) => name === 'Fresh')).toHaveLength(1);
  });

  it('gives a concurrent invocation a worker of its own, and queues past the cap', async () => {
    const concurrent = await Promise.all([invoke('Busy', { waitMs: 300 }), invoke('Busy', { waitMs: 300 }), invoke('Busy', { waitMs: 300 })]);

    const records = concurrent.map((result) => recordOf(result.$metadata.requestId));
    expect(records.map((record) => record?.outcome)).toEqual(['success', 'success', 'success']);
    expect(records.filter((record) => record?.cold)).toHaveLength(2);
    expect(runtime.workerCount('Busy')).toBe(2);
  });

  it('still applies an injected fault before the handler runs', async () => {
    runtime.faults.inject({ functionName: 'Chatty', errorType: 'InjectedFailure', errorMessage: 'boom', count: 1 });

    const faulted = await invoke('Chatty', {});

    expect(decode(faulted.Payload)).toEqual({ errorType: 'InjectedFailure', errorMessage: 'boom' });
  });
});

describe('local Lambda: stopping', () => {
  it('terminates every worker and takes no more invocations', async () => {
    const runtime = createLambdaService({
      region: LOCAL_REGION,
      accountId: '000000000000',
      projectRoot: join(__dirname, '..', '..', '..'),
      functions: [fixture('Chatty', 'chatty.ts')],
      environmentOf: () => ({ variables: {} }),
    });
    await runtime.invoke('Chatty', {});

    await runtime.service.stop?.();

    expect(runtime.workerCount('Chatty')).toBe(0);
    await expect(runtime.invoke('Chatty', {})).rejects.toMatchObject({ name: 'LambdaServiceStoppedError' });
  });
});
