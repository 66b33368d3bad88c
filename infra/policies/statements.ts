/**
 * IAM identity policies as plain JSON, the one shape both runtimes read: the CDK constructs turn each
 * statement into a `PolicyStatement.fromJson` (ARNs may be CloudFormation tokens there), and the
 * local cloud evaluates the same statements with its own ARNs (local/iam/role-policies.ts). Nothing
 * under infra/policies/ imports the CDK, so the local cloud can load it at run time.
 */
import type { PolicyDocument, PolicyStatement } from '../../domain/isolation';

/** A statement of a principal's identity policy. */
export type IdentityStatement = PolicyStatement;

/** A principal's identity policy: the tenant role's (domain/isolation.ts), a function's, a state machine's. */
export type IdentityPolicy = PolicyDocument;

export const allow = (actions: readonly string[], resources: readonly string[], condition?: IdentityStatement['Condition']): IdentityStatement => ({
  Effect: 'Allow',
  Action: [...actions],
  Resource: [...resources],
  ...(condition ? { Condition: condition } : {}),
});

export const policyOf = (statements: readonly IdentityStatement[]): IdentityPolicy => ({ Version: '2012-10-17', Statement: [...statements] });
