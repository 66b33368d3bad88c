import type { RuleDefinition } from './rule-definition';

/**
 * The bus's rules, defined once: the CDK app creates them as `AWS::Events::Rule`, the local bus
 * loads them at start. Subscribers arrive with the control-plane issue.
 */
export const RULES: readonly RuleDefinition[] = [];
