import { FUNCTIONS } from '../handlers/catalog';
import { DETAIL_TYPE, EVENT_CATALOG } from './catalog';
import type { RuleDefinition } from './rule-definition';

const catalogTypes = Object.values(DETAIL_TYPE);
// Sorted and unique, so that the synthesized template does not change with the catalog's order.
const catalogSources = [...new Set(catalogTypes.map((detailType) => EVENT_CATALOG[detailType].source))].sort();

/**
 * The bus's rules, defined once: the CDK app creates them as `AWS::Events::Rule`, the local bus
 * loads them at start.
 */
export const RULES: readonly RuleDefinition[] = [
  {
    name: 'UserConfirmedToProfiles',
    description: 'A confirmed sign-up becomes a user profile.',
    eventPattern: {
      source: [EVENT_CATALOG[DETAIL_TYPE.userConfirmed].source],
      'detail-type': [DETAIL_TYPE.userConfirmed],
    },
    targets: [{ kind: 'lambda', functionName: FUNCTIONS.profileWriter.name }],
  },
  {
    name: 'UserConfirmedToInvitations',
    description: 'A confirmed sign-up claims the pending invitations of its verified address.',
    eventPattern: {
      source: [EVENT_CATALOG[DETAIL_TYPE.userConfirmed].source],
      'detail-type': [DETAIL_TYPE.userConfirmed],
    },
    targets: [{ kind: 'lambda', functionName: FUNCTIONS.invitationClaimer.name }],
  },
  {
    name: 'ControlPlaneToAudit',
    description: 'Every control-plane event in the catalog is recorded in the audit trails it concerns.',
    // Built from the catalog, so that a new detail type is audited without touching this rule.
    eventPattern: {
      source: catalogSources,
      'detail-type': [...catalogTypes].sort(),
    },
    targets: [{ kind: 'lambda', functionName: FUNCTIONS.auditWriter.name }],
  },
];
