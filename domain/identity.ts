/**
 * The user pool as data, read by the CDK app and by the local cloud's user pool set-up.
 */

/** Custom attributes, without the `custom:` prefix Cognito adds. */
export const CUSTOM_ATTRIBUTES = {
  tenant_id: { minLength: 0, maxLength: 64 },
  role: { minLength: 0, maxLength: 64 },
} as const;

/** Cognito prefixes custom attributes in tokens; `satisfies` keeps these claims tied to the attributes above. */
type CustomClaim = `custom:${keyof typeof CUSTOM_ATTRIBUTES}`;
export const TENANT_ID_CLAIM = 'custom:tenant_id' satisfies CustomClaim;
export const ROLE_CLAIM = 'custom:role' satisfies CustomClaim;
export const GROUPS_CLAIM = 'cognito:groups';

/**
 * What the app client may read and write. The custom attributes are readable but writable by no
 * app client: only the control plane (with admin APIs) changes the active tenant and role.
 */
export const APP_CLIENT = {
  name: 'web',
  authFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
  readAttributes: ['email', 'email_verified', 'name', TENANT_ID_CLAIM, ROLE_CLAIM],
  writeAttributes: ['email', 'name'],
  idTokenValidityMinutes: 60,
  accessTokenValidityMinutes: 60,
  refreshTokenValidityDays: 30,
} as const;

export const PASSWORD_POLICY = {
  minLength: 8,
  requireLowercase: true,
  requireUppercase: true,
  requireDigits: true,
  requireSymbols: false,
} as const;

/**
 * Email is the sign-in name and is verified by a code at sign-up: SignUp sends the code, and
 * ConfirmSignUp with it confirms the user and verifies the address (CDK `autoVerify`, the local
 * pool's `AutoVerifiedAttributes`).
 */
export const AUTO_VERIFIED_ATTRIBUTES = ['email'] as const;

/** One Cognito group per tenant; the group name is the tenant id so the token's groups list tenants. */
export const tenantGroupName = (tenantId: string): string => tenantId;

/** Lifetime of tenant-scoped credentials issued through the identity pool (AWS's default is 1 hour). */
export const TENANT_CREDENTIALS_TTL_SECONDS = 3600;

/**
 * The identity pool's developer provider: the only way into the pool. The authorizer names the
 * user under it (`Logins: { [DEVELOPER_PROVIDER_NAME]: userId }`) when it asks for an OpenID token
 * with `GetOpenIdTokenForDeveloperIdentity`, a call that needs the authorizer's own AWS signature.
 * The pool trusts no user pool, so a user's ID token cannot be exchanged for credentials by anyone.
 */
export const DEVELOPER_PROVIDER_NAME = 'login.tenant-control-plane';

/** The `Logins` key under which Cognito Identity accepts the OpenID tokens it issued itself. */
export const COGNITO_IDENTITY_LOGIN = 'cognito-identity.amazonaws.com';

/**
 * How long the OpenID token the authorizer obtains stays valid. It is exchanged for credentials at
 * once, so the shortest duration the API allows (1 s) would do; a minute absorbs clock skew.
 */
export const OPENID_TOKEN_DURATION_SECONDS = 60;
