import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  AccountRecovery,
  type AuthFlow,
  CfnIdentityPool,
  CfnIdentityPoolRoleAttachment,
  ClientAttributes,
  FeaturePlan,
  Mfa,
  type StandardAttributesMask,
  StringAttribute,
  UserPool,
  UserPoolClient,
  UserPoolEmail,
} from 'aws-cdk-lib/aws-cognito';
import { FederatedPrincipal, PolicyDocument, Role } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { APP_CLIENT, AUTO_VERIFIED_ATTRIBUTES, CUSTOM_ATTRIBUTES, DEVELOPER_PROVIDER_NAME, PASSWORD_POLICY } from '../../domain/identity';
import { tenantPolicyDocument } from '../../domain/isolation';
import type { SesEmailSettings } from '../context';
import { physicalName } from '../naming';

export interface TenantIdentityProps {
  /** The pooled table the tenant policy is scoped to (a CloudFormation token is fine). */
  readonly tableArn: string;
  /** Keep the user pool when the stack is deleted and refuse deletion through the API. */
  readonly retainData: boolean;
  /**
   * Send the user pool's email (verification codes, password resets) through Amazon SES
   * (`-c sesFromEmail=…`, infra/context.ts).
   * @default Cognito's own email sender
   */
  readonly sesEmail?: SesEmailSettings;
}

/**
 * Cognito's sender unless SES is configured. The SES identity's Region defaults to the stack's:
 * CDK needs it named when the stack's Region is only known at deploy time (an environment-agnostic
 * stack), and the pseudo-parameter resolves to the Region the pool is deployed in.
 */
function userPoolEmail(scope: Construct, ses: SesEmailSettings | undefined): UserPoolEmail | undefined {
  if (!ses) return undefined;
  return UserPoolEmail.withSES({
    fromEmail: ses.fromEmail,
    sesRegion: ses.region ?? Stack.of(scope).region,
    ...(ses.verifiedDomain === undefined ? {} : { sesVerifiedDomain: ses.verifiedDomain }),
    ...(ses.configurationSet === undefined ? {} : { configurationSetName: ses.configurationSet }),
  });
}

type AuthFlowName = (typeof APP_CLIENT.authFlows)[number];
type ClientAttributeName = (typeof APP_CLIENT.readAttributes)[number] | (typeof APP_CLIENT.writeAttributes)[number];
type StandardAttributeName = Exclude<ClientAttributeName, `custom:${string}`>;

// The L2 always adds ALLOW_REFRESH_TOKEN_AUTH; the others are keyed by the domain's literal names
// so that a flow or attribute added there fails to compile here instead of being dropped.
const AUTH_FLOW_KEYS: Record<Exclude<AuthFlowName, 'ALLOW_REFRESH_TOKEN_AUTH'>, keyof AuthFlow> = {
  ALLOW_USER_PASSWORD_AUTH: 'userPassword',
  ALLOW_USER_SRP_AUTH: 'userSrp',
};
const STANDARD_ATTRIBUTE_KEYS: Record<StandardAttributeName, keyof StandardAttributesMask> = {
  email: 'email',
  email_verified: 'emailVerified',
  name: 'fullname',
};

const isCustom = (name: ClientAttributeName): name is Extract<ClientAttributeName, `custom:${string}`> =>
  name.startsWith('custom:');

function authFlows(names: readonly AuthFlowName[]): AuthFlow {
  const flows: Partial<Record<keyof AuthFlow, boolean>> = {};
  for (const name of names) if (name !== 'ALLOW_REFRESH_TOKEN_AUTH') flows[AUTH_FLOW_KEYS[name]] = true;
  return flows;
}

function clientAttributes(names: readonly ClientAttributeName[]): ClientAttributes {
  const standard: Partial<Record<keyof StandardAttributesMask, boolean>> = {};
  const custom: string[] = [];
  for (const name of names) {
    if (isCustom(name)) custom.push(name);
    else standard[STANDARD_ATTRIBUTE_KEYS[name]] = true;
  }
  return new ClientAttributes().withStandardAttributes(standard).withCustomAttributes(...custom);
}

/**
 * Who a user is (user pool, app client) and what their credentials may touch (identity pool,
 * principal tags, tenant role). The tenant role is the only role the identity pool hands out.
 */
export class TenantIdentity extends Construct {
  readonly userPool: UserPool;
  readonly userPoolClient: UserPoolClient;
  readonly identityPool: CfnIdentityPool;
  readonly tenantRole: Role;

  constructor(scope: Construct, id: string, props: TenantIdentityProps) {
    super(scope, id);

    const email = userPoolEmail(this, props.sesEmail);
    this.userPool = new UserPool(this, 'UserPool', {
      userPoolName: physicalName(this, 'userPool', 'Users'),
      ...(email === undefined ? {} : { email }),
      signInAliases: { email: true },
      autoVerify: { email: AUTO_VERIFIED_ATTRIBUTES.includes('email') },
      selfSignUpEnabled: true,
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      customAttributes: Object.fromEntries(
        Object.entries(CUSTOM_ATTRIBUTES).map(([name, { minLength, maxLength }]) => [
          name,
          // Mutable so the control plane can switch the active tenant; no app client may write them.
          new StringAttribute({ minLen: minLength, maxLen: maxLength, mutable: true }),
        ]),
      ),
      passwordPolicy: { ...PASSWORD_POLICY },
      mfa: Mfa.OFF,
      featurePlan: FeaturePlan.ESSENTIALS,
      deletionProtection: props.retainData,
      removalPolicy: props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    Validations.of(this.userPool).acknowledge(
      {
        id: 'AwsSolutions-COG1',
        reason:
          "The password policy is the product's own (domain/identity.ts, shared with the local cloud) and requires no " +
          'symbols, following NIST SP 800-63B, which advises against composition rules in favour of length.',
      },
      {
        id: 'AwsSolutions-COG2',
        reason:
          'Required MFA makes every user enrol TOTP before the first sign-in, which self sign-up and the local test users ' +
          'do not do; tenant isolation rests on the IAM tenant policy, not on sign-in strength. MFA belongs in ' +
          'domain/identity.ts so that both runtimes turn it on together.',
      },
      {
        id: 'AwsSolutions-COG8',
        reason:
          'The Plus feature plan (threat protection) is billed per monthly active user and has no local counterpart; ' +
          'the Essentials plan is the default for this open-source template and can be upgraded per deployment.',
      },
    );

    this.userPoolClient = this.userPool.addClient('AppClient', {
      userPoolClientName: APP_CLIENT.name,
      // A browser or CLI client cannot keep a secret.
      generateSecret: false,
      // Sign-in is by the API (USER_PASSWORD_AUTH, SRP), not the hosted UI: no OAuth grants, no callback URLs.
      disableOAuth: true,
      authFlows: authFlows(APP_CLIENT.authFlows),
      readAttributes: clientAttributes(APP_CLIENT.readAttributes),
      writeAttributes: clientAttributes(APP_CLIENT.writeAttributes),
      idTokenValidity: Duration.minutes(APP_CLIENT.idTokenValidityMinutes),
      accessTokenValidity: Duration.minutes(APP_CLIENT.accessTokenValidityMinutes),
      refreshTokenValidity: Duration.days(APP_CLIENT.refreshTokenValidityDays),
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
    });

    // L1 rather than the identitypool L2: the L2 always creates an unauthenticated role, and this
    // pool hands out exactly one role. It trusts no user pool (no cognitoIdentityProviders) and has
    // no classic flow: the only way in is the authorizer's GetOpenIdTokenForDeveloperIdentity, a
    // SigV4 call only its role may make, so no user can exchange an ID token for credentials.
    // Alternative weighed: sts:AssumeRole with session tags from the authorizer (a token vending
    // machine); the identity pool is kept because the design this project follows is built on it.
    this.identityPool = new CfnIdentityPool(this, 'IdentityPool', {
      identityPoolName: physicalName(this, 'identityPool', 'Tenants'),
      allowUnauthenticatedIdentities: false,
      allowClassicFlow: false,
      // The same in every stage: a developer provider name belongs to its identity pool, and every
      // call that names it (GetOpenIdTokenForDeveloperIdentity) also names the pool by its id
      // (IDENTITY_POOL_ID, which differs per stage), so stages cannot mix identities.
      developerProviderName: DEVELOPER_PROVIDER_NAME,
    });

    this.tenantRole = new Role(this, 'TenantRole', {
      description: 'Assumed through the identity pool for the authorizer; the tenant_id principal tag it sets pins it to one tenant.',
      assumedBy: new FederatedPrincipal(
        'cognito-identity.amazonaws.com',
        {
          StringEquals: { 'cognito-identity.amazonaws.com:aud': this.identityPool.ref },
          'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'authenticated' },
        },
        'sts:AssumeRoleWithWebIdentity',
        // The authorizer's PrincipalTags become session tags: without sts:TagSession the identity
        // pool cannot set them.
      ).withSessionTags(),
      inlinePolicies: { TenantIsolation: PolicyDocument.fromJson(tenantPolicyDocument(props.tableArn)) },
    });

    new CfnIdentityPoolRoleAttachment(this, 'RoleAttachment', {
      identityPoolId: this.identityPool.ref,
      roles: { authenticated: this.tenantRole.roleArn },
    });
  }
}
