import { Logger } from '@aws-lambda-powertools/logger';
import type { Actor } from '../../domain/guard';
import type { RoleGrant } from '../../domain/permissions';
import { DETAIL_TYPE } from '../../events/catalog';
import type { ProxyEvent } from '../../handlers/api/http';
import { createListInvitationsHandler, createRevokeInvitationHandler, type RevokeInvitationDeps } from '../../handlers/api/invitations/handler';
import { SAME_WRITE, type GuardedWrite, type GuardedWriteOutcome } from '../../handlers/shared/guarded-write';
import type { InvitationView } from '../../handlers/shared/member-store';
import { apiEvent, parse } from './api-fixtures';

const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
const TENANT = 't1';
const NOW = new Date('2026-12-01T10:00:00.000Z');
const OPERATION = '8e2f6a1c-5d4b-4f7e-9a3c-1b2d3e4f5a6b';

function request(options: { email?: string; roleId?: string } = {}): ProxyEvent {
  const caller = { userId: 'caller', username: 'caller', email: 'caller@example.com', tenantId: TENANT, roleId: options.roleId ?? 'admin', groups: JSON.stringify([TENANT]) };
  const email = options.email;
  return apiEvent({ method: email === undefined ? 'GET' : 'DELETE', path: '/invitations', pathParameters: email === undefined ? null : { email }, caller });
}

const invitation = (email: string, expiresAt: string, overrides: Partial<InvitationView> = {}): InvitationView => ({
  tenantId: TENANT,
  tenantName: 'Blue Sky',
  email,
  roleId: 'pilot',
  invitedBy: 'caller',
  createdAt: '2026-11-30T10:00:00.000Z',
  expiresAt,
  ...overrides,
});

class InvitationWorld {
  readonly roles = new Map<string, RoleGrant>([['pilot', { roleId: 'pilot', builtIn: false, actions: ['aircraft:read'] }]]);
  readonly invitations = new Map<string, InvitationView>();
  readonly denied: { action: string; reason: string }[] = [];
  readonly published: { type: string; detail: Record<string, unknown> }[] = [];
  readonly writes: GuardedWrite[] = [];
  writeOutcome: GuardedWriteOutcome = { outcome: 'written' };
  afterWrite: () => void = () => undefined;

  readsFor = () => ({
    getRole: async (_tenantId: string, roleId: string) => this.roles.get(roleId),
    listInvitations: async () => [...this.invitations.values()],
  });

  reportDenied = async (_tenantId: string, _actor: Actor, action: string, reason: string) => {
    this.denied.push({ action, reason });
  };

  revokeDeps(): RevokeInvitationDeps {
    return {
      readsFor: this.readsFor,
      control: { invitation: async (_tenantId, email) => this.invitations.get(email.toLowerCase()) },
      writer: {
        write: async (write) => {
          this.writes.push(write);
          this.afterWrite();
          return this.writeOutcome;
        },
      },
      publish: (async (type: string, detail: Record<string, unknown>) => {
        this.published.push({ type, detail });
        return 'event-id';
      }) as RevokeInvitationDeps['publish'],
      reportDenied: this.reportDenied,
      newOperationId: () => OPERATION,
      now: () => NOW,
      logger,
    };
  }
}

describe('GET /invitations', () => {
  it('lists the pending invitations and leaves out the expired ones that TTL has not removed yet', async () => {
    const world = new InvitationWorld();
    world.invitations.set('lee@example.com', invitation('lee@example.com', '2026-12-08T10:00:00.000Z'));
    world.invitations.set('old@example.com', invitation('old@example.com', '2026-12-01T10:00:00.000Z'));
    const handler = createListInvitationsHandler({ readsFor: world.readsFor, reportDenied: world.reportDenied, now: () => NOW, logger });

    const result = await handler(request());

    expect(result.statusCode).toBe(200);
    expect(parse(result)).toEqual({ invitations: [{ email: 'lee@example.com', roleId: 'pilot', invitedBy: 'caller', expiresAt: '2026-12-08T10:00:00.000Z' }] });
  });

  it('answers 403 and reports the denial when the role lacks member:read', async () => {
    const world = new InvitationWorld();
    const handler = createListInvitationsHandler({ readsFor: world.readsFor, reportDenied: world.reportDenied, now: () => NOW, logger });

    const result = await handler(request({ roleId: 'pilot' }));

    expect(result.statusCode).toBe(403);
    expect(world.denied).toEqual([{ action: 'member:read', reason: 'role pilot does not grant member:read' }]);
  });
});

describe('DELETE /invitations/{email}', () => {
  it.each([
    ['decoded', 'Lee@Example.com'],
    ['still percent-encoded', 'Lee%40Example.com'],
  ])('deletes exactly the pending invitation read, for an address %s, and publishes invitation.revoked', async (_case, email) => {
    const world = new InvitationWorld();
    world.invitations.set('lee@example.com', invitation('lee@example.com', '2026-12-08T10:00:00.000Z'));

    const result = await createRevokeInvitationHandler(world.revokeDeps())(request({ email }));

    expect(result).toMatchObject({ statusCode: 204, body: '' });
    expect(world.writes).toEqual([
      {
        tenantId: TENANT,
        actor: { userId: 'caller', roleId: 'admin' },
        action: 'member:manage',
        // Revoking decides nothing from the caller's role but the action.
        asRole: SAME_WRITE,
        operations: [
          {
            kind: 'Delete',
            label: 'invitation',
            key: { PK: 'TENANT#t1', SK: 'INVITE#lee%40example.com' },
            condition: 'attribute_exists(PK) AND #createdAt = :createdAt',
            names: { '#createdAt': 'createdAt' },
            values: { ':createdAt': { S: '2026-11-30T10:00:00.000Z' } },
          },
        ],
      },
    ]);
    expect(world.published).toEqual([
      { type: DETAIL_TYPE.invitationRevoked, detail: { tenantId: TENANT, email: 'lee@example.com', roleId: 'pilot', actorUserId: 'caller', operationId: OPERATION } },
    ]);
  });

  it.each([
    ['none exists', undefined],
    ['it has expired', invitation('lee@example.com', '2026-12-01T09:59:59.000Z')],
  ])('answers 404 when %s, and writes nothing', async (_case, existing) => {
    const world = new InvitationWorld();
    if (existing) world.invitations.set('lee@example.com', existing);

    const result = await createRevokeInvitationHandler(world.revokeDeps())(request({ email: 'lee@example.com' }));

    expect(result.statusCode).toBe(404);
    expect(world.writes).toEqual([]);
    expect(world.published).toEqual([]);
  });

  it('answers 404 when it was claimed or revoked between the read and the delete', async () => {
    const world = new InvitationWorld();
    world.invitations.set('lee@example.com', invitation('lee@example.com', '2026-12-08T10:00:00.000Z'));
    world.writeOutcome = { outcome: 'refused', failed: ['invitation'] };
    world.afterWrite = () => world.invitations.delete('lee@example.com');

    const result = await createRevokeInvitationHandler(world.revokeDeps())(request({ email: 'lee@example.com' }));

    expect(result.statusCode).toBe(404);
    expect(world.published).toEqual([]);
  });

  it('answers 409 when a new invitation replaced it between the read and the delete', async () => {
    const world = new InvitationWorld();
    world.invitations.set('lee@example.com', invitation('lee@example.com', '2026-12-08T10:00:00.000Z'));
    world.writeOutcome = { outcome: 'refused', failed: ['invitation'] };
    world.afterWrite = () => world.invitations.set('lee@example.com', invitation('lee@example.com', '2026-12-08T11:00:00.000Z', { createdAt: '2026-12-01T10:00:00.000Z' }));

    const result = await createRevokeInvitationHandler(world.revokeDeps())(request({ email: 'lee@example.com' }));

    expect(result.statusCode).toBe(409);
  });

  it.each(['not-an-address', '%E0%A4%A', 'lee#x@example.com'])('answers 400 naming email for the path %s', async (email) => {
    const world = new InvitationWorld();

    const result = await createRevokeInvitationHandler(world.revokeDeps())(request({ email }));

    expect(result.statusCode).toBe(400);
    expect(parse(result).error?.details?.map((detail) => detail.field)).toEqual(['email']);
  });

  it('answers 403 and reports the denial when the role lacks member:manage', async () => {
    const world = new InvitationWorld();
    world.invitations.set('lee@example.com', invitation('lee@example.com', '2026-12-08T10:00:00.000Z'));

    const result = await createRevokeInvitationHandler(world.revokeDeps())(request({ email: 'lee@example.com', roleId: 'pilot' }));

    expect(result.statusCode).toBe(403);
    expect(world.denied).toEqual([{ action: 'member:manage', reason: 'role pilot does not grant member:manage' }]);
    expect(world.writes).toEqual([]);
  });
});
