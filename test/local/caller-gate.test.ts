import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { CognitoIdentityClient, DescribeIdentityPoolCommand, GetIdCommand, GetOpenIdTokenForDeveloperIdentityCommand } from '@aws-sdk/client-cognito-identity';
import {
  AdminAddUserToGroupCommand,
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  AdminUpdateUserAttributesCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  GetGroupCommand,
  InitiateAuthCommand,
  ListUsersCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SFNClient, StartExecutionCommand, StartSyncExecutionCommand } from '@aws-sdk/client-sfn';
import { DEVELOPER_PROVIDER_NAME } from '../../domain/identity';
import { DETAIL_TYPE, EVENT_SOURCE } from '../../events/catalog';
import { FUNCTIONS } from '../../handlers/catalog';
import { WORKFLOWS } from '../../workflows/registry';
import { LOCAL_ADMIN_CREDENTIALS } from '../../local/config';
import {
  adminFetch,
  api,
  decodeClaims,
  eventually,
  identityPoolCredentials,
  outputs,
  PASSWORD,
  signedFetch,
  signIn,
  signUpConfirmed,
  uniqueEmail,
} from './support';

/**
 * Every service of the local endpoint knows who is calling: tenant credentials get the tenant
 * role's policy (DynamoDB only) everywhere, unsigned requests reach only what AWS serves unsigned,
 * and the local administrator passes. Driven through real SDK clients, as an attacker would.
 */

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

interface Attacker {
  readonly email: string;
  readonly userId: string;
  readonly username: string;
  readonly refreshToken: string;
  /** The two tenants the user created; the second is active after sign-up. */
  readonly tenants: readonly [string, string];
  readonly roleId: string;
  readonly credentials: Credentials;
}

/** A signer that sends requests as given: an unsigned call, as from a browser or curl. */
const NO_SIGNATURE = { sign: async <T>(request: T): Promise<T> => request };

/** Real SDK clients on the local endpoint, signing with `credentials` or (unsigned) not at all. */
function sdkClients(credentials: Credentials, unsigned: boolean) {
  const { endpoint, region } = outputs();
  const config = { endpoint, region, credentials, disableHostPrefix: true, ...(unsigned ? { signer: NO_SIGNATURE as never } : {}) };
  return {
    cognito: new CognitoIdentityProviderClient(config),
    identity: new CognitoIdentityClient(config),
    events: new EventBridgeClient(config),
    sfn: new SFNClient(config),
    lambda: new LambdaClient(config),
  };
}

const admin = sdkClients(LOCAL_ADMIN_CREDENTIALS, false);

async function attribute(email: string, name: string): Promise<string | undefined> {
  const user = await admin.cognito.send(new AdminGetUserCommand({ UserPoolId: outputs().userPoolId, Username: email }));
  return user.UserAttributes?.find((entry) => entry.Name === name)?.Value;
}

const activeTenant = (email: string): Promise<string | undefined> => attribute(email, 'custom:tenant_id');

async function groupsOf(username: string): Promise<string[]> {
  const { Groups = [] } = await admin.cognito.send(new AdminListGroupsForUserCommand({ UserPoolId: outputs().userPoolId, Username: username }));
  return Groups.map((group) => group.GroupName ?? '');
}

async function createAttacker(): Promise<Attacker> {
  const email = uniqueEmail('gate');
  const userId = await signUpConfirmed(email);
  const first = await signIn(email);
  const a = await api<{ tenant: { tenantId: string }; tokens: { idToken: string } }>('POST', '/tenants', first.idToken, { name: 'Gate One', refreshToken: first.refreshToken });
  const b = await api<{ tenant: { tenantId: string }; tokens: { idToken: string } }>('POST', '/tenants', a.body.tokens.idToken, { name: 'Gate Two', refreshToken: first.refreshToken });
  if (b.status !== 201 && b.status !== 200) throw new Error(`onboarding answered ${b.status}: ${JSON.stringify(b.body)}`);
  const claims = decodeClaims(b.body.tokens.idToken);
  return {
    email,
    userId,
    username: String(claims['cognito:username']),
    refreshToken: first.refreshToken,
    tenants: [a.body.tenant.tenantId, b.body.tenant.tenantId],
    roleId: String(claims['custom:role']),
    credentials: await identityPoolCredentials(b.body.tokens.idToken),
  };
}

/** The other of the attacker's two tenants: where a forged switch would move them. */
async function switchTarget(attacker: Attacker): Promise<{ from: string; to: string }> {
  const from = (await activeTenant(attacker.email)) ?? '';
  const to = attacker.tenants[0] === from ? attacker.tenants[1] : attacker.tenants[0];
  return { from, to };
}

/** SwitchTenant's event as API Gateway would pass it after the authorizer: here forged by the caller. */
function forgedSwitchEvent(attacker: Attacker, from: string, to: string): object {
  return {
    httpMethod: 'PUT',
    path: '/tenants/active',
    body: JSON.stringify({ tenantId: to, refreshToken: attacker.refreshToken }),
    pathParameters: null,
    queryStringParameters: null,
    requestContext: {
      requestId: `forged-${randomUUID()}`,
      authorizer: {
        userId: attacker.userId,
        username: attacker.username,
        email: attacker.email,
        tenantId: from,
        roleId: attacker.roleId,
        groups: JSON.stringify(attacker.tenants),
        accessKeyId: 'forged',
        secretAccessKey: 'forged',
        sessionToken: 'forged',
      },
    },
  };
}

function forgedSwitchInput(attacker: Attacker, from: string, to: string): string {
  return JSON.stringify({ userId: attacker.userId, username: attacker.username, targetTenantId: to, groups: attacker.tenants, previousTenantId: from, previousRoleId: attacker.roleId });
}

/**
 * Whether a GetMembership fault is pending for `userId`: a Switching run for that user fails with
 * SwitchFailed if one is (using it up), and is rejected as NotAMember if none is.
 */
async function faultPendingFor(userId: string): Promise<boolean> {
  const tenantId = randomUUID();
  const input = { userId, username: 'nobody', targetTenantId: tenantId, groups: [tenantId], previousTenantId: null, previousRoleId: null };
  const result = await admin.sfn.send(new StartSyncExecutionCommand({ stateMachineArn: switchingArn(), input: JSON.stringify(input) }));
  if (result.error !== 'SwitchFailed' && result.error !== 'NotAMember') throw new Error(`unexpected probe result ${result.status} ${result.error}`);
  return result.error === 'SwitchFailed';
}

const faultFor = (userId: string): string =>
  JSON.stringify({ stateMachineName: WORKFLOWS.switching.name, stateName: 'GetMembership', error: 'States.TaskFailed', count: 1, whenInput: { userId } });

function switchingArn(): string {
  const arn = outputs().stateMachines.switching;
  if (!arn) throw new Error('the local cloud has no switching state machine');
  return arn;
}

function forgedConfirmation(userId: string) {
  return new PutEventsCommand({
    Entries: [
      {
        EventBusName: outputs().eventBusName,
        Source: EVENT_SOURCE.identity,
        DetailType: DETAIL_TYPE.userConfirmed,
        Detail: JSON.stringify({ userId, email: `${userId}@example.com`, userPoolId: outputs().userPoolId, confirmedAt: new Date().toISOString() }),
      },
    ],
  });
}

/** Whether the bus accepted an event about `userId` (the console shows its 50 latest). */
async function busAccepted(userId: string): Promise<boolean> {
  const response = await fetch(`${outputs().endpoint}/_local/console/state.json`);
  const state = (await response.json()) as { events: { event: { detail: { userId?: string } } }[] };
  return state.events.some((entry) => entry.event.detail.userId === userId);
}

/** A request exactly as written, body and all, whatever its method: what no SDK would send. */
function rawRequest(method: string, path: string, headers: Record<string, string>, body: string, base = outputs().endpoint): Promise<{ status: number; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { hostname: url.hostname, port: url.port, method, path, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

describe('a caller without the rights of the local administrator', () => {
  let attacker: Attacker;
  let victimGroup: string;

  beforeAll(async () => {
    attacker = await createAttacker();
    victimGroup = `victim-${randomUUID()}`;
    await admin.cognito.send(new CreateGroupCommand({ UserPoolId: outputs().userPoolId, GroupName: victimGroup }));
  });

  describe.each([
    { caller: 'tenant credentials', unsigned: false, refusal: 'AccessDeniedException' },
    { caller: 'no signature', unsigned: true, refusal: 'MissingAuthenticationTokenException' },
  ])('with $caller', ({ unsigned, refusal }) => {
    const as = () => sdkClients(unsigned ? LOCAL_ADMIN_CREDENTIALS : attacker.credentials, unsigned);
    const faults = (init: { method: string; body?: string }): Promise<Response> =>
      unsigned ? fetch(`${outputs().endpoint}/_local/faults`, init) : signedFetch('/_local/faults', init, attacker.credentials);

    it(`cannot invoke SwitchTenant with a forged authorizer context (${refusal}), so the active tenant stays`, async () => {
      const { from, to } = await switchTarget(attacker);

      const invoke = as().lambda.send(new InvokeCommand({ FunctionName: FUNCTIONS.switchTenant.name, Payload: JSON.stringify(forgedSwitchEvent(attacker, from, to)) }));

      await expect(invoke).rejects.toMatchObject({ name: refusal });
      expect(await activeTenant(attacker.email)).toBe(from);
    });

    it.each(['StartSyncExecution', 'StartExecution'] as const)('cannot %s the Switching machine with forged input, so the active tenant stays', async (operation) => {
      const { from, to } = await switchTarget(attacker);
      const request = { stateMachineArn: switchingArn(), input: forgedSwitchInput(attacker, from, to) };

      const sfn = as().sfn;
      const start = operation === 'StartSyncExecution' ? sfn.send(new StartSyncExecutionCommand(request)) : sfn.send(new StartExecutionCommand(request));

      await expect(start).rejects.toMatchObject({ name: refusal });
      await new Promise((resolve) => setTimeout(resolve, 300)); // a started run would have switched by now
      expect(await activeTenant(attacker.email)).toBe(from);
    });

    it("cannot rewrite a user's attributes, join a group or list the pool's users", async () => {
      const { userPoolId } = outputs();
      const cognito = as().cognito;

      const update = cognito.send(
        new AdminUpdateUserAttributesCommand({ UserPoolId: userPoolId, Username: attacker.email, UserAttributes: [{ Name: 'custom:tenant_id', Value: 'forged-tenant' }] }),
      );
      const join = cognito.send(new AdminAddUserToGroupCommand({ UserPoolId: userPoolId, Username: attacker.username, GroupName: victimGroup }));
      const list = cognito.send(new ListUsersCommand({ UserPoolId: userPoolId }));
      const create = cognito.send(new CreateGroupCommand({ UserPoolId: userPoolId, GroupName: `forged-${randomUUID()}` }));

      await expect(update).rejects.toMatchObject({ name: refusal });
      await expect(join).rejects.toMatchObject({ name: refusal });
      await expect(list).rejects.toMatchObject({ name: refusal });
      await expect(create).rejects.toMatchObject({ name: refusal });
      expect(attacker.tenants).toContain(await activeTenant(attacker.email));
      expect(await groupsOf(attacker.username)).not.toContain(victimGroup);
    });

    it('cannot publish a forged control-plane event, so the bus never sees it', async () => {
      const userId = randomUUID();

      await expect(as().events.send(forgedConfirmation(userId))).rejects.toMatchObject({ name: refusal });
      expect(await busAccepted(userId)).toBe(false);
    });

    it('cannot set a fault on /_local/faults', async () => {
      const userId = randomUUID();

      const response = await faults({ method: 'POST', body: faultFor(userId) });

      expect(response.status).toBe(403);
      expect(((await response.json()) as { __type: string }).__type).toBe(refusal);
      expect(await faultPendingFor(userId)).toBe(false);
    });

    it('cannot clear the faults on /_local/faults', async () => {
      const userId = randomUUID();
      expect((await adminFetch('/_local/faults', { method: 'POST', body: faultFor(userId) })).status).toBe(200);

      const response = await faults({ method: 'DELETE' });

      expect(response.status).toBe(403);
      expect(await faultPendingFor(userId)).toBe(true);
    });

    it('cannot describe the identity pool or mint an OpenID token for another user', async () => {
      const { identityPoolId } = outputs();
      const identity = as().identity;

      const describe = identity.send(new DescribeIdentityPoolCommand({ IdentityPoolId: identityPoolId }));
      const mint = identity.send(
        new GetOpenIdTokenForDeveloperIdentityCommand({ IdentityPoolId: identityPoolId, Logins: { [DEVELOPER_PROVIDER_NAME]: randomUUID() }, PrincipalTags: { tenant_id: 'forged' } }),
      );

      await expect(describe).rejects.toMatchObject({ name: refusal });
      await expect(mint).rejects.toMatchObject({ name: refusal });
    });
  });

  describe.each([
    ['AWSCognitoIdentityService.GetOpenIdTokenForDeveloperIdentity', '1.1'],
    ['AWSStepFunctions.ListExecutions', '1.0'],
    ['AWSEvents.PutEvents', '1.1'],
    ['AWSCognitoIdentityProviderService.ListUsers', '1.1'],
  ])('cannot pass %s off as a public discovery document', (target, version) => {
    it.each(['GET', 'PUT', 'DELETE'])('with %s on a .well-known path, unsigned: nothing runs', async (method) => {
      const { identityPoolId, userPoolId } = outputs();
      const input = {
        IdentityPoolId: identityPoolId,
        Logins: { [DEVELOPER_PROVIDER_NAME]: attacker.userId },
        PrincipalTags: { tenant_id: attacker.tenants[0], user_id: attacker.userId },
        stateMachineArn: switchingArn(),
        UserPoolId: userPoolId,
        Entries: [],
      };

      const answer = await rawRequest(method, `/${userPoolId}/.well-known/jwks.json`, {
        'x-amz-target': target,
        'content-type': `application/x-amz-json-${version}`,
      }, JSON.stringify(input));

      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.body).not.toMatch(/"Token"|"executions"|"Users"|"FailedEntryCount"/);
    });
  });

  it.each([['rebind.attacker.example'], ['rebind.attacker.example:4566'], ['127.0.0.1.nip.io']])(
    'cannot reach the endpoint or the API through a page whose name points at loopback (Host %s)',
    async (host) => {
      const adminCall = { 'x-amz-target': 'DynamoDB_20120810.ListTables', 'content-type': 'application/x-amz-json-1.0', host, authorization: 'AWS4-HMAC-SHA256 Credential=local/x' };

      const endpointAnswer = await rawRequest('POST', '/', adminCall, '{}');
      const consoleAnswer = await rawRequest('GET', '/_local/console/state.json', { host }, '');
      const apiAnswer = await rawRequest('GET', '/me', { host }, '', outputs().apiUrl);

      expect([endpointAnswer.status, consoleAnswer.status, apiAnswer.status]).toEqual([403, 403, 403]);
      expect(endpointAnswer.body).not.toContain('TableNames');
      expect(consoleAnswer.body).toContain('DNS rebinding');
    },
  );

  it('serves its own loopback names (the control for the case above)', async () => {
    const port = new URL(outputs().endpoint).port;

    const byName = await rawRequest('GET', '/_local/console/state.json', { host: `localhost:${port}` }, '');

    expect(byName.status).toBe(200);
  });

  it('still reaches the public operations unsigned: sign-in works and a bad login is refused as such', async () => {
    const { userPoolClientId, identityPoolId } = outputs();
    const anonymous = sdkClients(LOCAL_ADMIN_CREDENTIALS, true);

    const signedIn = await anonymous.cognito.send(
      new InitiateAuthCommand({ ClientId: userPoolClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: attacker.email, PASSWORD } }),
    );
    const getId = anonymous.identity.send(new GetIdCommand({ IdentityPoolId: identityPoolId, Logins: { 'accounts.example.com': 'not-a-token' } }));

    expect(signedIn.AuthenticationResult?.IdToken).toEqual(expect.any(String));
    await expect(getId).rejects.toMatchObject({ name: 'NotAuthorizedException' });
  });
});

describe('the local administrator', () => {
  let user: Attacker;

  beforeAll(async () => {
    user = await createAttacker();
  });

  it('invokes SwitchTenant directly, which switches the active tenant', async () => {
    const { from, to } = await switchTarget(user);

    const result = await admin.lambda.send(new InvokeCommand({ FunctionName: FUNCTIONS.switchTenant.name, Payload: JSON.stringify(forgedSwitchEvent(user, from, to)) }));

    expect(result.FunctionError).toBeUndefined();
    expect(JSON.parse(Buffer.from(result.Payload ?? new Uint8Array()).toString('utf8'))).toMatchObject({ statusCode: 200 });
    expect(await activeTenant(user.email)).toBe(to);
  });

  it('runs the Switching machine with StartSyncExecution and StartExecution', async () => {
    const first = await switchTarget(user);
    const sync = await admin.sfn.send(new StartSyncExecutionCommand({ stateMachineArn: switchingArn(), input: forgedSwitchInput(user, first.from, first.to) }));
    expect(sync.status).toBe('SUCCEEDED');
    expect(await activeTenant(user.email)).toBe(first.to);

    const second = await switchTarget(user);
    await admin.sfn.send(new StartExecutionCommand({ stateMachineArn: switchingArn(), input: forgedSwitchInput(user, second.from, second.to) }));

    expect(await eventually(async () => ((await activeTenant(user.email)) === second.to ? true : undefined), 'the asynchronous switch')).toBe(true);
  });

  it('administers the user pool', async () => {
    const { userPoolId } = outputs();
    const group = `admin-made-${randomUUID()}`;

    await admin.cognito.send(new CreateGroupCommand({ UserPoolId: userPoolId, GroupName: group }));
    await admin.cognito.send(new AdminAddUserToGroupCommand({ UserPoolId: userPoolId, Username: user.username, GroupName: group }));
    await admin.cognito.send(new AdminUpdateUserAttributesCommand({ UserPoolId: userPoolId, Username: user.email, UserAttributes: [{ Name: 'name', Value: 'Renamed' }] }));
    const listed = await admin.cognito.send(new ListUsersCommand({ UserPoolId: userPoolId, Filter: `email = "${user.email}"` }));

    expect((await admin.cognito.send(new GetGroupCommand({ UserPoolId: userPoolId, GroupName: group }))).Group?.GroupName).toBe(group);
    expect(await groupsOf(user.username)).toContain(group);
    expect(await attribute(user.email, 'name')).toBe('Renamed');
    expect(listed.Users?.map((entry) => entry.Username)).toContain(user.username);
  });

  it('publishes on the bus', async () => {
    const userId = randomUUID();

    const result = await admin.events.send(forgedConfirmation(userId));

    expect(result.FailedEntryCount).toBe(0);
    expect(await busAccepted(userId)).toBe(true);
  });

  it('sets a fault on /_local/faults', async () => {
    const userId = randomUUID();

    const response = await adminFetch('/_local/faults', { method: 'POST', body: faultFor(userId) });

    expect(response.status).toBe(200);
    expect(await faultPendingFor(userId)).toBe(true);
  });

  it('describes the identity pool and mints OpenID tokens', async () => {
    const { identityPoolId } = outputs();

    const described = await admin.identity.send(new DescribeIdentityPoolCommand({ IdentityPoolId: identityPoolId }));
    const minted = await admin.identity.send(
      new GetOpenIdTokenForDeveloperIdentityCommand({ IdentityPoolId: identityPoolId, Logins: { [DEVELOPER_PROVIDER_NAME]: user.userId }, PrincipalTags: { user_id: user.userId } }),
    );

    expect(described.IdentityPoolId).toBe(identityPoolId);
    expect(minted.Token).toEqual(expect.any(String));
  });
});
