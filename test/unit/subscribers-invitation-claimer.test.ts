import { invitationItem } from '../../domain/items';
import { DETAIL_TYPE, EVENT_CATALOG } from '../../events/catalog';
import { isInvitationFor } from '../../domain/items';
import type { DirectoryUser, InvitationView } from '../../handlers/shared/member-store';
import type { RunWorkflow, WorkflowResult } from '../../handlers/shared/workflow-runner';
import { createInvitationClaimerHandler, InvitationClaimError, type InvitationClaimerDeps } from '../../handlers/subscribers/invitation-claimer/handler';
import { WORKFLOW_ERROR, type AddMemberInput } from '../../workflows/registry';
import { busEvent, recordingLogger } from './subscribers-support';

const NOW = new Date('2026-12-01T10:00:00.000Z');
const confirmed = { ...EVENT_CATALOG[DETAIL_TYPE.userConfirmed].sample, email: 'Lee@Example.com' };

const verifiedUser = (overrides: Partial<DirectoryUser> = {}): DirectoryUser => ({
  username: confirmed.userId,
  userId: confirmed.userId,
  email: 'lee@example.com',
  emailVerified: true,
  status: 'CONFIRMED',
  activeTenantId: null,
  ...overrides,
});

const invitation = (tenantId: string, expiresAt = '2026-12-08T10:00:00.000Z'): InvitationView => ({
  tenantId,
  tenantName: `Tenant ${tenantId}`,
  email: 'lee@example.com',
  roleId: 'pilot',
  invitedBy: 'admin-1',
  createdAt: '2026-11-30T10:00:00.000Z',
  expiresAt,
});

const result = (overrides: Partial<WorkflowResult> = {}): WorkflowResult => ({ status: 'SUCCEEDED', output: undefined, error: undefined, cause: undefined, executionArn: 'arn', ...overrides });

function setup(options: { user?: DirectoryUser; invitations?: InvitationView[]; run?: (input: AddMemberInput) => WorkflowResult; members?: string[] } = {}) {
  const inputs: AddMemberInput[] = [];
  const published: { type: string; detail: unknown }[] = [];
  const lookedUp: string[] = [];
  const run: RunWorkflow = async (_arn, input) => {
    inputs.push(input as AddMemberInput);
    return options.run ? options.run(input as AddMemberInput) : result();
  };
  const { logger, records } = recordingLogger();
  const deps: InvitationClaimerDeps = {
    directory: {
      user: async (username) => {
        lookedUp.push(username);
        return 'user' in options ? options.user : verifiedUser();
      },
    },
    index: {
      invitationsFor: async () => options.invitations ?? [invitation('t1')],
      isMember: async (_userId, tenantId) => (options.members ?? []).includes(tenantId),
    },
    run,
    addMemberArn: 'arn:add-member',
    publish: (async (type: string, detail: unknown) => {
      published.push({ type, detail });
      return 'event-id';
    }) as InvitationClaimerDeps['publish'],
    now: () => NOW,
    logger,
  };
  return { handle: createInvitationClaimerHandler(deps), inputs, published, lookedUp, records };
}

describe('invitation claimer', () => {
  it('claims each pending invitation of the verified address with AddMember, the user as actor and no actor role', async () => {
    const { handle, inputs, lookedUp } = setup({ invitations: [invitation('t1'), invitation('t2')] });

    const outcome = await handle(busEvent(DETAIL_TYPE.userConfirmed, confirmed));

    expect(outcome).toEqual({ outcome: 'processed', claims: [{ tenantId: 't1', outcome: 'claimed' }, { tenantId: 't2', outcome: 'claimed' }] });
    expect(lookedUp).toEqual([confirmed.userId]);
    expect(inputs[0]).toEqual({
      tenantId: 't1',
      tenantName: 'Tenant t1',
      userId: confirmed.userId,
      username: confirmed.userId,
      email: 'lee@example.com',
      roleId: 'pilot',
      actorUserId: confirmed.userId,
      actorRoleId: null,
      invitation: {
        email: 'lee@example.com',
        invitedBy: 'admin-1',
        createdAt: '2026-11-30T10:00:00.000Z',
        expiresAt: '2026-12-08T10:00:00.000Z',
        sortKey: 'INVITE#lee%40example.com',
      },
    });
  });

  it.each([
    ['the address is not verified', verifiedUser({ emailVerified: false })],
    ['the user pool holds another address for the user', verifiedUser({ email: 'someone.else@example.com' })],
    ['the user is not confirmed', verifiedUser({ status: 'UNCONFIRMED' })],
  ])('claims nothing when %s', async (_case, user) => {
    const { handle, inputs } = setup({ user });

    const outcome = await handle(busEvent(DETAIL_TYPE.userConfirmed, confirmed));

    expect(outcome).toEqual({ outcome: 'not-claimable', reason: 'address not verified, or not the confirmed one' });
    expect(inputs).toEqual([]);
  });

  it('claims nothing for a user the pool does not know', async () => {
    const { handle, inputs } = setup({ user: undefined });

    const outcome = await handle(busEvent(DETAIL_TYPE.userConfirmed, confirmed));

    expect(outcome).toEqual({ outcome: 'not-claimable', reason: 'unknown user' });
    expect(inputs).toEqual([]);
  });

  it('reports an expired invitation with invitation.expired and does not run AddMember for it', async () => {
    const { handle, inputs, published } = setup({ invitations: [invitation('t1', '2026-12-01T10:00:00.000Z')] });

    const outcome = await handle(busEvent(DETAIL_TYPE.userConfirmed, confirmed));

    expect(outcome).toEqual({ outcome: 'processed', claims: [{ tenantId: 't1', outcome: 'expired' }] });
    expect(inputs).toEqual([]);
    expect(published).toEqual([
      { type: DETAIL_TYPE.invitationExpired, detail: { tenantId: 't1', email: 'lee@example.com', roleId: 'pilot', expiresAt: '2026-12-01T10:00:00.000Z', userId: confirmed.userId } },
    ]);
  });

  it('treats a refused claim as done when the membership exists (a redelivered confirmation)', async () => {
    const { handle } = setup({ run: () => result({ status: 'FAILED', error: WORKFLOW_ERROR.memberChangeRefused }), members: ['t1'] });

    const outcome = await handle(busEvent(DETAIL_TYPE.userConfirmed, confirmed));

    expect(outcome).toEqual({ outcome: 'processed', claims: [{ tenantId: 't1', outcome: 'already-member' }] });
  });

  it('runs a refused claim once more while the invitation is still pending, then acknowledges it: no bus retry changes it', async () => {
    const { handle, inputs } = setup({ run: () => result({ status: 'FAILED', error: WORKFLOW_ERROR.memberChangeRefused }) });

    const outcome = await handle(busEvent(DETAIL_TYPE.userConfirmed, confirmed));

    expect(outcome).toEqual({ outcome: 'processed', claims: [{ tenantId: 't1', outcome: 'refused' }] });
    expect(inputs).toHaveLength(2);
  });

  it('claims on the second run when the first was cancelled by a concurrent transaction', async () => {
    const outcomes = [result({ status: 'FAILED', error: WORKFLOW_ERROR.memberChangeRefused }), result()];
    const { handle, inputs } = setup({ run: () => outcomes.shift() ?? result() });

    const outcome = await handle(busEvent(DETAIL_TYPE.userConfirmed, confirmed));

    expect(outcome).toEqual({ outcome: 'processed', claims: [{ tenantId: 't1', outcome: 'claimed' }] });
    expect(inputs).toHaveLength(2);
  });

  it('throws after trying every invitation when a run failed, so that the bus retries', async () => {
    const { handle, inputs } = setup({
      invitations: [invitation('t1'), invitation('t2')],
      run: (input) => (input.tenantId === 't1' ? result({ status: 'FAILED', error: WORKFLOW_ERROR.addMemberFailed }) : result()),
    });

    await expect(handle(busEvent(DETAIL_TYPE.userConfirmed, confirmed))).rejects.toThrow(InvitationClaimError);
    expect(inputs.map((input) => input.tenantId)).toEqual(['t1', 't2']);
  });

  it('drops an event of another type and a malformed envelope without reading anything', async () => {
    const { handle, lookedUp } = setup();

    const otherType = await handle(busEvent(DETAIL_TYPE.tenantSwitched));
    const malformed = await handle({ detail: confirmed });

    expect(otherType).toEqual({ outcome: 'dropped' });
    expect(malformed).toEqual({ outcome: 'dropped' });
    expect(lookedUp).toEqual([]);
  });

  it('never logs the address', async () => {
    const { handle, records } = setup({ user: verifiedUser({ emailVerified: false }) });

    await handle(busEvent(DETAIL_TYPE.userConfirmed, confirmed));

    expect(JSON.stringify(records)).not.toMatch(/lee@example\.com/i);
  });
});

describe('isInvitationFor', () => {
  const item = invitationItem({ tenantId: 't1', tenantName: 'n', email: 'lee@example.com', roleId: 'pilot', invitedBy: 'a', createdAt: 'c', expiresAt: '2026-12-08T10:00:00.000Z' });
  const strings = (record: Record<string, unknown>) => Object.fromEntries(Object.entries(record).map(([name, value]) => [name, typeof value === 'string' ? value : undefined]));

  it("accepts an item whose table and index keys are exactly the invitation's", () => {
    expect(isInvitationFor('Lee@Example.com', strings(item))).toBe(true);
  });

  it.each([
    ['a membership item under the same index partition', { ...item, SK: 'MEMBER#u1' }],
    ['an invitation of another address', { ...item, email: 'other@example.com' }],
    ['an item naming another tenant than its key', { ...item, tenantId: 't2' }],
    ['an item with a separator in its tenant id', { ...item, tenantId: 't1#x' }],
    ['an item without a role', { ...item, roleId: undefined }],
  ])('refuses %s', (_case, candidate) => {
    expect(isInvitationFor('lee@example.com', strings(candidate))).toBe(false);
  });
});
