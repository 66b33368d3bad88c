import * as z from 'zod';
import type { AwsRequest, AwsResponse, LocalService } from './types';

/**
 * An error answered in the AWS JSON protocol shape: the SDK reads the code from `__type`
 * (or `x-amzn-ErrorType`) and turns it into an exception class of the same name.
 */
export class AwsServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    /** Extra members of the error shape, e.g. DynamoDB's `CancellationReasons`. */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AwsServiceError';
  }
}

export type JsonProtocolVersion = '1.0' | '1.1';

export function jsonResponse(body: unknown, version: JsonProtocolVersion, status = 200): AwsResponse {
  return {
    status,
    headers: { 'content-type': `application/x-amz-json-${version}` },
    body: JSON.stringify(body ?? {}),
  };
}

export function jsonErrorResponse(error: AwsServiceError, version: JsonProtocolVersion): AwsResponse {
  return {
    status: error.status,
    headers: { 'content-type': `application/x-amz-json-${version}`, 'x-amzn-errortype': error.code },
    body: JSON.stringify({ __type: error.code, message: error.message, ...error.extra }),
  };
}

/** A JSON-protocol request's input; a body that is not JSON is AWS's `SerializationException`. */
export function parseJsonBody(request: AwsRequest): Record<string, unknown> {
  if (request.body.length === 0) return {};
  try {
    return JSON.parse(request.body.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new AwsServiceError('SerializationException', 'The request body is not valid JSON');
  }
}

export type JsonOperation = (input: Record<string, unknown>, request: AwsRequest) => Promise<unknown>;

/**
 * A service speaking an AWS JSON protocol (`X-Amz-Target: <prefix>.<Operation>`, JSON body).
 * Unknown operations answer `UnknownOperationException` as AWS does.
 */
export function jsonProtocolService(options: {
  name: string;
  targetPrefix: string;
  version: JsonProtocolVersion;
  operations: Record<string, JsonOperation>;
  stop?: () => Promise<void>;
}): LocalService {
  const { name, targetPrefix, version, operations } = options;
  return {
    name,
    // AWS's JSON protocols are POST only; another method naming an operation is nobody's request.
    canHandle: (request) => request.method === 'POST' && (request.target?.startsWith(`${targetPrefix}.`) ?? false),
    async handle(request) {
      const operationName = request.target?.slice(targetPrefix.length + 1) ?? '';
      const operation = Object.hasOwn(operations, operationName) ? operations[operationName] : undefined;
      if (!operation) {
        return jsonErrorResponse(new AwsServiceError('UnknownOperationException', `${name} does not support ${operationName} locally`), version);
      }
      try {
        return jsonResponse(await operation(parseJsonBody(request), request), version);
      } catch (error) {
        if (error instanceof AwsServiceError) return jsonErrorResponse(error, version);
        throw error;
      }
    },
    ...(options.stop ? { stop: options.stop } : {}),
  };
}

/** A local control request's JSON body, checked by its schema: the data, or the error a 400 answers. */
export type ControlBody<T> = { readonly ok: true; readonly data: T } | { readonly ok: false; readonly error: { readonly __type: string; readonly message: string } };

export function controlBody<S extends z.ZodType>(request: AwsRequest, schema: S): ControlBody<z.infer<S>> {
  let body: unknown;
  try {
    body = JSON.parse(request.body.toString('utf8'));
  } catch {
    return { ok: false, error: { __type: 'SerializationException', message: 'The request body is not valid JSON' } };
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) return { ok: false, error: { __type: 'ValidationException', message: z.prettifyError(parsed.error) } };
  return { ok: true, data: parsed.data };
}

const controlJson = (status: number, body: unknown): AwsResponse => ({ status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/**
 * A fault injector over HTTP, for tests running in another process than the local cloud:
 * `POST {path}` with a fault spec checked by `schema`, `DELETE {path}` to clear them all. Both
 * services' injectors (Step Functions, Lambda) are served this way; no AWS protocol uses the path,
 * so only the local administrator reaches it (the caller gate).
 */
export function faultControlService<S extends z.ZodType>(spec: {
  readonly name: string;
  readonly path: string;
  readonly schema: S;
  readonly injector: { inject(fault: z.infer<S>): unknown; clear(): void };
}): LocalService {
  return {
    name: spec.name,
    canHandle: (request) => request.path === spec.path && (request.method === 'POST' || request.method === 'DELETE'),
    async handle(request) {
      if (request.method === 'DELETE') {
        spec.injector.clear();
        return controlJson(200, {});
      }
      const body = controlBody(request, spec.schema);
      if (!body.ok) return controlJson(400, body.error);
      spec.injector.inject(body.data);
      return controlJson(200, { injected: body.data });
    },
  };
}
