import { InvalidKeyPartError, KEY_PREFIX, userLimitsKey, userPartition } from '../../domain/keys';
import { checkedMaxTenantsPerUser, InvalidTenantLimitError, TENANT_LIMITS } from '../../domain/limits';
import { settingSubstitutions } from '../../workflows/registry';

describe('the limits on one user', () => {
  it("are API.md's numbers: 10 tenants created, 100 belonged to (Cognito's groups per user)", () => {
    expect(TENANT_LIMITS).toEqual({ maxTenantsPerUser: 10, maxMembershipsPerUser: 100 });
  });

  it.each([1, 10, 100])('take %p as a deployment\'s limit on tenants created', (value) => {
    expect(checkedMaxTenantsPerUser(value)).toBe(value);
  });

  it.each([0, -1, 1.5, 101, Number.NaN, Number.POSITIVE_INFINITY])('refuse %p, which could not work as that limit', (value) => {
    expect(() => checkedMaxTenantsPerUser(value)).toThrow(InvalidTenantLimitError);
  });
});

describe('the counters item', () => {
  it("sits in the user's own partition, outside every tenant prefix, so tenant credentials cannot reach it", () => {
    const key = userLimitsKey('u1');

    expect(key).toEqual({ PK: userPartition('u1'), SK: 'LIMITS' });
    expect(key.PK.startsWith(KEY_PREFIX.tenant)).toBe(false);
  });

  it('refuses a user id that would reach another partition', () => {
    expect(() => userLimitsKey('u1#LIMITS')).toThrow(InvalidKeyPartError);
  });
});

describe("the limits as the workflows' substitutions", () => {
  it('are the defaults, as the DynamoDB numbers the ASL reads', () => {
    expect(settingSubstitutions()).toEqual({ MaxTenantsPerUser: '10', MaxMembershipsPerUser: '100' });
  });

  it("take a deployment's limit on tenants created, never on memberships", () => {
    expect(settingSubstitutions({ maxTenantsPerUser: 3 })).toEqual({ MaxTenantsPerUser: '3', MaxMembershipsPerUser: '100' });
  });

  it('refuse a limit that could not work', () => {
    expect(() => settingSubstitutions({ maxTenantsPerUser: 0 })).toThrow(InvalidTenantLimitError);
  });
});
