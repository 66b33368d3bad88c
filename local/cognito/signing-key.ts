/**
 * The local user pool's own signing key. cognito-local signs every token with a private key that
 * ships inside its npm package (lib/keys/cognitoLocal.private.json), so anyone who can read
 * node_modules or npm can mint a token for any user and tenant that the pool's JWKS vouches for.
 * A key shipped in a public package signs nothing that is trusted; so each data directory gets an
 * RSA key pair of its own, generated on first start and kept beside the pool's data: a persisted
 * pool (`--persist`) keeps its key and its tokens, a fresh data directory gets a new key.
 */
import { createHash, createPrivateKey, createPublicKey, createSign, createVerify, generateKeyPair, randomBytes, type KeyObject } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** The private key (PKCS#8 PEM) inside the pool's data directory; only its owner may read it. */
export const SIGNING_KEY_FILE = 'signing-key.pem';
const MODULUS_BITS = 2048;
const OWNER_ONLY = 0o600;

/** The public half as the pool's JWKS serves it (a type, not an interface: it is a JSON object). */
export type SigningJwk = {
  readonly kty: 'RSA';
  readonly n: string;
  readonly e: string;
  readonly alg: 'RS256';
  readonly use: 'sig';
  readonly kid: string;
};

export interface SigningKey {
  /** RFC 7638 thumbprint of the public key: a new key always gets a new kid. */
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly jwk: SigningJwk;
}

export class SigningKeyStateError extends Error {
  constructor(path: string, cause: unknown) {
    super(`${path} is not an RSA private key of at least ${MODULUS_BITS} bits; delete it to generate a new one (tokens it signed are then refused)`, {
      cause,
    });
    this.name = 'SigningKeyStateError';
  }
}

const generateRsaKeyPair = promisify(generateKeyPair);

function rsaComponents(publicKey: KeyObject): { n: string; e: string } {
  const { kty, n, e } = publicKey.export({ format: 'jwk' });
  if (kty !== 'RSA' || n === undefined || e === undefined) throw new TypeError(`not an RSA key: ${String(kty)}`);
  return { n, e };
}

/** RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace, base64url. */
export function jwkThumbprint(publicKey: KeyObject): string {
  const { n, e } = rsaComponents(publicKey);
  return createHash('sha256').update(JSON.stringify({ e, kty: 'RSA', n })).digest('base64url');
}

/** The kid, the public key and its JWK, all derived from the private key, so they always agree. */
export function signingKeyFrom(privateKey: KeyObject): SigningKey {
  const bits = privateKey.asymmetricKeyDetails?.modulusLength ?? 0;
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'rsa' || bits < MODULUS_BITS) {
    throw new TypeError(`expected an RSA private key of at least ${MODULUS_BITS} bits`);
  }
  const publicKey = createPublicKey(privateKey);
  const kid = jwkThumbprint(publicKey);
  return { kid, privateKey, publicKey, jwk: { kty: 'RSA', ...rsaComponents(publicKey), alg: 'RS256', use: 'sig', kid } };
}

export async function generateSigningKey(): Promise<SigningKey> {
  const { privateKey } = await generateRsaKeyPair('rsa', { modulusLength: MODULUS_BITS });
  return signingKeyFrom(privateKey);
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The key kept in `dataDir`, or undefined when none was generated there yet. */
export async function readSigningKey(dataDir: string): Promise<SigningKey | undefined> {
  const path = join(dataDir, SIGNING_KEY_FILE);
  const pem = await readIfPresent(path);
  if (pem === undefined) return undefined;
  try {
    return signingKeyFrom(createPrivateKey(pem));
  } catch (error) {
    throw new SigningKeyStateError(path, error);
  }
}

async function writeOwnerOnly(path: string, contents: string): Promise<void> {
  // Write-then-rename, as for the pool ids: a crash never leaves a half-written key that would
  // stop the pool from starting. The mode is set when the file is created, so the key is never
  // readable by others, not even for a moment.
  const temporary = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, contents, { mode: OWNER_ONLY, flag: 'wx' });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** The data directory's key: read when it is there, generated and kept (mode 0600) otherwise. */
export async function loadOrCreateSigningKey(dataDir: string): Promise<SigningKey> {
  const existing = await readSigningKey(dataDir);
  if (existing) return existing;
  const created = await generateSigningKey();
  await writeOwnerOnly(join(dataDir, SIGNING_KEY_FILE), created.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  return created;
}

/** A JWT segment: JSON, base64url. */
export const encodeSegment = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An RS256 JWS over `header` and an already encoded payload segment, signed with `key`. */
export function signJws(header: Record<string, unknown>, payloadSegment: string, key: SigningKey): string {
  const unsigned = `${encodeSegment(header)}.${payloadSegment}`;
  return `${unsigned}.${createSign('RSA-SHA256').update(unsigned).sign(key.privateKey, 'base64url')}`;
}

/** Whether `token`'s RS256 signature is `key`'s, whatever its header claims (no alg or kid is trusted). */
export function hasSignatureOf(token: string, key: Pick<SigningKey, 'publicKey'>): boolean {
  const [header, payload, signature, ...rest] = token.split('.');
  if (header === undefined || payload === undefined || signature === undefined || rest.length > 0) return false;
  return createVerify('RSA-SHA256').update(`${header}.${payload}`).verify(key.publicKey, signature, 'base64url');
}
