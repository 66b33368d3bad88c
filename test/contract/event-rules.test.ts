import { DETAIL_TYPE } from '../../events/catalog';
import type { RuleDefinition } from '../../events/rule-definition';
import { RULES } from '../../events/rules';
import { FUNCTIONS } from '../../handlers/catalog';
import { compilePattern } from '../../local/eventbridge/pattern';
import { busEvent } from '../unit/subscribers-support';

const detailTypes = Object.values(DETAIL_TYPE);

function rule(name: string): RuleDefinition {
  const found = RULES.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no rule ${name}`);
  return found;
}

describe('rules on the control-plane bus', () => {
  it('have unique names', () => {
    const names = RULES.map((candidate) => candidate.name);

    expect(new Set(names).size).toBe(names.length);
  });

  it('name only functions of the function catalog as Lambda targets', () => {
    const known = Object.values(FUNCTIONS).map((definition) => definition.name);

    const named = RULES.flatMap((candidate) => candidate.targets).flatMap((target) => (target.kind === 'lambda' ? [target.functionName] : []));

    expect(named.length).toBeGreaterThan(0);
    expect(known).toEqual(expect.arrayContaining(named));
  });

  it('deliver user.confirmed, and nothing else, to the profile writer', () => {
    const matches = compilePattern(rule('UserConfirmedToProfiles').eventPattern);

    const matched = detailTypes.filter((detailType) => matches(busEvent(detailType)));

    expect(matched).toEqual([DETAIL_TYPE.userConfirmed]);
    expect(rule('UserConfirmedToProfiles').targets).toEqual([{ kind: 'lambda', functionName: FUNCTIONS.profileWriter.name }]);
  });

  it('deliver user.confirmed, and nothing else, to the invitation claimer', () => {
    const matches = compilePattern(rule('UserConfirmedToInvitations').eventPattern);

    const matched = detailTypes.filter((detailType) => matches(busEvent(detailType)));

    expect(matched).toEqual([DETAIL_TYPE.userConfirmed]);
    expect(rule('UserConfirmedToInvitations').targets).toEqual([{ kind: 'lambda', functionName: FUNCTIONS.invitationClaimer.name }]);
  });

  it('deliver every detail type of the catalog to the audit writer', () => {
    const matches = compilePattern(rule('ControlPlaneToAudit').eventPattern);

    const unmatched = detailTypes.filter((detailType) => !matches(busEvent(detailType)));

    expect(unmatched).toEqual([]);
    expect(rule('ControlPlaneToAudit').targets).toEqual([{ kind: 'lambda', functionName: FUNCTIONS.auditWriter.name }]);
  });

  it('ignore a catalog detail type published from a source outside the catalog', () => {
    const forged = busEvent(DETAIL_TYPE.userConfirmed, undefined, { source: 'someone.else' });

    const matchedBy = RULES.filter((candidate) => compilePattern(candidate.eventPattern)(forged)).map((candidate) => candidate.name);

    expect(matchedBy).toEqual([]);
  });
});
