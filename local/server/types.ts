import type { IncomingHttpHeaders } from 'node:http';

/** One HTTP request to the AWS-compatible endpoint, with its body read in full. */
export interface AwsRequest {
  readonly method: string;
  /** The path without the query string, e.g. `/` or `/2015-03-31/functions/f/invocations`. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Node's lower-cased header map. */
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** The `X-Amz-Target` header, when the request has one (JSON protocols). */
  readonly target: string | undefined;
}

export interface AwsResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: Buffer | string;
}

/**
 * A service behind the single endpoint. The router asks each service in turn whether a request
 * is its own (by `X-Amz-Target` prefix or by path), so a service owns its protocol end to end.
 */
export interface LocalService {
  readonly name: string;
  canHandle(request: AwsRequest): boolean;
  handle(request: AwsRequest): Promise<AwsResponse>;
  stop?(): Promise<void>;
}
