import {
  andConditions,
  ConflictingPlaceholderError,
  GUARD_NAMES,
  GUARD_VALUES,
  MEMBERSHIP_GUARD_CONDITION,
  permissionGuard,
  ROLE_GUARD_CONDITION,
  sameKey,
} from '../../domain/guard';
import { MEMBERSHIP_ROLE_ATTRIBUTE } from '../../domain/items';
import { membershipKey, roleKey } from '../../domain/keys';
import { ROLE_GRANT_ATTRIBUTE } from '../../domain/permissions';

/** Every `#name` and `:value` placeholder an expression uses. */
const placeholders = (expression: string, sigil: '#' | ':') => [...expression.matchAll(sigil === '#' ? /#\w+/g : /:\w+/g)].map((match) => match[0]).sort();

describe('the permission guard of a write', () => {
  const [membership, role] = permissionGuard('t1', { userId: 'u1', roleId: 'pilot' }, 'aircraft:write');

  it("checks that the caller's membership in the tenant still holds the role the authorizer saw", () => {
    expect(membership).toEqual({
      part: 'membership',
      key: membershipKey('t1', 'u1'),
      condition: MEMBERSHIP_GUARD_CONDITION,
      names: { [GUARD_NAMES.roleId]: MEMBERSHIP_ROLE_ATTRIBUTE },
      values: { [GUARD_VALUES.roleId]: { S: 'pilot' } },
    });
  });

  it("checks that role's item in the same tenant: built in, or holding the action", () => {
    expect(role).toEqual({
      part: 'role',
      key: roleKey('t1', 'pilot'),
      condition: ROLE_GUARD_CONDITION,
      names: { [GUARD_NAMES.builtIn]: ROLE_GRANT_ATTRIBUTE.builtIn, [GUARD_NAMES.actions]: ROLE_GRANT_ATTRIBUTE.actions },
      values: { [GUARD_VALUES.builtIn]: { BOOL: true }, [GUARD_VALUES.action]: { S: 'aircraft:write' } },
    });
    expect(ROLE_GUARD_CONDITION).toBe(`${GUARD_NAMES.builtIn} = ${GUARD_VALUES.builtIn} OR contains(${GUARD_NAMES.actions}, ${GUARD_VALUES.action})`);
  });

  it('defines every placeholder its conditions use, and no other, so DynamoDB accepts each check alone', () => {
    for (const check of [membership, role]) {
      expect(placeholders(check.condition, '#')).toEqual(Object.keys(check.names).sort());
      expect([...new Set(placeholders(check.condition, ':'))]).toEqual(Object.keys(check.values).sort());
    }
  });

  it('uses only placeholders of its own (#guard…, :guard…), which a write cannot mean otherwise by accident', () => {
    const all = [...Object.keys(membership.names), ...Object.keys(role.names), ...Object.keys(membership.values), ...Object.keys(role.values)];

    expect(all.filter((name) => !/^[#:]guard[A-Z]/.test(name))).toEqual([]);
  });

  it("keys both checks to the caller's tenant, so a guard can never read another tenant's items", () => {
    const [otherMembership, otherRole] = permissionGuard('t2', { userId: 'u1', roleId: 'pilot' }, 'aircraft:write');

    expect(sameKey(membership.key, otherMembership.key)).toBe(false);
    expect(sameKey(role.key, otherRole.key)).toBe(false);
    expect([otherMembership.key.PK, otherRole.key.PK]).toEqual(['TENANT#t2', 'TENANT#t2']);
  });
});

describe('two conditions on one item made one', () => {
  const guardCheck = { condition: '#g = :g', names: { '#g': 'roleId' }, values: { ':g': { S: 'pilot' } } };

  it('are ANDed, each in parentheses, with their names and values united', () => {
    const merged = andConditions({ condition: 'attribute_exists(#pk) OR #x = :x', names: { '#pk': 'PK', '#x': 'x' }, values: { ':x': { N: '1' } } }, guardCheck);

    expect(merged).toEqual({
      condition: '(attribute_exists(#pk) OR #x = :x) AND (#g = :g)',
      names: { '#pk': 'PK', '#x': 'x', '#g': 'roleId' },
      values: { ':x': { N: '1' }, ':g': { S: 'pilot' } },
    });
  });

  it('are the second alone when the first has no condition', () => {
    expect(andConditions({}, guardCheck)).toEqual({ condition: '#g = :g', names: { '#g': 'roleId' }, values: { ':g': { S: 'pilot' } } });
  });

  it('may share a placeholder that means the same thing in both', () => {
    const merged = andConditions({ condition: '#g <> :other', names: { '#g': 'roleId' }, values: { ':other': { S: 'x' } } }, guardCheck);

    expect(merged.names).toEqual({ '#g': 'roleId' });
  });

  it('refuse a placeholder that means two things, naming it', () => {
    const clash = () => andConditions({ condition: ':g = :g', values: { ':g': { S: 'admin' } } }, guardCheck);

    expect(clash).toThrow(ConflictingPlaceholderError);
    expect(clash).toThrow(/:g/);
  });
});
