/**
 * Tenant isolation as data: the IAM policy that tenant credentials carry and the identity pool's
 * principal-tag mapping. The CDK app deploys exactly these documents and the local IAM gateway
 * evaluates exactly these documents, so the two cannot drift.
 */
import { TENANT_ID_CLAIM } from './identity';
import { KEY_PREFIX } from './keys';
import { USER_INDEX } from './table';

/** Identity pool principal tags: session tag name → ID token claim. */
export const PRINCIPAL_TAG_MAPPING = {
  tenant_id: TENANT_ID_CLAIM,
  user_id: 'sub',
} as const;

export type PrincipalTagName = keyof typeof PRINCIPAL_TAG_MAPPING;

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
  Sid: string;
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
        Sid: 'ListOwnMemberships',
        Effect: 'Allow',
        Action: ['dynamodb:Query'],
        Resource: [`${tableArn}/index/${USER_INDEX.indexName}`],
        Condition: leadingKeys([`${KEY_PREFIX.user}${tag('user_id')}`]),
      },
    ],
  };
}
