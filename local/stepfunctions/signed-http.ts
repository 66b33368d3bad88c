import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Issued session credentials (a state machine's role) carry one; the local administrator's keys do not. */
  readonly sessionToken?: string;
}

export interface OutgoingRequest {
  readonly signingName: string;
  /** Already URI-encoded, as an SDK builds it; the signer encodes it once more, as SigV4 wants. */
  readonly path: string;
  readonly query?: Record<string, string>;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface IncomingResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * Sends POSTs to the local AWS endpoint signed with SigV4 exactly as an SDK client would, so the
 * endpoint's signature check and IAM evaluation treat Step Functions like any other caller. Each
 * call is signed with the credentials of the role it runs as (the state machine's).
 */
export class SignedHttpClient {
  constructor(
    private readonly options: {
      readonly endpoint: () => string;
      readonly region: string;
    },
  ) {}

  async post(outgoing: OutgoingRequest, credentials: Credentials): Promise<IncomingResponse> {
    // Resolved per call: the endpoint's port is only known once it listens, after this client exists.
    const url = new URL(this.options.endpoint());
    const query = outgoing.query ?? {};
    const unsigned = {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: outgoing.path,
      query,
      headers: { ...outgoing.headers, host: url.host, 'content-length': String(Buffer.byteLength(outgoing.body)) },
      body: outgoing.body,
    };
    // A signer per call: credentials rotate (a role's session expires), and signing costs microseconds.
    const signer = new SignatureV4({ service: outgoing.signingName, region: this.options.region, credentials, sha256: Sha256 });
    const signed = await signer.sign(unsigned);
    const search = new URLSearchParams(query).toString();
    return send(url, `${outgoing.path}${search ? `?${search}` : ''}`, signed.headers, outgoing.body);
  }

}

function send(url: URL, pathAndQuery: string, headers: Record<string, string>, body: string): Promise<IncomingResponse> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { method: 'POST', hostname: url.hostname, port: url.port || undefined, path: pathAndQuery, headers },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
