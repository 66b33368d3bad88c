import { randomUUID } from 'node:crypto';
import {
  TENANT_ID_PATTERN,
  auditPartition,
  emailPartition,
  invitationKey,
  InvalidKeyPartError,
  KEY_PREFIX,
  membershipIndexKeys,
  membershipKey,
  normalizedEmail,
  PLATFORM_AUDIT_ID,
  profileKey,
  roleKey,
  SORT_KEY,
  tenantDataPartition,
  tenantPartition,
  tenantRecordKey,
  userPartition,
} from '../../domain/keys';
import { USER_INDEX } from '../../domain/table';

describe('item keys of the pooled table', () => {
  it('place a tenant\'s control items in its control partition and its data in partitions below it', () => {
    const control = [tenantRecordKey('t1'), membershipKey('t1', 'u1'), roleKey('t1', 'pilot')];

    const data = tenantDataPartition('t1', 'aircraft', 3);

    expect(control.map((key) => key.PK)).toEqual(['TENANT#t1', 'TENANT#t1', 'TENANT#t1']);
    expect(control.map((key) => key.SK)).toEqual(['TENANT', 'MEMBER#u1', 'ROLE#pilot']);
    expect(data).toBe('TENANT#t1#aircraft#3');
  });

  it('put a profile in the user\'s partition and give a membership the user index keys that list the user\'s tenants', () => {
    const profile = profileKey('u1');

    const indexKeys = membershipIndexKeys('t1', 'u1');

    expect(profile).toEqual({ PK: 'USER#u1', SK: 'PROFILE' });
    expect(indexKeys).toEqual({ [USER_INDEX.partitionKey]: userPartition('u1'), [USER_INDEX.sortKey]: tenantPartition('t1') });
  });

  it('keep audit trails, the platform\'s included, outside every tenant prefix', () => {
    const trails = [auditPartition('t1'), auditPartition(PLATFORM_AUDIT_ID)];

    expect(trails.filter((partition) => partition.startsWith(KEY_PREFIX.tenant))).toEqual([]);
    expect(trails).toEqual(['AUDIT#t1', `AUDIT#${PLATFORM_AUDIT_ID}`]);
  });

  it('sort audit records by time under one prefix that their dedupe markers do not share', () => {
    const early = SORT_KEY.auditRecord('2026-11-28T09:00:00Z', 'k2');
    const late = SORT_KEY.auditRecord('2026-11-28T09:00:01Z', 'k1');

    const marker = SORT_KEY.auditDedupe('k1');

    expect([late, early].sort()).toEqual([early, late]);
    expect([early, late].every((sortKey) => sortKey.startsWith(SORT_KEY.auditRecordPrefix))).toBe(true);
    expect(marker.startsWith(SORT_KEY.auditRecordPrefix)).toBe(false);
  });

  describe('refuse an id that could reach another partition', () => {
    it.each<[string, () => unknown, string]>([
      ['an empty tenant id', () => tenantPartition(''), ''],
      ['a tenant id holding the separator', () => tenantPartition('t1#aircraft'), 't1#aircraft'],
      ['a data kind holding the separator', () => tenantDataPartition('t1', 'a#b', 0), 'a#b'],
      ['an empty user id', () => userPartition(''), ''],
      ['a user id holding the separator', () => membershipKey('t1', 'u1#x'), 'u1#x'],
      ['a role id holding the separator', () => roleKey('t1', 'ROLE#admin'), 'ROLE#admin'],
      ['an audit id holding the separator', () => auditPartition('t1#'), 't1#'],
      ['a membership of a tenant id holding the separator', () => membershipIndexKeys('t1#x', 'u1'), 't1#x'],
    ])('%s', (_case, build, offending) => {
      const attempt = () => build();

      expect(attempt).toThrow(InvalidKeyPartError);
      expect(attempt).toThrow(expect.objectContaining({ part: offending }));
    });
  });
});

describe('the tenant id a caller may name', () => {
  it('accepts the generated ids and refuses the reserved platform id and separators', () => {
    const accepted = [randomUUID(), 'blue-sky', 'a_b'].map((id) => TENANT_ID_PATTERN.test(id));
    const refused = [PLATFORM_AUDIT_ID, 't1#DATA#0', '', 'x'.repeat(129)].map((id) => TENANT_ID_PATTERN.test(id));

    expect(accepted).toEqual([true, true, true]);
    expect(refused).toEqual([false, false, false, false]);
  });
});

describe('the address an invitation is keyed by', () => {
  it('is one key for every spelling of an address that differs only in ASCII case or surrounding space', () => {
    const spellings = ['Ada.Lovelace@Example.COM', ' ada.lovelace@example.com ', 'ADA.LOVELACE@EXAMPLE.COM'];

    const keys = spellings.map((email) => invitationKey('t1', email).SK);

    expect(new Set(keys).size).toBe(1);
    expect(normalizedEmail(spellings[0] ?? '')).toBe('ada.lovelace@example.com');
  });

  it('folds no other character onto ASCII: the Kelvin sign K is not the letter k, so its mailbox cannot claim k…@', () => {
    const kelvin = '\u212Aate@example.com';

    expect(normalizedEmail(kelvin)).toBe(kelvin);
    expect(invitationKey('t1', kelvin).SK).not.toBe(invitationKey('t1', 'kate@example.com').SK);
    expect(emailPartition(kelvin)).not.toBe(emailPartition('kate@example.com'));
  });

  it("percent-encodes a '#' of the local part, so no address reaches another key", () => {
    expect(invitationKey('t1', 'a#b@example.com').SK).toBe('INVITE#a%23b%40example.com');
  });
});
