/**
 * Actions a role can hold (API.md "Roles"). A role is a list of these; the built-in `admin` role
 * holds all of them and can be neither changed nor deleted.
 */
export const ACTIONS = [
  'aircraft:read',
  'aircraft:write',
  'reservation:read',
  'reservation:create',
  'reservation:cancel',
  'member:read',
  'member:manage',
  'role:manage',
  'role:assign',
  'audit:read',
] as const;

export type Action = (typeof ACTIONS)[number];

export const ADMIN_ROLE_ID = 'admin';

export const isAction = (value: string): value is Action => (ACTIONS as readonly string[]).includes(value);

/** The actions a role grants: the admin role always grants every action, whatever is stored. */
export function actionsOfRole(roleId: string, storedActions: readonly string[]): Action[] {
  if (roleId === ADMIN_ROLE_ID) return [...ACTIONS];
  return storedActions.filter(isAction);
}
