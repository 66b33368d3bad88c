import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { CredentialStore, type IssuedCredentials } from '../../local/iam/credential-store';
import {
  authenticate,
  ExpiredTokenError,
  IncompleteSignatureError,
  InvalidSignatureError,
  MissingAuthenticationTokenError,
  UnrecognizedClientError,
  type SignedRequest,
} from '../../local/iam/sigv4';

const NOW = new Date('2025-03-01T12:00:00Z');
const REGION = 'us-east-1';
const VERIFY = { region: REGION, service: 'dynamodb', now: NOW };

interface Unsigned {
  path?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
}

/** Signs as the AWS SDK does (smithy's SignatureV4), then shapes the result as the endpoint receives it. */
async function signedRequest(
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  unsigned: Unsigned = {},
  signingDate: Date = NOW,
): Promise<SignedRequest> {
  const body = unsigned.body ?? '{"TableName":"ControlPlane","Key":{"PK":{"S":"TENANT#A"},"SK":{"S":"TENANT"}}}';
  const signer = new SignatureV4({ credentials, region: REGION, service: 'dynamodb', sha256: Sha256 });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 4566,
      path: unsigned.path ?? '/',
      query: unsigned.query ?? {},
      headers: {
        host: '127.0.0.1:4566',
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.GetItem',
        ...unsigned.headers,
      },
      body,
    },
    { signingDate },
  );
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) headers[name.toLowerCase()] = value;
  return {
    method: signed.method,
    path: signed.path,
    query: new URLSearchParams(unsigned.query ?? {}),
    headers,
    body: Buffer.from(body),
  };
}

function issue(store: CredentialStore, ttlSeconds = 3600): IssuedCredentials {
  return store.issue({
    roleArn: 'arn:aws:iam::000000000000:role/TenantRole',
    sessionName: 'CognitoIdentityCredentials',
    identityId: 'us-east-1:identity',
    principalTags: { tenant_id: 'A', user_id: 'u1' },
    ttlSeconds,
  });
}

describe('SigV4 verification of issued session credentials', () => {
  let store: CredentialStore;
  let credentials: IssuedCredentials;

  beforeEach(() => {
    store = new CredentialStore(() => NOW);
    credentials = issue(store);
  });

  it('accepts a request signed by the AWS SDK signer and names the session', async () => {
    const request = await signedRequest(credentials);

    const caller = authenticate(request, store, VERIFY);

    expect(caller).toEqual({ kind: 'session', credentials });
  });

  it('accepts a signed path and query string that need encoding', async () => {
    const request = await signedRequest(credentials, {
      path: '/2015-03-31/functions/my%20function/invocations',
      query: { Qualifier: 'v1 (live)*', 'a key': 'b=c' },
    });

    const caller = authenticate(request, store, VERIFY);

    expect(caller.kind).toBe('session');
  });

  it('rejects a body changed after signing', async () => {
    const request = await signedRequest(credentials);
    const tampered = { ...request, body: Buffer.from(request.body.toString().replace('TENANT#A', 'TENANT#B')) };

    expect(() => authenticate(tampered, store, VERIFY)).toThrow(InvalidSignatureError);
  });

  it('rejects a signed header changed after signing', async () => {
    const request = await signedRequest(credentials);
    const tampered = { ...request, headers: { ...request.headers, 'x-amz-target': 'DynamoDB_20120810.DeleteItem' } };

    expect(() => authenticate(tampered, store, VERIFY)).toThrow(InvalidSignatureError);
  });

  it('ignores headers the client did not sign', async () => {
    const request = await signedRequest(credentials);
    const withProxyHeader = { ...request, headers: { ...request.headers, 'x-forwarded-for': '10.0.0.1' } };

    expect(authenticate(withProxyHeader, store, VERIFY).kind).toBe('session');
  });

  it('rejects an x-amz-date changed after signing', async () => {
    const request = await signedRequest(credentials);
    const tampered = { ...request, headers: { ...request.headers, 'x-amz-date': '20250301T120100Z' } };

    expect(() => authenticate(tampered, store, VERIFY)).toThrow(InvalidSignatureError);
  });

  it('rejects a signature made more than 15 minutes ago, as AWS words it', async () => {
    const request = await signedRequest(credentials, {}, new Date(NOW.getTime() - 16 * 60_000));

    expect(() => authenticate(request, store, VERIFY)).toThrow(
      'Signature expired: 20250301T114400Z is now earlier than 20250301T114500Z (20250301T120000Z - 15 min.)',
    );
  });

  it('rejects a signature dated more than 15 minutes ahead', async () => {
    const request = await signedRequest(credentials, {}, new Date(NOW.getTime() + 16 * 60_000));

    expect(() => authenticate(request, store, VERIFY)).toThrow(/^Signature not yet current/);
  });

  it('accepts a signature made 14 minutes ago', async () => {
    const request = await signedRequest(credentials, {}, new Date(NOW.getTime() - 14 * 60_000));

    expect(authenticate(request, store, VERIFY).kind).toBe('session');
  });

  it('rejects a signature made with the wrong secret', async () => {
    const request = await signedRequest({ ...credentials, secretAccessKey: `${credentials.secretAccessKey}x` });

    expect(() => authenticate(request, store, VERIFY)).toThrow(InvalidSignatureError);
  });

  it('rejects a credential scoped to another service or region', async () => {
    const request = await signedRequest(credentials);

    expect(() => authenticate(request, store, { ...VERIFY, service: 'lambda' })).toThrow(InvalidSignatureError);
    expect(() => authenticate(request, store, { ...VERIFY, region: 'eu-west-1' })).toThrow(InvalidSignatureError);
  });

  it('answers ExpiredTokenException once the credentials have expired', async () => {
    const expired = issue(store, -1);
    const request = await signedRequest(expired);

    expect(() => authenticate(request, store, VERIFY)).toThrow(ExpiredTokenError);
  });

  it('rejects a session token that does not belong to the key', async () => {
    const other = issue(store);
    const request = await signedRequest({ ...credentials, sessionToken: other.sessionToken });

    expect(() => authenticate(request, store, VERIFY)).toThrow(UnrecognizedClientError);
  });

  it('rejects a request without the session token', async () => {
    const request = await signedRequest({ accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey });

    expect(() => authenticate(request, store, VERIFY)).toThrow(UnrecognizedClientError);
  });

  it('rejects a session key it never issued instead of treating it as the administrator', async () => {
    const request = await signedRequest({ accessKeyId: 'ASIAUNKNOWN', secretAccessKey: 's', sessionToken: 't' });

    expect(() => authenticate(request, store, VERIFY)).toThrow(UnrecognizedClientError);
  });
});

describe('SigV4 authentication of other callers', () => {
  const store = new CredentialStore(() => NOW);

  it('treats long-term keys it did not issue as the local administrator', async () => {
    const request = await signedRequest({ accessKeyId: 'LOCALADMINKEY', secretAccessKey: 'anything' });

    expect(authenticate(request, store, VERIFY)).toEqual({ kind: 'admin', accessKeyId: 'LOCALADMINKEY' });
  });

  it('answers MissingAuthenticationToken when there is no Authorization header', async () => {
    const { authorization: _removed, ...headers } = (await signedRequest({ accessKeyId: 'K', secretAccessKey: 'S' })).headers as Record<string, string>;
    const request = { method: 'POST', path: '/', query: new URLSearchParams(), headers, body: Buffer.alloc(0) };

    expect(() => authenticate(request, store, VERIFY)).toThrow(MissingAuthenticationTokenError);
  });

  it('rejects an Authorization header that is not SigV4', () => {
    const request = { method: 'POST', path: '/', query: new URLSearchParams(), headers: { authorization: 'Basic dXNlcjpwYXNz' }, body: Buffer.alloc(0) };

    expect(() => authenticate(request, store, VERIFY)).toThrow(IncompleteSignatureError);
  });

  it('rejects a SigV4 header without its signature', () => {
    const header = 'AWS4-HMAC-SHA256 Credential=K/20250301/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date';
    const request = { method: 'POST', path: '/', query: new URLSearchParams(), headers: { authorization: header }, body: Buffer.alloc(0) };

    expect(() => authenticate(request, store, VERIFY)).toThrow(IncompleteSignatureError);
  });
});
