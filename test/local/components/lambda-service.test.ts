import { InvokeCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { join } from 'node:path';
import { LOCAL_ADMIN_CREDENTIALS, LOCAL_REGION } from '../../../local/config';
import { createLambdaService } from '../../../local/lambda/lambda-service';
import { startEndpoint, type Endpoint } from '../../../local/server/endpoint';

describe('local Lambda API', () => {
  let endpoint: Endpoint;
  let lambda: LambdaClient;
  const runtime = createLambdaService({
    region: LOCAL_REGION,
    accountId: '000000000000',
    projectRoot: join(__dirname, '..', '..', '..'),
    functions: [{ name: 'Echo', entry: 'test/fixtures/functions/echo.ts', environment: [], timeoutSeconds: 0.2, memoryMb: 128 }],
    environmentOf: () => ({ variables: {} }),
  });

  beforeAll(async () => {
    endpoint = await startEndpoint({ port: 0, services: [runtime.service] });
    lambda = new LambdaClient({ endpoint: endpoint.url, region: LOCAL_REGION, credentials: LOCAL_ADMIN_CREDENTIALS });
  });
  afterAll(async () => {
    lambda.destroy();
    await endpoint.stop();
    await runtime.service.stop?.();
  });

  const decode = (payload: Uint8Array | undefined): unknown => JSON.parse(Buffer.from(payload ?? []).toString('utf8'));

  it('invokes the handler with the payload and a Lambda context', async () => {
    const result = await lambda.send(new InvokeCommand({ FunctionName: 'Echo', Payload: JSON.stringify({ mode: 'echo', n: 1 }) }));

    expect(result.StatusCode).toBe(200);
    expect(result.FunctionError).toBeUndefined();
    expect(decode(result.Payload)).toEqual({ received: { mode: 'echo', n: 1 }, functionName: 'Echo', remainingPositive: true });
  });

  it('accepts the function ARN as the name', async () => {
    const result = await lambda.send(new InvokeCommand({ FunctionName: runtime.arnOf('Echo'), Payload: '{}' }));

    expect(result.StatusCode).toBe(200);
  });

  it('reports a handler error as an Unhandled function error with its type and no stack', async () => {
    const result = await lambda.send(new InvokeCommand({ FunctionName: 'Echo', Payload: JSON.stringify({ mode: 'fail' }) }));

    expect(result.FunctionError).toBe('Unhandled');
    expect(decode(result.Payload)).toEqual({ errorType: 'PurposeError', errorMessage: 'the function failed on purpose' });
  });

  it('stops a handler at its timeout', async () => {
    const result = await lambda.send(new InvokeCommand({ FunctionName: 'Echo', Payload: JSON.stringify({ mode: 'slow' }) }));

    expect(result.FunctionError).toBe('Unhandled');
    expect(decode(result.Payload)).toMatchObject({ errorType: 'Sandbox.Timedout' });
  });

  it('answers ResourceNotFoundException for an unknown function', async () => {
    await expect(lambda.send(new InvokeCommand({ FunctionName: 'Nope', Payload: '{}' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('accepts an asynchronous invocation with 202', async () => {
    const result = await lambda.send(new InvokeCommand({ FunctionName: 'Echo', InvocationType: 'Event', Payload: '{}' }));

    expect(result.StatusCode).toBe(202);
  });
});
