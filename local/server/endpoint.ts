import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { assertUsablePort } from './ports';
import type { AwsRequest, AwsResponse, LocalService } from './types';
import { xmlText } from './xml';

/** A port that another process holds: said plainly instead of Node's EADDRINUSE stack. */
export class PortInUseError extends Error {
  constructor(readonly port: number, readonly what: string) {
    super(`Port ${port} (${what}) is already in use. Stop whatever holds it, or choose another port with --port.`);
    this.name = 'PortInUseError';
  }
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'] as const;

/**
 * Whether a request's `Host` names this server. A web page on any site whose name its owner
 * points at 127.0.0.1 (DNS rebinding) can reach a loopback server from a developer's browser, but
 * its requests carry that site's name: serving only loopback names keeps such a page out.
 */
export function servesHost(hostHeader: string | undefined, port: number): boolean {
  const host = hostHeader?.toLowerCase();
  return LOOPBACK_NAMES.some((name) => host === `${name}:${port}`);
}

export const foreignHostMessage = (hostHeader: string | undefined, port: number): string =>
  `Host ${JSON.stringify(hostHeader ?? '')} is not this server: only 127.0.0.1:${port} and localhost:${port} are served (DNS rebinding protection)`;

export async function readBody(message: IncomingMessage, limitBytes = 16 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of message) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limitBytes) throw new Error(`request body over ${limitBytes} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

export async function toAwsRequest(message: IncomingMessage): Promise<AwsRequest> {
  const url = new URL(message.url ?? '/', 'http://localhost');
  const target = message.headers['x-amz-target'];
  return {
    method: message.method ?? 'GET',
    path: url.pathname,
    query: url.searchParams,
    headers: message.headers,
    body: await readBody(message),
    target: Array.isArray(target) ? target[0] : target,
  };
}

export function writeAwsResponse(res: ServerResponse, response: AwsResponse): void {
  const body = response.body ?? '';
  res.writeHead(response.status, {
    'x-amzn-requestid': crypto.randomUUID(),
    ...response.headers,
    'content-length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}

export async function listen(server: Server, port: number, host: string, what: string): Promise<number> {
  assertUsablePort(port, what);
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(port, what) : error);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
  return (server.address() as AddressInfo).port;
}

export async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/**
 * What no local service handles, answered so that the client can read it: a query-protocol call (a
 * form POST naming an `Action`: IAM, STS, the older SQS) gets the query protocol's XML error, as
 * those services answer an action they lack; anything else AWS's JSON error shape, which the JSON
 * and REST-JSON clients read from `x-amzn-errortype` and the body.
 */
export function unknownOperation(request: AwsRequest): AwsResponse {
  const what = `${request.method} ${request.path}${request.target ? ` (${request.target})` : ''}`;
  const form = request.method === 'POST' && request.target === undefined && String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
  const action = form ? new URLSearchParams(request.body.toString('utf8')).get('Action') : null;
  if (action !== null) {
    const message = xmlText(`No local service handles the action ${action} (${what})`);
    return {
      status: 400,
      headers: { 'content-type': 'text/xml' },
      body: `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>${message}</Message></Error><RequestId>${crypto.randomUUID()}</RequestId></ErrorResponse>`,
    };
  }
  return {
    status: 400,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'UnknownOperationException' },
    body: JSON.stringify({ __type: 'UnknownOperationException', message: `No local service handles ${what}` }),
  };
}

export interface Endpoint {
  readonly url: string;
  readonly port: number;
  /** Services can be added after start, e.g. once a child emulator is up. */
  addService(service: LocalService): void;
  /**
   * Requests served so far, by operation (`DynamoDB_20120810.GetItem`, `POST /2015-03-31/functions/…`):
   * what the benchmarks count AWS calls with.
   */
  requestCounts(): ReadonlyMap<string, number>;
  stop(): Promise<void>;
}

/**
 * Decides, before a service runs, whether its caller may make the request (local/iam/caller-gate.ts):
 * undefined lets it through, a response is the refusal sent instead.
 */
export interface RequestGate {
  /** A refusal, or undefined to let the service that claimed the request (by its name) run it. */
  check(request: AwsRequest, claimedBy: string): AwsResponse | undefined;
}

export interface EndpointOptions {
  readonly port: number;
  readonly host?: string;
  readonly services?: LocalService[];
  /** Every claimed request passes it first; without one (component tests) services see every caller. */
  readonly gate?: RequestGate;
}

/**
 * The single AWS-compatible endpoint: every request goes to the first service that claims it,
 * once the gate allows it. Anything unclaimed gets an AWS-shaped error rather than a hang, so a
 * client learns which operation the local cloud lacks; nothing runs for it, so it is answered
 * whoever asks.
 */
export async function startEndpoint(options: EndpointOptions): Promise<Endpoint> {
  const host = options.host ?? '127.0.0.1';
  const services: LocalService[] = [...(options.services ?? [])];
  const counts = new Map<string, number>();
  let boundPort = options.port;
  const server = createServer((req, res) => {
    void (async () => {
      try {
        if (!servesHost(req.headers.host, boundPort)) {
          writeAwsResponse(res, {
            status: 403,
            headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'AccessDeniedException' },
            body: JSON.stringify({ __type: 'AccessDeniedException', message: foreignHostMessage(req.headers.host, boundPort) }),
          });
          return;
        }
        const request = await toAwsRequest(req);
        const operation = request.target ?? `${request.method} ${request.path}`;
        counts.set(operation, (counts.get(operation) ?? 0) + 1);
        const service = services.find((candidate) => candidate.canHandle(request));
        if (!service) {
          writeAwsResponse(res, unknownOperation(request));
          return;
        }
        const refusal = options.gate?.check(request, service.name);
        writeAwsResponse(res, refusal ?? (await service.handle(request)));
      } catch (error) {
        // A bug in a local service must reach the client as a 500 it can read, and the console.
        console.error('[local] endpoint error:', error);
        if (!res.headersSent) {
          writeAwsResponse(res, {
            status: 500,
            headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'InternalFailure' },
            body: JSON.stringify({ __type: 'InternalFailure', message: error instanceof Error ? error.message : String(error) }),
          });
        } else {
          res.destroy();
        }
      }
    })();
  });
  server.keepAliveTimeout = 5_000;
  const port = await listen(server, options.port, host, 'AWS endpoint');
  boundPort = port;
  return {
    url: `http://${host}:${port}`,
    port,
    addService: (service) => services.push(service),
    requestCounts: () => counts,
    async stop() {
      await close(server);
      for (const service of services) await service.stop?.();
    },
  };
}
