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

/** What a permission decision reads of a role item: its id, whether it is built in, its stored actions. */
export interface RoleGrant {
  readonly roleId: string;
  readonly builtIn: boolean;
  readonly actions: readonly string[];
}

/**
 * Whether a caller whose membership holds `role` may do `action`. `undefined` is a role that does
 * not exist (deleted a moment ago): it allows nothing. The built-in role (admin, the only one)
 * allows everything, also actions added after its item was written. The same rule is what every
 * guarded write's ConditionCheck says (`builtIn = true OR contains(actions, :action)`).
 */
export function allows(role: RoleGrant | undefined, action: Action): boolean {
  if (role === undefined) return false;
  // Exactly the guard's `builtIn = true`: only onboarding writes a built-in role, and only admin.
  if (role.builtIn) return true;
  return role.actions.includes(action);
}

/** The attribute names of a role item that the guard's condition reads, defined with `allows`. */
export const ROLE_GRANT_ATTRIBUTE = { builtIn: 'builtIn', actions: 'actions' } as const satisfies Record<string, keyof RoleGrant>;

/** Role ids end up in `custom:role` (64 characters at most, domain/identity.ts) and in paths. */
export const ROLE_ID_MAX_LENGTH = 64;

/**
 * A role id a caller names: what `roleIdFromName` makes, or `admin`. Combining marks may follow
 * the first character: without them most Indic and many other scripts could not spell a name
 * (हिन्दी would lose its vowel signs and collide with other words).
 */
export const ROLE_ID_PATTERN = /^[\p{Ll}\p{Lo}\p{Lm}\p{N}](?:[\p{Ll}\p{Lo}\p{Lm}\p{M}\p{N}-]{0,62}[\p{Ll}\p{Lo}\p{Lm}\p{M}\p{N}])?$/u;

/**
 * A role's id, derived from its name so that "Maintenance chief" is `maintenance-chief` and two
 * roles of one name cannot coexist: compatibility-normalized (NFKC), lower-cased, every run of
 * characters that are not letters, marks or digits one `-`, trimmed of `-`, at most 64 UTF-16 units.
 * `undefined` when nothing is left (a name of symbols only). `admin` comes out for "Admin": the
 * caller refuses it as reserved.
 */
export function roleIdFromName(name: string): string | undefined {
  const slug = name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}]+/gu, '-')
    // A mark has nothing to sit on at the start (or after a dash that replaced a symbol).
    .replace(/(^|-)\p{M}+/gu, '$1')
    .replace(/-+/g, '-')
    .replace(/^-+|-+$/g, '');
  // Capped in UTF-16 units, as JavaScript and zod count (and never splitting a character): the
  // strictest reading of the claim's 64, so an id made here always fits every check of it.
  let capped = '';
  for (const character of slug) {
    if (capped.length + character.length > ROLE_ID_MAX_LENGTH) break;
    capped += character;
  }
  capped = capped.replace(/-+$/, '');
  // Cased letters left upper by toLowerCase (title case, a few scripts) are not ids: refuse rather than guess.
  return capped.length > 0 && ROLE_ID_PATTERN.test(capped) ? capped : undefined;
}

/**
 * A role's actions as stored and shown: each once, in the catalogue's order, so that two requests
 * naming the same actions store the same list (and the order a client sent says nothing).
 */
export function canonicalActions(actions: readonly Action[]): Action[] {
  const named = new Set(actions);
  return ACTIONS.filter((action) => named.has(action));
}

/**
 * Whether an actor holding `actorRoleId` may give a member `roleId`, or take it away (remove or
 * demote its holder). The admin role holds every action there is, so only an admin may grant or
 * take it: a member allowed `member:manage` or `role:assign` could otherwise add a second account
 * of its own as admin, or remove the admins it answers to. Custom roles need only the route's
 * action. The workflows and the API's transactions enforce the same rule, with the actor's role
 * proved by the guard inside the write.
 */
export const mayGrantRole = (actorRoleId: string, roleId: string): boolean => roleId !== ADMIN_ROLE_ID || actorRoleId === ADMIN_ROLE_ID;
