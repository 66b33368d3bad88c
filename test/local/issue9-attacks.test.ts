import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { claimLeaseSeconds, IDEMPOTENCY_HEADER, requestFingerprint } from '../../domain/idempotency';
import { controlIdempotencyKey, userIdempotencyKey } from '../../domain/keys';
import { FUNCTIONS } from '../../handlers/catalog';
import { idempotencyStore } from '../../handlers/shared/idempotency-store';
import { LOCAL_ADMIN_CREDENTIALS } from '../../local/config';
import { WORKFLOWS } from '../../workflows/registry';
import { clients, outputs } from './support';
import { createRole, getItem, joined, newTenant } from './tenant-fixtures';

/**
 * Attacks on what issue 9 added, on the real local cloud (its endpoint and caller gate, DynamoDB
 * Local behind the IAM gateway, the REST API, the functions): the local SQS queue from a browser
 * page; a released Idempotency-Key claim met by a retry on a host whose clock is a second behind;
 * and a member without the route's permission writing records into the tenant's control partition.
 */

const freshKey = (): string => `attack-${randomUUID()}`;

/** A request exactly as a browser page (or anything else) writes it, Host header included: what no SDK would send. */
function rawRequest(method: string, headers: Record<string, string>, body: string): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const url = new URL(outputs().endpoint);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ hostname: url.hostname, port: url.port, method, path: '/', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

describe('the local SQS queue from a browser page', () => {
  // GetQueueAttributes rather than ReceiveMessage: the control must not hide other tests' messages.
  const receive = () => JSON.stringify({ QueueUrl: outputs().asyncFailureQueueUrl, AttributeNames: ['QueueArn'] });
  const sqsHeaders = { 'x-amz-target': 'AmazonSQS.GetQueueAttributes', 'content-type': 'application/x-amz-json-1.0' };
  /** An SQS call signed with the administrator's key for `host`, as a page that knows the key could sign it. */
  async function signedCall(host: string) {
    const signer = new SignatureV4({ credentials: LOCAL_ADMIN_CREDENTIALS, region: outputs().region, service: 'sqs', sha256: Sha256 });
    const signed = await signer.sign({ method: 'POST', protocol: 'http:', hostname: host, path: '/', headers: { ...sqsHeaders, host }, body: receive() });
    return rawRequest('POST', signed.headers, receive());
  }

  it('refuses a page whose name points at loopback (DNS rebinding), even signed as the administrator signs', async () => {
    const port = new URL(outputs().endpoint).port;

    const rebound = await signedCall(`rebind.attacker.example:${port}`);
    const control = await signedCall(`127.0.0.1:${port}`);

    expect(rebound.status).toBe(403);
    expect(rebound.body).toContain('DNS rebinding');
    expect(rebound.body).not.toContain('QueueArn');
    expect(control.status).toBe(200);
    expect(control.body).toContain('QueueArn');
  });

  it("gives another site's page no CORS leave to send SQS's headers, so its browser never sends the call", async () => {
    const port = new URL(outputs().endpoint).port;

    const preflight = await rawRequest(
      'OPTIONS',
      { host: `127.0.0.1:${port}`, origin: 'https://attacker.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,x-amz-target,content-type' },
      '',
    );

    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-headers']).toBeUndefined();
  });
});

describe('a released Idempotency-Key claim, on DynamoDB', () => {
  const store = idempotencyStore(clients().dynamodb, outputs().tableName);
  const LEASE = claimLeaseSeconds(FUNCTIONS.createTenant.timeoutSeconds, [WORKFLOWS.onboarding.timeoutSeconds]);
  const START = new Date('2026-12-01T12:00:00.000Z');
  const at = (seconds: number): Date => new Date(START.getTime() + seconds * 1000);
  const fingerprint = requestFingerprint('{"name":"Skewed Gliders"}');

  it("goes to the client's retry on a host whose clock is a second behind the releaser's, not answered as a reused key", async () => {
    // Prepare: a claim whose request failed and released it at 12:00:10 by its host's clock.
    const key = userIdempotencyKey(`skew-${randomUUID()}`, FUNCTIONS.createTenant.name, freshKey());
    const first = await store.claim(key, { fingerprint, now: START, leaseSeconds: LEASE });
    if (first.outcome !== 'claimed') throw new Error('the first claim was expected to succeed');
    await store.release(key, first.claimId, at(10));

    // Act: the retry, on a host that reads 12:00:09.
    const retry = await store.claim(key, { fingerprint, now: at(9), leaseSeconds: LEASE });

    // Assess
    expect(retry.outcome).toBe('claimed');
  });
});

describe('Idempotency-Key records of a member the route refuses', () => {
  it("writes none into the tenant's control partition for a member who may not create roles", async () => {
    // Prepare: a member whose role manages aircraft only.
    const tenant = await newTenant('spray');
    const mechanic = await joined(tenant, await createRole(tenant, 'Mechanic', ['aircraft:read', 'aircraft:write']), 'spray-mechanic');
    const key = freshKey();

    // Act: POST /roles, which the mechanic may not make, with a key of its choosing.
    const response = await fetch(`${outputs().apiUrl}/roles`, {
      method: 'POST',
      headers: { authorization: `Bearer ${mechanic.idToken}`, 'content-type': 'application/json', [IDEMPOTENCY_HEADER]: key },
      body: JSON.stringify({ name: 'Sprayed', actions: [] }),
    });

    // Assess: refused, and nothing of the request kept in the tenant's control partition.
    expect(response.status).toBe(403);
    expect(await getItem(controlIdempotencyKey(tenant.tenantId, mechanic.userId, FUNCTIONS.createRole.name, key))).toBeUndefined();
  });
});
