import { ACTIONS, actionsOfRole, ADMIN_ROLE_ID, isAction } from '../../domain/permissions';

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
