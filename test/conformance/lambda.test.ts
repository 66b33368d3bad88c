import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FUNCTIONS } from '../../handlers/catalog';
import { LOCAL_ACCOUNT_ID } from '../../local/config';
import { aws, awsJson, outputs, SERVICE_ERROR_EXIT_CODES, tempFile } from './environment';

interface FunctionConfiguration {
  FunctionName: string;
  FunctionArn: string;
  Timeout: number;
  MemorySize: number;
}

const functionArn = (name: string): string => `arn:aws:lambda:${outputs().region}:${LOCAL_ACCOUNT_ID}:function:${name}`;
const catalog = Object.values(FUNCTIONS);

/** `aws lambda invoke`: the response fields on stdout, the function's answer in the outfile. */
async function invoke(functionName: string, payload: unknown, extra: readonly string[] = []): Promise<{ response: Record<string, unknown>; answer: unknown }> {
  const payloadFile = tempFile('payload.json', JSON.stringify(payload));
  const outfile = join(dirname(payloadFile), 'answer.json');
  // fileb:// is read as bytes by aws-cli v1 and v2 alike (v2 would take an inline --payload as base64).
  const response = await awsJson(['lambda', 'invoke', '--function-name', functionName, '--payload', `fileb://${payloadFile}`, ...extra, outfile]);
  return { response, answer: JSON.parse(readFileSync(outfile, 'utf8')) as unknown };
}

// it.concurrent: every test is independent and costs a CLI start-up (a Python process, ~1 s): they overlap.
describe('aws lambda', () => {
  it.concurrent('list-functions lists every function of the catalog, each with its ARN, timeout and memory', async () => {
    // Functions[] of FunctionConfiguration: https://docs.aws.amazon.com/lambda/latest/api/API_ListFunctions.html
    const { Functions } = await awsJson<{ Functions: FunctionConfiguration[] }>(['lambda', 'list-functions']);

    const listed = Functions.map(({ FunctionName, FunctionArn, Timeout, MemorySize }) => ({ FunctionName, FunctionArn, Timeout, MemorySize }));
    expect(listed.sort((a, b) => a.FunctionName.localeCompare(b.FunctionName))).toEqual(
      catalog
        .map((entry) => ({ FunctionName: entry.name, FunctionArn: functionArn(entry.name), Timeout: entry.timeoutSeconds, MemorySize: entry.memoryMb }))
        .sort((a, b) => a.FunctionName.localeCompare(b.FunctionName)),
    );
  });

  it.concurrent('get-function answers the Configuration of $LATEST, active, with its timeout and memory', async () => {
    const reconciler = FUNCTIONS.reconciler;

    const { Configuration } = await awsJson<{ Configuration: Record<string, unknown> }>(['lambda', 'get-function', '--function-name', reconciler.name]);

    // https://docs.aws.amazon.com/lambda/latest/api/API_GetFunction.html (Configuration: FunctionConfiguration)
    expect(Configuration).toMatchObject({
      FunctionName: reconciler.name,
      FunctionArn: functionArn(reconciler.name),
      Version: '$LATEST',
      State: 'Active',
      LastUpdateStatus: 'Successful',
      PackageType: 'Zip',
      Timeout: reconciler.timeoutSeconds,
      MemorySize: reconciler.memoryMb,
    });
  });

  it.concurrent('get-function of an unknown function fails with ResourceNotFoundException naming its ARN', async () => {
    const result = await aws(['lambda', 'get-function', '--function-name', 'NoSuchFunction']);

    // GetFunction's errors: https://docs.aws.amazon.com/lambda/latest/api/API_GetFunction.html#API_GetFunction_Errors
    expect(SERVICE_ERROR_EXIT_CODES).toContain(result.exitCode);
    expect(result.error).toEqual({ code: 'ResourceNotFoundException', operation: 'GetFunction', message: `Function not found: ${functionArn('NoSuchFunction')}` });
  });

  it.concurrent('invoke answers StatusCode 200 and $LATEST, and writes the function\'s answer to the outfile', async () => {
    const { response, answer } = await invoke(FUNCTIONS.auditWriter.name, {});

    // https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_ResponseSyntax
    expect(response).toEqual({ StatusCode: 200, ExecutedVersion: '$LATEST' });
    expect(answer).toEqual(expect.any(Object));
  });

  it.concurrent("invoke --log-type Tail adds LogResult: the invocation's log, base64, START to REPORT", async () => {
    const { response } = await invoke(FUNCTIONS.auditWriter.name, {}, ['--log-type', 'Tail']);

    // LogResult, "the last 4 KB of the execution log, which is base64-encoded", with LogType Tail:
    // https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html; the log lines Lambda writes
    // around each invocation: https://docs.aws.amazon.com/lambda/latest/dg/nodejs-logging.html
    expect(response).toEqual({ StatusCode: 200, ExecutedVersion: '$LATEST', LogResult: expect.any(String) });
    const log = Buffer.from(String(response.LogResult), 'base64').toString('utf8');
    expect(Buffer.byteLength(log)).toBeLessThanOrEqual(4096);
    expect(log).toMatch(/^START RequestId: (\S+) Version: \$LATEST\n[\s\S]*END RequestId: \1\nREPORT RequestId: \1\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: \d+ MB\tMax Memory Used: \d+ MB/);
  });

  it.concurrent('invoke of a function that throws still answers 200, with FunctionError Unhandled and the error document', async () => {
    const refused = { type: 'REQUEST', methodArn: `arn:aws:execute-api:${outputs().region}:${LOCAL_ACCOUNT_ID}:api/local/GET/me`, headers: {} };

    const { response, answer } = await invoke(FUNCTIONS.authorizer.name, refused);

    // An error the function throws: X-Amz-Function-Error "Unhandled", the runtime's errorType/errorMessage as the payload.
    expect(response).toEqual({ StatusCode: 200, FunctionError: 'Unhandled', ExecutedVersion: '$LATEST' });
    // The Node.js runtime's error document: https://docs.aws.amazon.com/lambda/latest/dg/nodejs-exceptions.html (AWS adds a `trace`).
    expect(answer).toMatchObject({ errorType: expect.any(String), errorMessage: 'Unauthorized' });
  });
});
