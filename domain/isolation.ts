/**
 * Tenant isolation as data: the IAM policy that tenant credentials carry and the principal tags the
 * authorizer asks the identity pool to put on them. The CDK app deploys exactly this policy, the
 * local IAM gateway evaluates exactly this policy, and the authorizer and the tests build tags with
 * exactly this function, so none of them can drift.
 */
import { KEY_PREFIX } from './keys';
import { USER_INDEX } from './table';

/** The session tags tenant credentials carry: what `aws:PrincipalTag/<name>` resolves to. */
export const PRINCIPAL_TAG = {
  tenantId: 'tenant_id',
  userId: 'user_id',
} as const;

export type PrincipalTagName = (typeof PRINCIPAL_TAG)[keyof typeof PRINCIPAL_TAG];
export type PrincipalTags = Readonly<Partial<Record<PrincipalTagName, string>>>;

export class InvalidPrincipalTagError extends Error {
  constructor(readonly tag: PrincipalTagName) {
    super(`The ${tag} principal tag must be a non-empty value of at most 256 characters`);
    this.name = 'InvalidPrincipalTagError';
  }
}

/** IAM session tag values are at most 256 characters; an empty one would match nothing useful. */
const tagValue = (tag: PrincipalTagName, value: string): string => {
  if (value.length === 0 || value.length > 256) throw new InvalidPrincipalTagError(tag);
  return value;
};

/**
 * The principal tags of the credentials the authorizer mints, from the verified token's user and
 * the tenant whose membership item it has just read. `tenantId` must be given explicitly: `null`
 * means "no tenant" (no active tenant, or an active tenant without a membership item).
 *
 * With no tenant there is no `tenant_id` tag at all, rather than a sentinel value: every statement
 * of the tenant policy that grants a tenant partition names `${aws:PrincipalTag/tenant_id}`, and
 * IAM cannot resolve a policy variable whose key is absent from the request context, so such a
 * statement matches no request ("If AWS cannot resolve a variable, this might cause the entire
 * statement to be invalid", IAM User Guide, policy variables). An Allow that matches nothing allows
 * nothing: these credentials can only query the user's own index partition (`user_id`).
 */
export function principalTagsFor(subject: { readonly userId: string; readonly tenantId: string | null }): PrincipalTags {
  return {
    [PRINCIPAL_TAG.userId]: tagValue(PRINCIPAL_TAG.userId, subject.userId),
    ...(subject.tenantId === null ? {} : { [PRINCIPAL_TAG.tenantId]: tagValue(PRINCIPAL_TAG.tenantId, subject.tenantId) }),
  };
}

const tag = (name: PrincipalTagName): string => `\${aws:PrincipalTag/${name}}`;

/** Actions that read one partition. `ConditionCheckItem` is how a role check joins a transaction. */
export const TENANT_READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
] as const;

export const TENANT_WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
] as const;

export interface PolicyStatement {
  /** Every statement of the tenant policy has one; a function's or a state machine's need none. */
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string[] | string>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/**
 * `ForAllValues` alone is true for a request with no keys at all (an empty set), which is how a
 * Scan would slip through: the `Null` guard demands that the request names its partition keys.
 */
const leadingKeys = (patterns: string[]): PolicyStatement['Condition'] => ({
  'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': patterns },
  Null: { 'dynamodb:LeadingKeys': 'false' },
});

/**
 * The tenant policy. `tableArn` is a concrete ARN or a CloudFormation token; the patterns are exact
 * (`TENANT#t1` and `TENANT#t1#*`), so tenant `t1` never matches tenant `t10`.
 */
export function tenantPolicyDocument(tableArn: string): PolicyDocument {
  const control = `${KEY_PREFIX.tenant}${tag('tenant_id')}`;
  const data = `${control}#*`;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ReadOwnTenantPartitions',
        Effect: 'Allow',
        Action: [...TENANT_READ_ACTIONS],
        Resource: [tableArn],
        Condition: leadingKeys([control, data]),
      },
      {
        Sid: 'WriteOwnTenantDataPartitions',
        Effect: 'Allow',
        Action: [...TENANT_WRITE_ACTIONS],
        Resource: [tableArn],
        Condition: leadingKeys([data]),
      },
      {
        // Only the control plane may put an item into the user index: a data item carrying the
        // index keys would show up in another user's tenant list. `dynamodb:Attributes` is the
        // set of top-level attribute names a write names (the item of a PutItem, the key and the
        // update expression's paths of an UpdateItem, every item of a BatchWriteItem), so any
        // write that names either index key is refused, whatever the partition.
        Sid: 'DenyUserIndexKeyWrites',
        Effect: 'Deny',
        Action: [...TENANT_WRITE_ACTIONS],
        Resource: [tableArn],
        Condition: { 'ForAnyValue:StringEquals': { 'dynamodb:Attributes': [USER_INDEX.partitionKey, USER_INDEX.sortKey] } },
      },
      {
        // The tenant's audit trail, read by `GET /audit` with these credentials: Query only, and
        // only the trail's own partition (an exact key, so `t1` never reads `t10`'s). No statement
        // lets tenant credentials write it: the audit writer's role alone does. Not GetItem,
        // BatchGetItem or ConditionCheckItem: the one read is a page of the trail, and no tenant
        // transaction has reason to condition on it. A Query can also reach the writer's dedupe
        // markers (`DEDUPE#…`) of that partition; they hold nothing but the keys the records show.
        Sid: 'ReadOwnAuditTrail',
        Effect: 'Allow',
        Action: ['dynamodb:Query'],
        Resource: [tableArn],
        Condition: leadingKeys([`${KEY_PREFIX.audit}${tag('tenant_id')}`]),
      },
      {
        Sid: 'ListOwnMemberships',
        Effect: 'Allow',
        Action: ['dynamodb:Query'],
        Resource: [`${tableArn}/index/${USER_INDEX.indexName}`],
        Condition: leadingKeys([`${KEY_PREFIX.user}${tag('user_id')}`]),
      },
    ],
  };
}
