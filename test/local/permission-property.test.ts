import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { PermissionDeniedError } from '../../domain/errors';
import { membershipItem, roleItem } from '../../domain/items';
import { tenantDataPartition } from '../../domain/keys';
import { ACTIONS, ADMIN_ROLE_ID, allows, type Action, type RoleGrant } from '../../domain/permissions';
import { SAME_WRITE, guardedWriter } from '../../handlers/shared/guarded-write';
import { backOfficeMember, getItem, newTenant, putItem, type Tenant, type User as Member } from './tenant-fixtures';
import { api, clients, outputs } from './support';

/**
 * The permission rule, as properties over random roles and actions, against DynamoDB Local's real
 * transactions: what the guard's conditions let through is exactly what `allows` (the rule every
 * read uses) says, whatever the role holds and whatever the authorizer last saw.
 */

const { dynamodb } = clients();
const table = () => outputs().tableName;
const RUNS = 40;

let tenant: Tenant;

beforeAll(async () => {
  tenant = await newTenant('Property');
});

const putRole = (roleId: string, actions: readonly Action[]) =>
  putItem(roleItem({ tenantId: tenant.tenantId, roleId, name: roleId, actions: [...actions], builtIn: false, createdAt: new Date().toISOString() }));

async function exists(key: { PK: string; SK: string }): Promise<boolean> {
  return (await getItem(key)) !== undefined;
}

/**
 * One case: the role the membership holds now (a custom role with random actions, the admin role,
 * or no membership at all), and the role the authorizer last saw, which may be an older one.
 */
const scenario = fc.record({
  held: fc.constantFrom('custom', 'admin', 'none'),
  actions: fc.subarray([...ACTIONS]),
  staleActions: fc.subarray([...ACTIONS]),
  authorizerSawOlderRole: fc.boolean(),
  action: fc.constantFrom(...ACTIONS),
});

describe('a guarded write on the local DynamoDB', () => {
  it('commits exactly when the role the membership holds allows the action, and is refused with PermissionDeniedError otherwise', async () => {
    const denials: string[] = [];
    const writer = guardedWriter({ client: dynamodb, tableName: table(), onDenied: async (_tenantId, actor) => void denials.push(actor.userId) });

    await fc.assert(
      fc.asyncProperty(scenario, async ({ held, actions, staleActions, authorizerSawOlderRole, action }) => {
        const run = randomUUID();
        const userId = `user-${run}`;
        const customRoleId = `custom-${run}`;
        const staleRoleId = `stale-${run}`;
        await Promise.all([putRole(customRoleId, actions), putRole(staleRoleId, staleActions)]);
        const heldRoleId = held === 'admin' ? ADMIN_ROLE_ID : customRoleId;
        if (held !== 'none') await putItem(membershipItem({ tenantId: tenant.tenantId, tenantName: tenant.name, userId, email: `${run}@example.com`, roleId: heldRoleId, createdAt: new Date().toISOString() }));
        const grant: RoleGrant = held === 'admin' ? { roleId: ADMIN_ROLE_ID, builtIn: true, actions: [] } : { roleId: customRoleId, builtIn: false, actions };
        const expected = held !== 'none' && allows(grant, action);
        const target = { PK: tenantDataPartition(tenant.tenantId, 'property', 0), SK: `RUN#${run}` };
        const actor = { userId, roleId: authorizerSawOlderRole ? staleRoleId : heldRoleId };
        const deniedBefore = denials.length;

        const outcome = await writer
          .write({ tenantId: tenant.tenantId, actor, action, operations: [{ kind: 'Put', label: 'item', item: { PK: { S: target.PK }, SK: { S: target.SK } } }], asRole: SAME_WRITE })
          .then(
            (result) => result.outcome,
            (error: unknown) => (error instanceof PermissionDeniedError ? 'denied' : Promise.reject(error)),
          );

        expect({ outcome, written: await exists(target), reported: denials.length - deniedBefore }).toEqual(
          expected ? { outcome: 'written', written: true, reported: 0 } : { outcome: 'denied', written: false, reported: 1 },
        );
      }),
      { numRuns: RUNS },
    );
  });
});

describe('POST /roles through the API', () => {
  let member: Member;

  beforeAll(async () => {
    const created = await api('POST', '/roles', tenant.admin.idToken, { name: 'Shifting', actions: [] });
    expect(created.status).toBe(201);
    member = await backOfficeMember(tenant, 'shifting', 'shifting');
  });

  it('creates a role exactly when the actions an admin just gave the member’s role include role:manage', async () => {
    let created = 0;
    await fc.assert(
      fc.asyncProperty(fc.subarray([...ACTIONS]), async (actions) => {
        const changed = await api('PUT', '/roles/shifting', tenant.admin.idToken, { actions });
        expect(changed.status).toBe(200);
        created += 1;

        const response = await api('POST', '/roles', member.idToken, { name: `Made ${created}`, actions: [] });

        expect(response.status).toBe(actions.includes('role:manage') ? 201 : 403);
      }),
      { numRuns: RUNS },
    );
  });
});
