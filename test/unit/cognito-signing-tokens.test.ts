import { createPublicKey, createSign, createVerify, type KeyObject } from 'node:crypto';
import shippedPrivateKey from 'cognito-local/lib/keys/cognitoLocal.private.json';
import type { TokenGenerator, Tokens } from 'cognito-local/lib/services/tokenGenerator';
import { generateSigningKey, type SigningKey } from '../../local/cognito/signing-key';
import { MalformedTokenError, PoolKeyTokenGenerator, resignJwt, withStoredEmailVerified } from '../../local/cognito/token-generator';
import { isValidRefreshToken } from '../../local/cognito/user-pool';

const segment = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const decodeSegment = (jwt: string, index: number): unknown => JSON.parse(Buffer.from(jwt.split('.')[index] ?? '', 'base64url').toString('utf8'));

/** A token as cognito-local signs it: with the key it ships in its npm package. */
function signAsCognitoLocal(payload: Record<string, unknown>, kid: string | null = 'CognitoLocal'): string {
  const unsigned = `${segment({ alg: 'RS256', typ: 'JWT', ...(kid === null ? {} : { kid }) })}.${segment(payload)}`;
  return `${unsigned}.${createSign('RSA-SHA256').update(unsigned).sign(shippedPrivateKey.pem, 'base64url')}`;
}

const verifiesWith = (jwt: string, publicKey: KeyObject): boolean => {
  const [header, payload, signature] = jwt.split('.');
  return createVerify('RSA-SHA256').update(`${header}.${payload}`).verify(publicKey, signature ?? '', 'base64url');
};

const shippedPublicKey = createPublicKey(shippedPrivateKey.pem);
const ISSUER = 'http://127.0.0.1:1/us-east-1_abc';
const inAMinute = (): number => Math.floor(Date.now() / 1000) + 60;

describe("re-signing cognito-local's tokens with the pool's key", () => {
  let key: SigningKey;

  beforeAll(async () => {
    key = await generateSigningKey();
  });

  it('keeps every claim byte for byte and signs with the pool key under its kid', () => {
    const original = signAsCognitoLocal({ sub: 'u-1', token_use: 'id', 'custom:tenant_id': 't-1', iss: ISSUER });

    const resigned = resignJwt(original, key);

    expect(resigned.split('.')[1]).toBe(original.split('.')[1]);
    expect(decodeSegment(resigned, 0)).toEqual({ alg: 'RS256', typ: 'JWT', kid: key.kid });
    expect(verifiesWith(resigned, key.publicKey)).toBe(true);
    expect(verifiesWith(resigned, shippedPublicKey)).toBe(false);
  });

  it('gives a token that had no kid (a refresh token) none', () => {
    const resigned = resignJwt(signAsCognitoLocal({ jti: 'r-1' }, null), key);

    expect(decodeSegment(resigned, 0)).toEqual({ alg: 'RS256', typ: 'JWT' });
  });

  it('refuses to re-sign what is not a JWT', () => {
    expect(() => resignJwt('not-a-jwt', key)).toThrow(MalformedTokenError);
    expect(() => resignJwt(`${Buffer.from('[').toString('base64url')}.e30.sig`, key)).toThrow(MalformedTokenError);
  });

  it("passes every argument to cognito-local's generator (claims, triggers) and re-signs all three tokens", async () => {
    const calls: unknown[][] = [];
    const inner: TokenGenerator = {
      async generate(...args): Promise<Tokens> {
        calls.push(args);
        return {
          IdToken: signAsCognitoLocal({ token_use: 'id' }),
          AccessToken: signAsCognitoLocal({ token_use: 'access' }),
          RefreshToken: signAsCognitoLocal({ jti: 'r' }, null),
        };
      },
    };
    const args: Parameters<TokenGenerator['generate']> = [{ logger: {} as never }, { Username: 'u' } as never, ['t-1'], { ClientId: 'c' } as never, { a: 'b' }, 'RefreshTokens'];

    const tokens = await new PoolKeyTokenGenerator(inner, key).generate(...args);

    expect(calls).toEqual([args]);
    expect([tokens.IdToken, tokens.AccessToken, tokens.RefreshToken].map((token) => verifiesWith(token, key.publicKey))).toEqual([true, true, true]);
    expect([decodeSegment(tokens.IdToken, 1), decodeSegment(tokens.AccessToken, 1)]).toEqual([{ token_use: 'id' }, { token_use: 'access' }]);
  });
});

describe('the email_verified claim of ID tokens', () => {
  const withAttributes = (emailVerified: string | undefined) => ({
    Attributes: [{ Name: 'email', Value: 'ada@blue-sky.example' }, ...(emailVerified === undefined ? [] : [{ Name: 'email_verified', Value: emailVerified }])],
  });
  // cognito-local computes Boolean(attribute ?? false): "false" gives true.
  const asCognitoLocalBuildsIt = (emailVerified: string | undefined) =>
    signAsCognitoLocal({ sub: 'u-1', token_use: 'id', email: 'ada@blue-sky.example', email_verified: Boolean(emailVerified ?? false) });

  it.each([
    ['"false" (a changed email)', 'false', false],
    ['"true"', 'true', true],
    ['missing', undefined, false],
  ])('says what the stored attribute says when it is %s', (_label, stored, claim) => {
    const token = withStoredEmailVerified(asCognitoLocalBuildsIt(stored), withAttributes(stored));

    expect(decodeSegment(token, 1)).toMatchObject({ email: 'ada@blue-sky.example', email_verified: claim });
  });

  it('leaves a token that needs no correction byte for byte', () => {
    const original = asCognitoLocalBuildsIt('true');

    expect(withStoredEmailVerified(original, withAttributes('true'))).toBe(original);
  });

  it('corrects the claim before the pool key signs the ID token', async () => {
    const key = await generateSigningKey();
    const inner: TokenGenerator = {
      generate: async () => ({ IdToken: asCognitoLocalBuildsIt('false'), AccessToken: signAsCognitoLocal({ token_use: 'access' }), RefreshToken: signAsCognitoLocal({}, null) }),
    };

    const tokens = await new PoolKeyTokenGenerator(inner, key).generate({ logger: {} as never }, withAttributes('false') as never, [], { ClientId: 'c' } as never, undefined, 'RefreshTokens');

    expect(decodeSegment(tokens.IdToken, 1)).toMatchObject({ email_verified: false });
    expect(verifiesWith(tokens.IdToken, key.publicKey)).toBe(true);
  });
});

describe('refresh tokens the proxy accepts', () => {
  let key: SigningKey;
  const signWithPoolKey = (claims: Record<string, unknown>): string => resignJwt(signAsCognitoLocal(claims, null), key);

  beforeAll(async () => {
    key = await generateSigningKey();
  });

  it('accepts only refresh tokens the pool signed, for its issuer, before they expire', () => {
    const exp = inAMinute();

    expect(isValidRefreshToken(signWithPoolKey({ iss: ISSUER, exp }), ISSUER, key.publicKey)).toBe(true);
    expect(isValidRefreshToken(signWithPoolKey({ iss: 'http://elsewhere/pool', exp }), ISSUER, key.publicKey)).toBe(false);
    expect(isValidRefreshToken(signWithPoolKey({ iss: ISSUER, exp: exp - 120 }), ISSUER, key.publicKey)).toBe(false);
    expect(isValidRefreshToken('not-a-jwt', ISSUER, key.publicKey)).toBe(false);
  });

  it('refuses a refresh token signed with the key cognito-local ships', () => {
    const forged = signAsCognitoLocal({ iss: ISSUER, exp: inAMinute() }, null);

    expect(isValidRefreshToken(forged, ISSUER, key.publicKey)).toBe(false);
  });
});
