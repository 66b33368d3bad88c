import { ACTIONS, actionsOfRole, ADMIN_ROLE_ID, allows, canonicalActions, isAction, ROLE_ID_PATTERN, roleIdFromName } from '../../domain/permissions';

describe('the actions a role grants', () => {
  it('are every action for the admin role, whatever its stored list says', () => {
    const stored = ['aircraft:read'];

    const granted = actionsOfRole(ADMIN_ROLE_ID, stored);

    expect(granted).toEqual([...ACTIONS]);
  });

  it('are every action for an admin role whose stored list is empty', () => {
    const granted = actionsOfRole(ADMIN_ROLE_ID, []);

    expect(granted).toHaveLength(ACTIONS.length);
  });

  it('are the stored actions of a custom role, in their stored order', () => {
    const stored = ['reservation:cancel', 'aircraft:read'];

    const granted = actionsOfRole('pilot', stored);

    expect(granted).toEqual(['reservation:cancel', 'aircraft:read']);
  });

  it('leave out stored strings that are no action, so a typo or a removed action grants nothing', () => {
    const stored = ['aircraft:read', 'aircraft:*', '*', 'AIRCRAFT:READ', 'launch:missiles', ''];

    const granted = actionsOfRole('pilot', stored);

    expect(granted).toEqual(['aircraft:read']);
  });

  it('are none for a custom role with no stored actions', () => {
    expect(actionsOfRole('viewer', [])).toEqual([]);
  });

  it('do not follow a custom role named like the admin role in another case', () => {
    const granted = actionsOfRole(ADMIN_ROLE_ID.toUpperCase(), ['aircraft:read']);

    expect(granted).toEqual(['aircraft:read']);
  });
});

describe('the action catalogue', () => {
  it('names each action once, as resource:verb', () => {
    expect(new Set(ACTIONS).size).toBe(ACTIONS.length);
    expect(ACTIONS.filter((action) => !/^[a-z]+:[a-z]+$/.test(action))).toEqual([]);
  });

  it('recognises exactly its own actions', () => {
    expect(ACTIONS.every(isAction)).toBe(true);
    expect(['aircraft', 'aircraft:read ', 'role:*'].some(isAction)).toBe(false);
  });
});

describe('whether a role allows an action', () => {
  const pilot = { roleId: 'pilot', builtIn: false, actions: ['aircraft:read', 'reservation:create'] };

  it('is yes for an action a custom role holds, and no for one it does not', () => {
    expect([allows(pilot, 'reservation:create'), allows(pilot, 'aircraft:write')]).toEqual([true, false]);
  });

  it('is yes for every action of the built-in admin role, even with nothing stored', () => {
    const admin = { roleId: ADMIN_ROLE_ID, builtIn: true, actions: [] };

    expect(ACTIONS.filter((action) => !allows(admin, action))).toEqual([]);
  });

  it('is no for a role that no longer exists', () => {
    expect(ACTIONS.filter((action) => allows(undefined, action))).toEqual([]);
  });

  it('is not everything for a custom role called admin-like: only the built-in flag, as the guard reads it, is', () => {
    expect(allows({ roleId: 'Admin', builtIn: false, actions: [] }, 'role:manage')).toBe(false);
    expect(allows({ roleId: 'admin', builtIn: false, actions: [] }, 'role:manage')).toBe(false);
  });

  it('is no for a stored string that only resembles the action', () => {
    const sloppy = { roleId: 'sloppy', builtIn: false, actions: ['role:*', 'ROLE:MANAGE', ' role:manage'] };

    expect(allows(sloppy, 'role:manage')).toBe(false);
  });
});

describe("a role's id made from its name", () => {
  it.each([
    ['Maintenance chief', 'maintenance-chief'],
    ['  Flight   Instructor  ', 'flight-instructor'],
    ['Chef d’équipe', 'chef-d-équipe'],
    ['Ｐｉｌｏｔ２', 'pilot2'],
    ['Crew: night/shift!', 'crew-night-shift'],
    ['航空整備士', '航空整備士'],
    ['हिन्दी दल', 'हिन्दी-दल'],
  ])('turns %j into %j', (name, roleId) => {
    expect(roleIdFromName(name)).toBe(roleId);
  });

  it('keeps the vowel signs of scripts that write them as combining marks, so different words stay different ids', () => {
    expect(roleIdFromName('हिन्दी')).not.toBe(roleIdFromName('हनद'));
  });

  it('gives Admin in any spelling the reserved id admin, which the caller refuses', () => {
    expect(['Admin', ' ADMIN ', 'ａｄｍｉｎ', 'admin!'].map(roleIdFromName)).toEqual(['admin', 'admin', 'admin', 'admin']);
  });

  it('is undefined for a name of symbols, punctuation or marks only', () => {
    expect(['★★★', '---', '!?', '\u0301\u0301', ''].map(roleIdFromName)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it('is at most 64 UTF-16 units, never ending in a dash where it was cut, never splitting a character', () => {
    const long = roleIdFromName(`${'a'.repeat(63)} b c`);
    const accented = roleIdFromName('é'.repeat(70));
    const astral = roleIdFromName('𠀀'.repeat(40));

    expect(long).toBe('a'.repeat(63));
    expect(accented).toHaveLength(64);
    expect(astral).toBe('𠀀'.repeat(32));
  });

  it('always matches the pattern a path parameter is checked against, and never holds a key separator', () => {
    const names = ['Pilot', 'Crew #2', 'Ops–Lead', 'Ünïcödé Crew', 'ab\u0301c', 'x'.repeat(200), 'हिन्दी दल'];

    for (const roleId of names.map(roleIdFromName)) {
      expect(roleId).toMatch(ROLE_ID_PATTERN);
      expect(roleId).not.toContain('#');
    }
  });
});

describe('the pattern of a role id in a path', () => {
  it('accepts ids as names make them, and admin', () => {
    expect(['admin', 'pilot', 'maintenance-chief', 'a', '航空', 'हिन्दी', 'crew-2'].filter((id) => !ROLE_ID_PATTERN.test(id))).toEqual([]);
  });

  it('refuses upper case, spaces, separators, leading or trailing dashes, a leading mark and ids over 64 characters', () => {
    const refused = ['Pilot', 'two words', 'a#b', '-pilot', 'pilot-', '\u0301a', 'a'.repeat(65), '', 'a/b', '..'];

    expect(refused.filter((id) => ROLE_ID_PATTERN.test(id))).toEqual([]);
  });
});

describe("a role's actions as stored", () => {
  it('are each named once, in the catalogue order, whatever order the request gave', () => {
    expect(canonicalActions(['role:manage', 'aircraft:read', 'role:manage', 'aircraft:write'])).toEqual(['aircraft:read', 'aircraft:write', 'role:manage']);
  });

  it('are none for none', () => {
    expect(canonicalActions([])).toEqual([]);
  });
});
