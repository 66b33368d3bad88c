/**
 * cognito-local ships its private signing key in its npm package. Before the local user pool had a
 * key of its own, anyone could sign an ID token with it for any user and tenant, and the REST API's
 * authorizer accepted it. These tests forge exactly that token for a real user and tenant.
 */
import { signWithShippedKey } from './components/cognito-fixture';
import { api, decodeClaims, outputs, signIn, signUpConfirmed, uniqueEmail } from './support';

interface CreatedTenant {
  tenant: { tenantId: string };
  tokens: { idToken: string };
}

/** A signed-up user who has onboarded a tenant: their ID token names it in `custom:tenant_id`. */
async function userWithTenant(): Promise<{ userId: string; tenantId: string; idToken: string }> {
  const email = uniqueEmail('forged');
  const userId = await signUpConfirmed(email);
  const tokens = await signIn(email);
  const created = await api<CreatedTenant>('POST', '/tenants', tokens.idToken, { name: 'Forged Token Aviation', refreshToken: tokens.refreshToken });
  if (created.status !== 201) throw new Error(`POST /tenants answered ${created.status}: ${JSON.stringify(created.body)}`);
  return { userId, tenantId: created.body.tenant.tenantId, idToken: created.body.tokens.idToken };
}

describe('an ID token signed with the key cognito-local ships', () => {
  let user: { userId: string; tenantId: string; idToken: string };
  let forged: string;

  beforeAll(async () => {
    user = await userWithTenant();
    const now = Math.floor(Date.now() / 1000);
    // Every claim the genuine token has (sub, iss, aud, token_use, the tenant), still fresh: only the key differs.
    forged = signWithShippedKey({ ...decodeClaims(user.idToken), iat: now, exp: now + 3600 });
  });

  it('names the real user, pool, client and tenant (so only its signature can be refused)', () => {
    expect(decodeClaims(forged)).toMatchObject({
      sub: user.userId,
      iss: `${outputs().endpoint}/${outputs().userPoolId}`,
      aud: outputs().userPoolClientId,
      token_use: 'id',
      'custom:tenant_id': user.tenantId,
    });
  });

  it('is refused by the REST API with 401, while the genuine token of the same user is let in', async () => {
    const genuine = await api('GET', '/me', user.idToken);

    const forgedAnswer = await api('GET', '/me', forged);

    expect(genuine).toMatchObject({ status: 200, body: { userId: user.userId, activeTenantId: user.tenantId } });
    expect(forgedAnswer).toEqual({ status: 401, body: { error: { code: 'Unauthorized', message: expect.any(String) } } });
  });
});
