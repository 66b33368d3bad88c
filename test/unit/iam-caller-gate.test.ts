import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { tenantPolicyDocument, type PolicyDocument } from '../../domain/isolation';
import { createCallerGate, type CallerGate } from '../../local/iam/caller-gate';
import { CredentialStore, type IssuedCredentials } from '../../local/iam/credential-store';
import type { AwsRequest, AwsResponse } from '../../local/server/types';

const NOW = new Date('2026-03-01T12:00:00Z');
const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const TENANT_ROLE = `arn:aws:iam::${ACCOUNT}:role/TenantRole`;
const TRUSTED_ROLE = `arn:aws:iam::${ACCOUNT}:role/EverythingRole`;
const SESSION_ARN = `arn:aws:sts::${ACCOUNT}:assumed-role/TenantRole/CognitoIdentityCredentials`;
const POOL_ID = 'us-east-1_Pool12345';
const IDENTITY_POOL_ID = 'us-east-1:11111111-2222-3333-4444-555555555555';
const SWITCHING = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:Switching`;
const ADMIN = { accessKeyId: 'LOCALADMINKEY', secretAccessKey: 'local-admin-secret' };

const ALLOW_ALL: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } as unknown as PolicyDocument;

interface Call {
  readonly method?: string;
  readonly path?: string;
  readonly target?: string;
  readonly body?: unknown;
  /** The signing name an SDK client of the service uses. */
  readonly service: string;
}

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

function unsignedRequest(call: Call): AwsRequest {
  const body = call.body === undefined ? '' : JSON.stringify(call.body);
  return {
    method: call.method ?? 'POST',
    path: call.path ?? '/',
    query: new URLSearchParams(),
    headers: { host: '127.0.0.1:4566', ...(call.target ? { 'x-amz-target': call.target } : {}) },
    body: Buffer.from(body),
    target: call.target,
  };
}

/** Signed as an SDK client signs (smithy's SignatureV4), shaped as the endpoint receives it. */
async function signedRequest(call: Call, credentials: Credentials, signingDate: Date = NOW): Promise<AwsRequest> {
  const unsigned = unsignedRequest(call);
  const signer = new SignatureV4({ credentials, region: REGION, service: call.service, sha256: Sha256 });
  const signed = await signer.sign(
    {
      method: unsigned.method,
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 4566,
      path: unsigned.path,
      query: {},
      headers: { ...(unsigned.headers as Record<string, string>) },
      body: unsigned.body.toString('utf8'),
    },
    { signingDate },
  );
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) headers[name.toLowerCase()] = value;
  return { ...unsigned, headers };
}

const bodyOf = (response: AwsResponse | undefined): Record<string, unknown> =>
  JSON.parse(String(response?.body ?? '{}')) as Record<string, unknown>;

const denial = (action: string, resource: string): string =>
  `User: ${SESSION_ARN} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`;

interface IamCase {
  readonly name: string;
  readonly call: Call;
  readonly action: string;
  readonly resource: string;
  /** The refusals as the service words them. */
  readonly missing: { status: number; body: Record<string, unknown> };
  readonly denied: { status: number; body: Record<string, unknown> };
}

const jsonMissing = { status: 400, body: { __type: 'MissingAuthenticationTokenException', message: 'Request is missing Authentication Token' } };
const jsonDenied = (action: string, resource: string) => ({ status: 400, body: { __type: 'AccessDeniedException', message: denial(action, resource) } });

const userPoolAdmin = `arn:aws:cognito-idp:${REGION}:${ACCOUNT}:userpool/${POOL_ID}`;
const identityPool = `arn:aws:cognito-identity:${REGION}:${ACCOUNT}:identitypool/${IDENTITY_POOL_ID}`;
const lambdaArn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:SwitchTenant`;
const busArn = `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/control-plane`;

const IAM_CASES: IamCase[] = [
  {
    name: 'Lambda Invoke',
    call: { path: '/2015-03-31/functions/SwitchTenant/invocations', body: { body: '{}' }, service: 'lambda' },
    action: 'lambda:InvokeFunction',
    resource: lambdaArn,
    missing: { status: 403, body: { message: 'Missing Authentication Token' } },
    denied: { status: 403, body: { Type: 'User', Message: denial('lambda:InvokeFunction', lambdaArn) } },
  },
  {
    name: 'Step Functions StartSyncExecution',
    call: { target: 'AWSStepFunctions.StartSyncExecution', body: { stateMachineArn: SWITCHING, input: '{}' }, service: 'states' },
    action: 'states:StartSyncExecution',
    resource: SWITCHING,
    missing: jsonMissing,
    denied: jsonDenied('states:StartSyncExecution', SWITCHING),
  },
  {
    name: 'Step Functions StartExecution',
    call: { target: 'AWSStepFunctions.StartExecution', body: { stateMachineArn: SWITCHING }, service: 'states' },
    action: 'states:StartExecution',
    resource: SWITCHING,
    missing: jsonMissing,
    denied: jsonDenied('states:StartExecution', SWITCHING),
  },
  {
    name: 'EventBridge PutEvents',
    call: {
      target: 'AWSEvents.PutEvents',
      body: { Entries: [{ EventBusName: 'control-plane', Source: 'controlplane.tenancy', DetailType: 'tenant.switched.v1', Detail: '{}' }] },
      service: 'events',
    },
    action: 'events:PutEvents',
    resource: busArn,
    missing: jsonMissing,
    denied: jsonDenied('events:PutEvents', busArn),
  },
  {
    name: 'Cognito AdminUpdateUserAttributes',
    call: { target: 'AWSCognitoIdentityProviderService.AdminUpdateUserAttributes', body: { UserPoolId: POOL_ID, Username: 'u', UserAttributes: [] }, service: 'cognito-idp' },
    action: 'cognito-idp:AdminUpdateUserAttributes',
    resource: userPoolAdmin,
    missing: jsonMissing,
    denied: jsonDenied('cognito-idp:AdminUpdateUserAttributes', userPoolAdmin),
  },
  {
    name: 'Cognito ListUsers',
    call: { target: 'AWSCognitoIdentityProviderService.ListUsers', body: { UserPoolId: POOL_ID }, service: 'cognito-idp' },
    action: 'cognito-idp:ListUsers',
    resource: userPoolAdmin,
    missing: jsonMissing,
    denied: jsonDenied('cognito-idp:ListUsers', userPoolAdmin),
  },
  {
    name: 'identity pool GetOpenIdTokenForDeveloperIdentity',
    call: {
      target: 'AWSCognitoIdentityService.GetOpenIdTokenForDeveloperIdentity',
      body: { IdentityPoolId: IDENTITY_POOL_ID, Logins: { 'login.example': 'someone-else' } },
      service: 'cognito-identity',
    },
    action: 'cognito-identity:GetOpenIdTokenForDeveloperIdentity',
    resource: identityPool,
    missing: jsonMissing,
    denied: jsonDenied('cognito-identity:GetOpenIdTokenForDeveloperIdentity', identityPool),
  },
  {
    name: 'identity pool DescribeIdentityPool',
    call: { target: 'AWSCognitoIdentityService.DescribeIdentityPool', body: { IdentityPoolId: IDENTITY_POOL_ID }, service: 'cognito-identity' },
    action: 'cognito-identity:DescribeIdentityPool',
    resource: identityPool,
    missing: jsonMissing,
    denied: jsonDenied('cognito-identity:DescribeIdentityPool', identityPool),
  },
  {
    name: 'POST /_local/faults',
    call: { path: '/_local/faults', body: { stateMachineName: 'Switching', stateName: 'SetActiveTenant', error: 'X', count: 1 }, service: 'local' },
    action: 'local:SetFaults',
    resource: '*',
    missing: { status: 403, body: { __type: 'MissingAuthenticationTokenException', message: 'Request is missing Authentication Token' } },
    denied: { status: 403, body: { __type: 'AccessDeniedException', message: denial('local:SetFaults', '*') } },
  },
  {
    name: 'DELETE /_local/faults',
    call: { method: 'DELETE', path: '/_local/faults', service: 'local' },
    action: 'local:ClearFaults',
    resource: '*',
    missing: { status: 403, body: { __type: 'MissingAuthenticationTokenException', message: 'Request is missing Authentication Token' } },
    denied: { status: 403, body: { __type: 'AccessDeniedException', message: denial('local:ClearFaults', '*') } },
  },
];

const PUBLIC_CASES: { name: string; call: Call }[] = [
  { name: 'Cognito InitiateAuth', call: { target: 'AWSCognitoIdentityProviderService.InitiateAuth', body: { ClientId: 'client' }, service: 'cognito-idp' } },
  { name: 'Cognito SignUp', call: { target: 'AWSCognitoIdentityProviderService.SignUp', body: { ClientId: 'client' }, service: 'cognito-idp' } },
  { name: 'Cognito GetUser', call: { target: 'AWSCognitoIdentityProviderService.GetUser', body: { AccessToken: 'token' }, service: 'cognito-idp' } },
  { name: 'Cognito GetTokensFromRefreshToken', call: { target: 'AWSCognitoIdentityProviderService.GetTokensFromRefreshToken', body: {}, service: 'cognito-idp' } },
  { name: 'the user pool JWKS', call: { method: 'GET', path: `/${POOL_ID}/.well-known/jwks.json`, service: 'cognito-idp' } },
  { name: 'identity pool GetId', call: { target: 'AWSCognitoIdentityService.GetId', body: { IdentityPoolId: IDENTITY_POOL_ID }, service: 'cognito-identity' } },
  { name: 'identity pool GetCredentialsForIdentity', call: { target: 'AWSCognitoIdentityService.GetCredentialsForIdentity', body: {}, service: 'cognito-identity' } },
  { name: 'identity pool GetOpenIdToken', call: { target: 'AWSCognitoIdentityService.GetOpenIdToken', body: {}, service: 'cognito-identity' } },
  { name: 'identity pool UnlinkIdentity', call: { target: 'AWSCognitoIdentityService.UnlinkIdentity', body: {}, service: 'cognito-identity' } },
  { name: 'the inspector page', call: { method: 'GET', path: '/_local/console/', service: 'local' } },
  { name: 'the inspector state', call: { method: 'GET', path: '/_local/console/state.json', service: 'local' } },
  { name: 'an inspector view', call: { method: 'GET', path: '/_local/console/api/executions', service: 'local' } },
  { name: 'the tenant app', call: { method: 'GET', path: '/_local/app/', service: 'local' } },
  { name: "the tenant app's configuration", call: { method: 'GET', path: '/_local/app/config.json', service: 'local' } },
];

const TARGET_OWNERS: readonly (readonly [string, string])[] = [
  ['AWSCognitoIdentityProviderService.', 'cognito-idp'],
  ['AWSCognitoIdentityService.', 'cognito-identity'],
  ['AWSStepFunctions.', 'stepfunctions'],
  ['AWSEvents.', 'eventbridge'],
  ['DynamoDB_20120810.', 'dynamodb'],
];

/** The service the endpoint hands a request to (each service's `canHandle`, restated for these requests). */
function claimingService(request: AwsRequest): string {
  const byTarget = TARGET_OWNERS.find(([prefix]) => request.target?.startsWith(prefix))?.[1];
  if (byTarget) return byTarget;
  if (request.path.startsWith('/2015-03-31/functions/')) return 'lambda';
  if (request.path.includes('/.well-known/')) return 'cognito-idp';
  if (request.path === '/_local/faults') return 'stepfunctions-faults';
  return 'web';
}

/** The gate as the endpoint calls it: with the name of the service that claimed the request. */
const asEndpointCalls = (inner: CallerGate): { check: (request: AwsRequest) => AwsResponse | undefined } => ({
  check: (request) => inner.check(request, claimingService(request)),
});

describe('the caller gate', () => {
  let store: CredentialStore;
  let gate: ReturnType<typeof asEndpointCalls>;
  let tenant: IssuedCredentials;

  const issue = (roleArn: string, ttlSeconds = 3600): IssuedCredentials =>
    store.issue({ roleArn, sessionName: 'CognitoIdentityCredentials', identityId: `${REGION}:identity`, principalTags: { tenant_id: 't1', user_id: 'u1' }, ttlSeconds });

  beforeEach(() => {
    store = new CredentialStore(() => NOW);
    const tenantPolicy = tenantPolicyDocument(`arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/ControlPlane`);
    gate = asEndpointCalls(createCallerGate({
      credentialStore: store,
      policyForRole: (roleArn) => (roleArn === TENANT_ROLE ? tenantPolicy : roleArn === TRUSTED_ROLE ? ALLOW_ALL : undefined),
      region: REGION,
      accountId: ACCOUNT,
      now: () => NOW,
    }));
    tenant = issue(TENANT_ROLE);
  });

  describe.each(IAM_CASES)('for $name', ({ call, missing, denied }) => {
    it('refuses the call unsigned with the service’s MissingAuthenticationToken answer', () => {
      const response = gate.check(unsignedRequest(call));

      expect(response?.status).toBe(missing.status);
      expect(bodyOf(response)).toEqual(missing.body);
      expect(response?.headers?.['x-amzn-errortype']).toBe('MissingAuthenticationTokenException');
    });

    it('denies tenant credentials with the service’s AccessDenied answer naming the action and resource', async () => {
      const request = await signedRequest(call, tenant);

      const response = gate.check(request);

      expect(response?.status).toBe(denied.status);
      expect(bodyOf(response)).toEqual(denied.body);
      expect(response?.headers?.['x-amzn-errortype']).toBe('AccessDeniedException');
    });

    it('lets the local administrator through', async () => {
      const request = await signedRequest(call, ADMIN);

      expect(gate.check(request)).toBeUndefined();
    });

    it('lets issued credentials through when their role’s policy allows the action', async () => {
      const request = await signedRequest(call, issue(TRUSTED_ROLE));

      expect(gate.check(request)).toBeUndefined();
    });
  });

  describe.each(PUBLIC_CASES)('for the public $name', ({ call }) => {
    it('serves it unsigned', () => {
      expect(gate.check(unsignedRequest(call))).toBeUndefined();
    });

    it('ignores a signature from a key nobody issued, as AWS ignores signatures on public operations', async () => {
      const request = await signedRequest(call, { accessKeyId: 'ASIAUNKNOWNKEY0000', secretAccessKey: 'x', sessionToken: 'y' });

      expect(gate.check(request)).toBeUndefined();
    });

    it('does not evaluate tenant credentials against the tenant policy', async () => {
      expect(gate.check(await signedRequest(call, tenant))).toBeUndefined();
    });
  });

  describe('signature failures', () => {
    const invoke: Call = { path: '/2015-03-31/functions/SwitchTenant/invocations', body: {}, service: 'lambda' };
    const startSync: Call = { target: 'AWSStepFunctions.StartSyncExecution', body: { stateMachineArn: SWITCHING }, service: 'states' };

    it('refuses an ASIA key it never issued as UnrecognizedClient rather than treating it as the administrator', async () => {
      const stale = { accessKeyId: 'ASIAFROMBEFORERESTART', secretAccessKey: 'x', sessionToken: 'y' };

      const json = gate.check(await signedRequest(startSync, stale));
      const rest = gate.check(await signedRequest(invoke, stale));

      expect({ status: json?.status, body: bodyOf(json) }).toEqual({
        status: 400,
        body: { __type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid' },
      });
      expect({ status: rest?.status, type: rest?.headers?.['x-amzn-errortype'] }).toEqual({ status: 403, type: 'UnrecognizedClientException' });
    });

    it('refuses expired issued credentials as ExpiredToken', async () => {
      const shortLived = issue(TRUSTED_ROLE, -1);

      const response = gate.check(await signedRequest(startSync, shortLived));

      expect(response?.status).toBe(400);
      expect(bodyOf(response).__type).toBe('ExpiredTokenException');
    });

    it('refuses issued credentials signed with the wrong secret as InvalidSignature', async () => {
      const forged = { ...issue(TRUSTED_ROLE), secretAccessKey: 'not-the-secret' };

      const response = gate.check(await signedRequest(startSync, forged));

      expect(bodyOf(response).__type).toBe('InvalidSignatureException');
    });

    it('refuses issued credentials signed for another service, since the scope is part of the signature', async () => {
      const response = gate.check(await signedRequest({ ...startSync, service: 'lambda' }, issue(TRUSTED_ROLE)));

      expect(bodyOf(response)).toMatchObject({ __type: 'InvalidSignatureException', message: "Credential should be scoped to correct service: 'states'." });
    });
  });

  it('leaves DynamoDB to its own gateway, which applies the same rule with the table key schemas', () => {
    const request = unsignedRequest({ target: 'DynamoDB_20120810.GetItem', body: { TableName: 'ControlPlane' }, service: 'dynamodb' });

    expect(gate.check(request)).toBeUndefined();
  });

  it('authorizes PutEvents on every bus its entries name, so one foreign entry denies the call', async () => {
    const call: Call = {
      target: 'AWSEvents.PutEvents',
      body: { Entries: [{ Source: 's', DetailType: 'd', Detail: '{}' }, { EventBusName: 'control-plane', Source: 's', DetailType: 'd', Detail: '{}' }] },
      service: 'events',
    };
    const onlyDefaultBus = createCallerGate({
      credentialStore: store,
      policyForRole: () =>
        ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/default` }] }) as unknown as PolicyDocument,
      region: REGION,
      accountId: ACCOUNT,
      now: () => NOW,
    });

    const response = onlyDefaultBus.check(await signedRequest(call, tenant), 'eventbridge');

    expect(bodyOf(response).message).toContain(`on resource: ${busArn} `);
  });

  describe('judges every request by the rule of the service that claimed it', () => {
    const inner = (): CallerGate =>
      createCallerGate({ credentialStore: store, policyForRole: () => undefined, region: REGION, accountId: ACCOUNT, now: () => NOW });

    it.each([
      ['cognito-identity', 'AWSCognitoIdentityService.GetOpenIdTokenForDeveloperIdentity'],
      ['stepfunctions', 'AWSStepFunctions.StartSyncExecution'],
      ['eventbridge', 'AWSEvents.PutEvents'],
      ['cognito-idp', 'AWSCognitoIdentityProviderService.AdminUpdateUserAttributes'],
    ])('a GET on a .well-known path naming a %s operation is that operation, unsigned: refused', (service, target) => {
      const request = unsignedRequest({ method: 'GET', path: '/anything/.well-known/anything', target, body: {}, service: 'x' });

      const response = inner().check(request, service);

      expect(bodyOf(response)).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
    });

    it('a public user pool operation claimed by another service is not public there', () => {
      const request = unsignedRequest({ target: 'AWSCognitoIdentityProviderService.InitiateAuth', body: {}, service: 'x' });

      expect(inner().check(request, 'stepfunctions')).toBeDefined();
      expect(inner().check(request, 'cognito-idp')).toBeUndefined();
    });

    it('a request claimed by a service that has no rule is the administrator’s alone', async () => {
      const request = unsignedRequest({ target: 'AWSCognitoIdentityService.GetId', body: {}, service: 'x' });

      expect(inner().check(request, 'some-new-service')).toBeDefined();
      expect(inner().check(await signedRequest({ target: 'AWSCognitoIdentityService.GetId', body: {}, service: 'x' }, ADMIN), 'some-new-service')).toBeUndefined();
    });
  });

  it('keeps an operation it cannot classify for the administrator', async () => {
    const call: Call = { method: 'GET', path: '/_local/something-new', service: 'local' };

    const unsigned = gate.check(unsignedRequest(call));
    const asTenant = gate.check(await signedRequest(call, tenant));
    const asAdmin = gate.check(await signedRequest(call, ADMIN));

    expect(unsigned?.status).toBe(403);
    expect(bodyOf(asTenant).message).toBe(denial('local:CallUnclassifiedOperation', '*'));
    expect(asAdmin).toBeUndefined();
  });
});
