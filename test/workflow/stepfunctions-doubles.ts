import { Sha256 } from '@aws-crypto/sha256-js';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_ACCOUNT_ID, LOCAL_ADMIN_CREDENTIALS, LOCAL_REGION } from '../../local/config';
import { AwsServiceError, jsonProtocolService, type JsonProtocolVersion } from '../../local/server/aws-json';
import { startEndpoint, type Endpoint } from '../../local/server/endpoint';
import type { AwsRequest, AwsResponse, LocalService } from '../../local/server/types';
import { createStepFunctionsService, type StepFunctionsHandles } from '../../local/stepfunctions/service';

/**
 * Recording stand-ins for the services Task states call, served on the same endpoint as the
 * Step Functions service. They test the dispatcher's adapter (wire format, signing, error
 * mapping); the real DynamoDB, EventBridge and Lambda are wired by the local cloud.
 */

export interface RecordedCall {
  /** `DynamoDB_20120810.PutItem`, or `lambda:<function>` for Lambda's REST API. */
  readonly operation: string;
  readonly body: unknown;
  readonly authorization: string;
  /** The SigV4 signature recomputed from the request with the local admin secret matches. */
  readonly signatureValid: boolean;
  readonly request: AwsRequest;
}

interface PlannedFailure {
  readonly code: string;
  readonly message: string;
  readonly status: number;
}

type LambdaFunction = (payload: unknown) => unknown;

export class LambdaFunctionError extends Error {
  constructor(
    readonly errorType: string,
    message: string,
  ) {
    super(message);
    this.name = 'LambdaFunctionError';
  }
}

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

/** Recomputes the signature from what arrived; a correct signer and an intact request agree. */
export async function signatureMatches(request: AwsRequest): Promise<boolean> {
  const authorization = String(request.headers.authorization ?? '');
  const match = AUTHORIZATION.exec(authorization);
  const amzDate = String(request.headers['x-amz-date'] ?? '');
  if (!match || !/^\d{8}T\d{6}Z$/.test(amzDate)) return false;
  const [, accessKeyId, , region = '', service = '', signedHeaderList = ''] = match;
  if (accessKeyId !== LOCAL_ADMIN_CREDENTIALS.accessKeyId) return false;
  const headers: Record<string, string> = {};
  for (const name of signedHeaderList.split(';')) headers[name] = String(request.headers[name] ?? '');
  // A signed x-amz-content-sha256 stands in for the body in the signature, so it must match the body.
  const bodyHash = createHash('sha256').update(request.body).digest('hex');
  if (headers['x-amz-content-sha256'] !== undefined && headers['x-amz-content-sha256'] !== bodyHash) return false;
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const signer = new SignatureV4({ service, region, credentials: LOCAL_ADMIN_CREDENTIALS, sha256: Sha256 });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: headers.host ?? '',
      path: request.path,
      query: Object.fromEntries(request.query),
      headers,
      body: request.body.toString('utf8'),
    },
    { signingDate },
  );
  return signed.headers.authorization === authorization;
}

export class RecordingServices {
  readonly calls: RecordedCall[] = [];
  private readonly failures = new Map<string, PlannedFailure[]>();
  private readonly lambdaFunctions = new Map<string, LambdaFunction>();
  private readonly delays = new Map<string, number[]>();
  /** PutEvents answers with this many failed entries. */
  failedEventEntries = 0;

  /** The next call of `operation` (e.g. `DynamoDB_20120810.PutItem`) answers this AWS error. */
  failNext(operation: string, code: string, message: string, status = 400): void {
    const queue = this.failures.get(operation) ?? [];
    queue.push({ code, message, status });
    this.failures.set(operation, queue);
  }

  /** The next call of `operation` answers only after this many milliseconds. */
  delayNext(operation: string, ms: number): void {
    const queue = this.delays.get(operation) ?? [];
    queue.push(ms);
    this.delays.set(operation, queue);
  }

  defineFunction(name: string, fn: LambdaFunction): void {
    this.lambdaFunctions.set(name, fn);
  }

  reset(): void {
    this.calls.length = 0;
    this.failures.clear();
    this.delays.clear();
    this.lambdaFunctions.clear();
    this.failedEventEntries = 0;
  }

  callsOf(operation: string): RecordedCall[] {
    return this.calls.filter((call) => call.operation === operation);
  }

  services(): LocalService[] {
    return [
      this.jsonService('dynamodb', 'DynamoDB_20120810', '1.0', {
        PutItem: () => ({}),
        DeleteItem: () => ({}),
        UpdateItem: () => ({ Attributes: {} }),
        TransactWriteItems: () => ({}),
        GetItem: (input) => ({ Item: { PK: (input.Key as Record<string, unknown> | undefined)?.PK ?? { S: 'unknown' }, SK: { S: 'TENANT' } } }),
      }),
      this.jsonService('events', 'AWSEvents', '1.1', {
        PutEvents: (input) => {
          const entries = Array.isArray(input.Entries) ? input.Entries : [];
          return {
            FailedEntryCount: this.failedEventEntries,
            Entries: entries.map((_, index) =>
              index < this.failedEventEntries ? { ErrorCode: 'InternalFailure', ErrorMessage: 'entry failed' } : { EventId: `event-${index}` },
            ),
          };
        },
      }),
      this.jsonService('cognito-idp', 'AWSCognitoIdentityProviderService', '1.1', {
        AdminGetUser: (input) => ({ Username: input.Username, UserAttributes: [] }),
        // What the onboarding machine calls; AWS answers each with (nearly) nothing worth reading.
        CreateGroup: (input) => ({ Group: { GroupName: input.GroupName, UserPoolId: input.UserPoolId } }),
        DeleteGroup: () => ({}),
        AdminAddUserToGroup: () => ({}),
        AdminRemoveUserFromGroup: () => ({}),
        AdminUpdateUserAttributes: () => ({}),
      }),
      this.lambdaService(),
    ];
  }

  private jsonService(
    name: string,
    targetPrefix: string,
    version: JsonProtocolVersion,
    handlers: Record<string, (input: Record<string, unknown>) => unknown>,
  ): LocalService {
    const operations = Object.fromEntries(
      Object.entries(handlers).map(([operation, handler]) => [
        operation,
        async (input: Record<string, unknown>, request: AwsRequest) => {
          const key = `${targetPrefix}.${operation}`;
          await this.record(key, input, request);
          const delay = this.delays.get(key)?.shift();
          if (delay !== undefined) await new Promise((resolve) => setTimeout(resolve, delay));
          const failure = this.failures.get(key)?.shift();
          if (failure) throw new AwsServiceError(failure.code, failure.message, failure.status);
          return handler(input);
        },
      ]),
    );
    return jsonProtocolService({ name: `${name}-double`, targetPrefix, version, operations });
  }

  private lambdaService(): LocalService {
    const path = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
    return {
      name: 'lambda-double',
      canHandle: (request) => request.method === 'POST' && path.test(request.path),
      handle: async (request): Promise<AwsResponse> => {
        const functionName = decodeURIComponent(path.exec(request.path)?.[1] ?? '');
        const payload: unknown = request.body.length > 0 ? JSON.parse(request.body.toString('utf8')) : null;
        await this.record(`lambda:${functionName}`, payload, request);
        const fn = this.lambdaFunctions.get(functionName);
        if (!fn) {
          return {
            status: 404,
            headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'ResourceNotFoundException' },
            body: JSON.stringify({ Type: 'User', message: `Function not found: ${functionName}` }),
          };
        }
        try {
          return { status: 200, headers: { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' }, body: JSON.stringify(fn(payload)) };
        } catch (error) {
          const errorType = error instanceof LambdaFunctionError ? error.errorType : 'Error';
          return {
            status: 200,
            headers: { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' },
            body: JSON.stringify({ errorType, errorMessage: error instanceof Error ? error.message : String(error), trace: [] }),
          };
        }
      },
    };
  }

  private async record(operation: string, body: unknown, request: AwsRequest): Promise<void> {
    this.calls.push({
      operation,
      body,
      authorization: String(request.headers.authorization ?? ''),
      signatureValid: await signatureMatches(request),
      request,
    });
  }
}

export const SAMPLE_ASL = readFileSync(join(__dirname, '..', 'fixtures', 'sample-retry-catch.asl.json'), 'utf8');
export const SAMPLE_SUBSTITUTIONS = { TableName: 'tenants-table', EventBusName: 'control-plane' };

export interface Harness {
  readonly endpoint: Endpoint;
  readonly sfn: SFNClient;
  readonly stepFunctions: StepFunctionsHandles;
  readonly doubles: RecordingServices;
}

/** The Step Functions service and the recording doubles on one loopback endpoint, reached by a real SFNClient. */
export async function startHarness(): Promise<Harness> {
  const doubles = new RecordingServices();
  let url = '';
  const stepFunctions = createStepFunctionsService({
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT_ID,
    taskEndpoint: () => url,
    // No caller gate in front of these doubles: any keys sign.
    credentialsFor: () => LOCAL_ADMIN_CREDENTIALS,
    // Retry pauses would only slow the suite; the interpreter's backoff is not under test here.
    retryPauseMs: 0,
  });
  const endpoint = await startEndpoint({ port: 0, services: [stepFunctions.service, stepFunctions.faultService, ...doubles.services()] });
  url = endpoint.url;
  const sfn = new SFNClient({ endpoint: endpoint.url, region: LOCAL_REGION, credentials: LOCAL_ADMIN_CREDENTIALS, disableHostPrefix: true });
  return { endpoint, sfn, stepFunctions, doubles };
}

export async function stopHarness(harness: Harness | undefined): Promise<void> {
  harness?.sfn.destroy();
  await harness?.endpoint.stop();
}
