import { AdminConfirmSignUpCommand, SignUpCommand, UpdateUserAttributesCommand } from '@aws-sdk/client-cognito-identity-provider';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { invitationItem } from '../../domain/items';
import { invitationKey, userLimitsKey } from '../../domain/keys';
import { USER_LIMITS_ATTRIBUTE } from '../../domain/limits';
import { DETAIL_TYPE, EVENT_CATALOG, type DetailType, type EventDetail } from '../../events/catalog';
import { api, clients, cloudLog, eventually, outputs, PASSWORD, signIn, signUpConfirmed, uniqueEmail } from './support';
import { auditDetails, createRole, fieldsOf, getItem, groupsOf, newTenant, putItem, switchedTo, userAttribute, verifyEmail, type Tenant } from './tenant-fixtures';

/**
 * Invitations through the real REST API on the local cloud, and their claim: the post-confirmation
 * trigger's user.confirmed on the bus, the InvitationClaimer reading the user pool and the user
 * index, and the AddMember workflow's transaction on DynamoDB Local.
 */

const { cognito, events } = clients();
const poolId = () => outputs().userPoolId;

interface Invitation {
  email: string;
  roleId: string;
  invitedBy: string;
  expiresAt: string;
}

async function invite(tenant: Tenant, email: string, roleId: string): Promise<Invitation> {
  const response = await api<{ invitation: Invitation }>('POST', '/members', tenant.admin.idToken, { email, roleId });
  expect(response.status).toBe(202);
  return response.body.invitation;
}

async function pendingInvitations(tenant: Tenant): Promise<Invitation[]> {
  const response = await api<{ invitations: Invitation[] }>('GET', '/invitations', tenant.admin.idToken);
  expect(response.status).toBe(200);
  return response.body.invitations;
}

async function memberIds(tenant: Tenant): Promise<string[]> {
  const response = await api<{ members: { userId: string }[] }>('GET', '/members', tenant.admin.idToken);
  expect(response.status).toBe(200);
  return response.body.members.map((member) => member.userId);
}

/**
 * Sign-up, then the address verified by a back office (the local pool has no auto-verified
 * attribute: it never verifies an address by itself), then confirmation, which fires the trigger.
 */
async function signUpVerified(email: string): Promise<string> {
  const signUp = await cognito.send(new SignUpCommand({ ClientId: outputs().userPoolClientId, Username: email, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: email }] }));
  const userId = signUp.UserSub ?? '';
  await verifyEmail(userId, email);
  await cognito.send(new AdminConfirmSignUpCommand({ UserPoolId: poolId(), Username: email }));
  return userId;
}

const auditedFor = (tenantId: string, type: DetailType, userId: string) =>
  eventually(async () => (await auditDetails(tenantId, type)).find((detail) => detail.userId?.S === userId), `${type} of ${userId} in the audit trail`);

async function invitationStored(tenant: Tenant, email: string): Promise<boolean> {
  return (await getItem(invitationKey(tenant.tenantId, email))) !== undefined;
}

/** Waits until the claimer has logged its handling of the confirmations of `userId` (each line names the event and the user). */
function claimerLogged(userId: string, message: string, times = 1): Promise<true> {
  return eventually(async () => {
    const lines = cloudLog()
      .split('\n')
      .filter((line) => line.includes(`"message":"${message}"`) && line.includes(userId));
    return lines.length >= times ? true : undefined;
  }, `${times} × "${message}" from the claimer for ${userId}`);
}

/** user.confirmed as the trigger publishes it, put on the bus with admin credentials. */
async function putConfirmation(detail: EventDetail<typeof DETAIL_TYPE.userConfirmed>): Promise<string> {
  const result = await events.send(
    new PutEventsCommand({
      Entries: [{ EventBusName: outputs().eventBusName, Source: EVENT_CATALOG[DETAIL_TYPE.userConfirmed].source, DetailType: DETAIL_TYPE.userConfirmed, Detail: JSON.stringify(detail) }],
    }),
  );
  return result.Entries?.[0]?.EventId ?? '';
}

describe('GET /invitations', () => {
  let tenant: Tenant;

  beforeAll(async () => {
    tenant = await newTenant('invitations');
    await createRole(tenant, 'Pilot', ['aircraft:read']);
  });

  it('lists the pending invitations with who invited, and leaves out expired ones', async () => {
    const pending = await invite(tenant, uniqueEmail('pending'), 'pilot');
    const expiredEmail = uniqueEmail('expired-listing');
    const expired = invitationItem({
      tenantId: tenant.tenantId,
      tenantName: tenant.name,
      email: expiredEmail,
      roleId: 'pilot',
      invitedBy: tenant.admin.userId,
      createdAt: new Date(Date.now() - 8 * 86_400_000).toISOString(),
      expiresAt: new Date(Date.now() - 86_400_000).toISOString(),
    });
    await putItem(expired);

    const listed = await pendingInvitations(tenant);

    expect(listed).toContainEqual({ ...pending, invitedBy: tenant.admin.userId });
    expect(listed.map((invitation) => invitation.email)).not.toContain(expiredEmail);
  });

  it("lists none of another tenant's invitations", async () => {
    const other = await newTenant('invitations-other');

    expect(await pendingInvitations(other)).toEqual([]);
  });

  it('answers 403 to a member whose role lacks member:read, and audits the denial', async () => {
    const email = uniqueEmail('invited-pilot');
    await invite(tenant, email, 'pilot');
    const pilotId = await signUpVerified(email);
    await eventually(async () => ((await memberIds(tenant)).includes(pilotId) ? true : undefined), 'the invited pilot a member');
    const { idToken } = await switchedTo(email, tenant.tenantId);

    const response = await api('GET', '/invitations', idToken);

    expect(response.status).toBe(403);
    await eventually(
      async () => (await auditDetails(tenant.tenantId, DETAIL_TYPE.accessDenied)).find((detail) => detail.userId?.S === pilotId && detail.action?.S === 'member:read'),
      'access.denied in the audit trail',
    );
  });
});

describe('DELETE /invitations/{email}', () => {
  let tenant: Tenant;

  beforeAll(async () => {
    tenant = await newTenant('revoking');
    await createRole(tenant, 'Pilot', ['aircraft:read']);
  });

  it('revokes a pending invitation named in any case, URL-encoded: gone, audited, and never claimed', async () => {
    const email = uniqueEmail('revoked');
    await invite(tenant, email, 'pilot');

    const response = await api('DELETE', `/invitations/${encodeURIComponent(email.toUpperCase())}`, tenant.admin.idToken);

    expect(response.status).toBe(204);
    expect((await pendingInvitations(tenant)).map((invitation) => invitation.email)).not.toContain(email);
    expect(await invitationStored(tenant, email)).toBe(false);
    await eventually(async () => (await auditDetails(tenant.tenantId, DETAIL_TYPE.invitationRevoked)).find((detail) => detail.email?.S === email), 'invitation.revoked');
    const userId = await signUpVerified(email);
    await claimerLogged(userId, 'invitations processed');
    expect(await memberIds(tenant)).not.toContain(userId);
  });

  it("answers 404 when none is pending, and for another tenant's invitation, which stays", async () => {
    const other = await newTenant('revoking-other');
    await createRole(other, 'Pilot', ['aircraft:read']);
    const theirs = uniqueEmail('theirs');
    await invite(other, theirs, 'pilot');

    const none = await api('DELETE', `/invitations/${encodeURIComponent(uniqueEmail('nobody'))}`, tenant.admin.idToken);
    const foreign = await api('DELETE', `/invitations/${encodeURIComponent(theirs)}`, tenant.admin.idToken);

    expect([none.status, foreign.status]).toEqual([404, 404]);
    expect((await pendingInvitations(other)).map((invitation) => invitation.email)).toContain(theirs);
  });

  it('answers 400 naming email for a path that is no address', async () => {
    const response = await api('DELETE', `/invitations/${encodeURIComponent('not-an-address')}`, tenant.admin.idToken);

    expect(response.status).toBe(400);
    expect(fieldsOf(response)).toEqual(['email']);
  });

  it('answers 403 to a member whose role lacks member:manage, and audits the denial; the invitation stays', async () => {
    const readerEmail = uniqueEmail('reader');
    await invite(tenant, readerEmail, await createRole(tenant, 'Reader', ['member:read']));
    const readerId = await signUpVerified(readerEmail);
    await eventually(async () => ((await memberIds(tenant)).includes(readerId) ? true : undefined), 'the reader a member');
    const { idToken } = await switchedTo(readerEmail, tenant.tenantId);
    const target = uniqueEmail('kept');
    await invite(tenant, target, 'pilot');

    const response = await api('DELETE', `/invitations/${encodeURIComponent(target)}`, idToken);

    expect(response.status).toBe(403);
    await eventually(
      async () => (await auditDetails(tenant.tenantId, DETAIL_TYPE.accessDenied)).find((detail) => detail.userId?.S === readerId && detail.action?.S === 'member:manage'),
      'access.denied in the audit trail',
    );
    expect(await invitationStored(tenant, target)).toBe(true);
  });
});

describe('claiming an invitation', () => {
  let tenant: Tenant;

  beforeAll(async () => {
    tenant = await newTenant('claiming');
    await createRole(tenant, 'Pilot', ['aircraft:read']);
  });

  it('makes the user who confirms the verified address a member with the invited role, once, and audits the claim', async () => {
    const email = uniqueEmail('claimer');
    await invite(tenant, email, 'pilot');

    const userId = await signUpVerified(email);

    await eventually(async () => ((await memberIds(tenant)).includes(userId) ? true : undefined), 'the claim');
    const listed = await api<{ members: { userId: string; email: string; roleId: string }[] }>('GET', '/members', tenant.admin.idToken);
    expect(listed.body.members).toContainEqual({ userId, email, roleId: 'pilot' });
    expect(await groupsOf(userId)).toContain(tenant.tenantId);
    expect(await invitationStored(tenant, email)).toBe(false);
    const claimed = await auditedFor(tenant.tenantId, DETAIL_TYPE.invitationClaimed, userId);
    expect(claimed).toMatchObject({ email: { S: email }, roleId: { S: 'pilot' } });
  });

  it('claims nothing for an address confirmed without verification', async () => {
    const email = uniqueEmail('unverified-claimer');
    await invite(tenant, email, 'pilot');

    const userId = await signUpConfirmed(email);

    await claimerLogged(userId, 'invitations not claimed');
    expect(await memberIds(tenant)).not.toContain(userId);
    expect(await invitationStored(tenant, email)).toBe(true);
  });

  it("claims nothing for a user who changes its address to the invited one: the pool un-verifies a changed address", async () => {
    const invited = uniqueEmail('colleague');
    await invite(tenant, invited, 'pilot');
    const own = uniqueEmail('impostor');
    const userId = await signUpVerified(own);
    const { accessToken } = await signIn(own);

    await cognito.send(new UpdateUserAttributesCommand({ AccessToken: accessToken, UserAttributes: [{ Name: 'email', Value: invited }] }));
    expect(await userAttribute(userId, 'email')).toBe(invited);
    expect(await userAttribute(userId, 'email_verified')).toBe('false');
    // As if the trigger ran now (or its event were replayed) for the changed address.
    const eventId = await putConfirmation({ userId, email: invited, userPoolId: poolId(), confirmedAt: new Date().toISOString() });

    await claimerLogged(eventId, 'invitations not claimed');
    expect(await memberIds(tenant)).not.toContain(userId);
    expect(await invitationStored(tenant, invited)).toBe(true);
  });

  it('claims nothing from an expired invitation, reports it expired, and leaves it to the TTL', async () => {
    const email = uniqueEmail('late');
    const expired = invitationItem({
      tenantId: tenant.tenantId,
      tenantName: tenant.name,
      email,
      roleId: 'pilot',
      invitedBy: tenant.admin.userId,
      createdAt: new Date(Date.now() - 8 * 86_400_000).toISOString(),
      expiresAt: new Date(Date.now() - 86_400_000).toISOString(),
    });
    await putItem(expired);

    const userId = await signUpVerified(email);

    const reported = await auditedFor(tenant.tenantId, DETAIL_TYPE.invitationExpired, userId);
    expect(reported).toMatchObject({ email: { S: email }, expiresAt: { S: expired.expiresAt } });
    expect(await memberIds(tenant)).not.toContain(userId);
    expect(await invitationStored(tenant, email)).toBe(true);
  });

  it('claims once when the same user.confirmed arrives three more times', async () => {
    const email = uniqueEmail('thrice');
    await invite(tenant, email, 'pilot');
    const userId = await signUpVerified(email);
    const detail = { userId, email, userPoolId: poolId(), confirmedAt: new Date().toISOString() };

    const eventIds = await Promise.all([putConfirmation(detail), putConfirmation(detail), putConfirmation(detail)]);

    for (const eventId of eventIds) await claimerLogged(eventId, 'invitations processed');
    expect((await memberIds(tenant)).filter((id) => id === userId)).toHaveLength(1);
    expect(await auditDetails(tenant.tenantId, DETAIL_TYPE.invitationClaimed).then((records) => records.filter((record) => record.userId?.S === userId))).toHaveLength(1);
    expect(await auditDetails(tenant.tenantId, DETAIL_TYPE.memberAdded).then((records) => records.filter((record) => record.userId?.S === userId))).toHaveLength(1);
    const limits = await getItem(userLimitsKey(userId));
    expect(limits?.[USER_LIMITS_ATTRIBUTE.memberships]).toEqual({ N: '1' });
  });
});
