import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import shippedPrivateKey from 'cognito-local/lib/keys/cognitoLocal.private.json';
import { preProcessFile } from 'typescript';
import { generateSigningKey, jwkThumbprint, signingKeyFrom } from '../../local/cognito/signing-key';

const ROOT = resolve(__dirname, '..', '..');

describe("the local user pool's signing key", () => {
  it('takes its kid from the RFC 7638 thumbprint (the RFC’s own example key)', () => {
    // RFC 7638 §3.1: this key's thumbprint is NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs.
    const n =
      '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw';
    const publicKey = createPublicKey({ key: { kty: 'RSA', n, e: 'AQAB' }, format: 'jwk' });

    const thumbprint = jwkThumbprint(publicKey);

    expect(thumbprint).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it('derives the public JWK and kid from the private key', async () => {
    const key = await generateSigningKey();

    const fromPem = signingKeyFrom(createPrivateKey(key.privateKey.export({ type: 'pkcs8', format: 'pem' })));

    expect(fromPem.jwk).toEqual(key.jwk);
    expect(key.jwk).toEqual({ kty: 'RSA', n: expect.any(String), e: 'AQAB', alg: 'RS256', use: 'sig', kid: jwkThumbprint(key.publicKey) });
    expect(key.privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
  });

  it('gives every generated key a kid of its own, never the shipped key’s', async () => {
    const [first, second] = await Promise.all([generateSigningKey(), generateSigningKey()]);

    const shipped = signingKeyFrom(createPrivateKey(shippedPrivateKey.pem));

    expect(first.kid).not.toBe(second.kid);
    expect([first.kid, second.kid]).not.toContain(shipped.kid);
  });

  it('refuses keys too weak or of the wrong kind to sign RS256 tokens', () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    const elliptic = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const publicOnly = createPublicKey(shippedPrivateKey.pem);

    expect(() => signingKeyFrom(small)).toThrow(TypeError);
    expect(() => signingKeyFrom(elliptic)).toThrow(TypeError);
    expect(() => signingKeyFrom(publicOnly)).toThrow(TypeError);
  });

  it('is the only key local/ knows: no module there imports the keys cognito-local ships', () => {
    const sources = readdirSync(join(ROOT, 'local'), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));

    const importers = sources.filter((file) =>
      preProcessFile(readFileSync(join(ROOT, 'local', file), 'utf8')).importedFiles.some(({ fileName }) => fileName.startsWith('cognito-local/lib/keys')),
    );

    expect(importers.map((file) => relative(ROOT, join(ROOT, 'local', file)))).toEqual([]);
  });
});
