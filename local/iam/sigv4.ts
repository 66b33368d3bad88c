import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { CredentialStore, IssuedCredentials } from './credential-store';

/**
 * SigV4 verification for requests signed with the `Authorization` header, as AWS services do it.
 * Written by hand with node:crypto rather than by re-signing with @smithy/signature-v4: the smithy
 * signer decides for itself which headers to sign, while a verifier must sign exactly the headers
 * the client listed. The tests sign with smithy, so the two implementations check each other.
 */

const ALGORITHM = 'AWS4-HMAC-SHA256';
/** AWS rejects a request whose signing time is more than 15 minutes away from its own clock. */
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/** Authentication failures, each carrying the error code the AWS service answers with. */
export abstract class SigV4AuthenticationError extends Error {
  abstract readonly awsCode: string;
}

export class MissingAuthenticationTokenError extends SigV4AuthenticationError {
  readonly awsCode = 'MissingAuthenticationTokenException';
  constructor() {
    super('Request is missing Authentication Token');
    this.name = 'MissingAuthenticationTokenError';
  }
}

/** The `Authorization` header is present but not a well-formed SigV4 header. */
export class IncompleteSignatureError extends SigV4AuthenticationError {
  readonly awsCode = 'IncompleteSignatureException';
  constructor(detail: string) {
    super(detail);
    this.name = 'IncompleteSignatureError';
  }
}

export class InvalidSignatureError extends SigV4AuthenticationError {
  readonly awsCode = 'InvalidSignatureException';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSignatureError';
  }
}

/** A session key this machine never issued, or whose session token does not match. */
export class UnrecognizedClientError extends SigV4AuthenticationError {
  readonly awsCode = 'UnrecognizedClientException';
  constructor() {
    super('The security token included in the request is invalid');
    this.name = 'UnrecognizedClientError';
  }
}

export class ExpiredTokenError extends SigV4AuthenticationError {
  readonly awsCode = 'ExpiredTokenException';
  constructor() {
    super('The security token included in the request is expired');
    this.name = 'ExpiredTokenError';
  }
}

export interface ParsedAuthorization {
  readonly accessKeyId: string;
  /** `YYYYMMDD` from the credential scope. */
  readonly scopeDate: string;
  readonly region: string;
  readonly service: string;
  /** Lower-case header names, in the order the client listed them. */
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

/** What verification needs from a request: the shape of `AwsRequest`, narrowed. */
export interface SignedRequest {
  readonly method: string;
  /** The path as it came over the wire (still percent-encoded). */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export function parseAuthorization(header: string): ParsedAuthorization {
  const trimmed = header.trim();
  if (!trimmed.startsWith(`${ALGORITHM} `)) {
    throw new IncompleteSignatureError(`Authorization header requires the ${ALGORITHM} algorithm`);
  }
  const fields = new Map<string, string>();
  for (const part of trimmed.slice(ALGORITHM.length).split(',')) {
    const separator = part.indexOf('=');
    if (separator > 0) fields.set(part.slice(0, separator).trim(), part.slice(separator + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || !signedHeaders || !signature) {
    throw new IncompleteSignatureError(
      "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters",
    );
  }
  // The access key id itself never contains '/', so the scope is always the last four parts.
  const scope = credential.split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request') {
    throw new IncompleteSignatureError(`Credential should be scoped to a valid region, service and date: '${credential}'`);
  }
  const [accessKeyId = '', scopeDate = '', region = '', service = ''] = scope;
  return {
    accessKeyId,
    scopeDate,
    region,
    service,
    signedHeaders: signedHeaders.split(';').map((name) => name.toLowerCase()),
    signature: signature.toLowerCase(),
  };
}

const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 encoding, which SigV4 requires and `encodeURIComponent` falls short of for `!'()*`. */
const uriEncode = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * Services other than S3 sign the path encoded twice: the SDK's path is already encoded once
 * (that is what arrives on the wire) and the signer encodes it again, keeping the slashes.
 */
const canonicalPath = (wirePath: string): string =>
  wirePath
    .split('/')
    .map((segment) => uriEncode(segment))
    .join('/') || '/';

const canonicalQuery = (query: URLSearchParams): string =>
  [...query.entries()]
    .map(([key, value]) => [uriEncode(key), uriEncode(value)] as const)
    .sort(([k1, v1], [k2, v2]) => (k1 < k2 ? -1 : k1 > k2 ? 1 : v1 < v2 ? -1 : v1 > v2 ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');

const headerValue = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
};

/** `20240102T030405Z` → Date, or undefined if it is not in that form. */
function parseAmzDate(value: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s));
}

const formatAmzDate = (date: Date): string => date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

/** The signature the client should have sent, given the secret it claims to hold. */
export function expectedSignature(request: SignedRequest, auth: ParsedAuthorization, amzDate: string, secretAccessKey: string): string {
  const canonicalHeaders = auth.signedHeaders
    .map((name) => `${name}:${(headerValue(request.headers, name) ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalPath(request.path),
    canonicalQuery(request.query),
    canonicalHeaders,
    auth.signedHeaders.join(';'),
    sha256Hex(request.body),
  ].join('\n');
  const scope = `${auth.scopeDate}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = [ALGORITHM, amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, auth.scopeDate), auth.region), auth.service), 'aws4_request');
  return createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
}

const constantTimeEquals = (a: string, b: string): boolean => {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
};

/**
 * Checks the signature of a request against a known secret: the scope, the signing time (within
 * 15 minutes of `now`), and the signature itself, compared in constant time.
 */
export function verifySignature(
  request: SignedRequest,
  auth: ParsedAuthorization,
  secretAccessKey: string,
  options: { region: string; service: string; now: Date },
): void {
  if (auth.service !== options.service) {
    throw new InvalidSignatureError(`Credential should be scoped to correct service: '${options.service}'.`);
  }
  if (auth.region !== options.region) {
    throw new InvalidSignatureError(`Credential should be scoped to a valid region.`);
  }
  if (!auth.signedHeaders.includes('host')) {
    throw new InvalidSignatureError("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  const amzDate = headerValue(request.headers, 'x-amz-date');
  const signedAt = amzDate === undefined ? undefined : parseAmzDate(amzDate);
  if (amzDate === undefined || signedAt === undefined || !auth.signedHeaders.includes('x-amz-date')) {
    throw new IncompleteSignatureError("Authorization header requires a signed 'X-Amz-Date' header in the form YYYYMMDD'T'HHMMSS'Z'.");
  }
  if (!amzDate.startsWith(auth.scopeDate)) {
    throw new InvalidSignatureError(`Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.scopeDate}' != '${amzDate.slice(0, 8)}'`);
  }
  const skew = signedAt.getTime() - options.now.getTime();
  if (skew < -MAX_CLOCK_SKEW_MS) {
    const earliest = new Date(options.now.getTime() - MAX_CLOCK_SKEW_MS);
    throw new InvalidSignatureError(
      `Signature expired: ${amzDate} is now earlier than ${formatAmzDate(earliest)} (${formatAmzDate(options.now)} - 15 min.)`,
    );
  }
  if (skew > MAX_CLOCK_SKEW_MS) {
    const latest = new Date(options.now.getTime() + MAX_CLOCK_SKEW_MS);
    throw new InvalidSignatureError(
      `Signature not yet current: ${amzDate} is still later than ${formatAmzDate(latest)} (${formatAmzDate(options.now)} + 15 min.)`,
    );
  }
  if (!constantTimeEquals(expectedSignature(request, auth, amzDate, secretAccessKey), auth.signature)) {
    throw new InvalidSignatureError(
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
  }
}

/** Who signed a request: the local administrator, or a principal holding issued session credentials. */
export type Caller = { readonly kind: 'admin'; readonly accessKeyId: string } | { readonly kind: 'session'; readonly credentials: IssuedCredentials };

/** AWS marks temporary (STS) access keys with this prefix; the credential store issues keys the same way. */
const SESSION_KEY_PREFIX = 'ASIA';

/**
 * Authenticates a request against the credentials this machine issued.
 *
 * Keys the store issued are verified in full (token, expiry, clock skew, signature). Any other
 * key acts as the local administrator without verification, as every key does against DynamoDB
 * Local itself. An `ASIA…` key the store does not know is refused rather than treated as the
 * administrator: after a restart of the local cloud, a tenant's old credentials must not gain
 * administrator rights.
 */
export function authenticate(
  request: SignedRequest,
  store: CredentialStore,
  options: { region: string; service: string; now: Date },
): Caller {
  const header = headerValue(request.headers, 'authorization');
  if (header === undefined || header.trim() === '') throw new MissingAuthenticationTokenError();
  const auth = parseAuthorization(header);
  const credentials = store.lookup(auth.accessKeyId);
  if (!credentials) {
    if (auth.accessKeyId.startsWith(SESSION_KEY_PREFIX)) throw new UnrecognizedClientError();
    return { kind: 'admin', accessKeyId: auth.accessKeyId };
  }
  const token = headerValue(request.headers, 'x-amz-security-token');
  if (token === undefined || !constantTimeEquals(token, credentials.sessionToken)) throw new UnrecognizedClientError();
  if (store.isExpired(credentials)) throw new ExpiredTokenError();
  verifySignature(request, auth, credentials.secretAccessKey, options);
  return { kind: 'session', credentials };
}
