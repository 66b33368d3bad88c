/**
 * The one way to a deployable definition: the CDK app and the local cloud both deploy
 * `renderDefinition(key)`, and the committed `.asl.json` files are the same text
 * (`npx tsx workflows/export-asl.ts`; a contract test fails while they differ).
 */
import { addMemberDefinition } from './add-member/definition';
import type { MachineDefinition } from './asl';
import { onboardingDefinition } from './onboarding/definition';
import { WORKFLOWS, type WorkflowDefinition, type WorkflowKey } from './registry';
import { removeMemberDefinition } from './remove-member/definition';
import { switchingDefinition } from './switching/definition';

const DEFINITIONS: Record<WorkflowKey, () => MachineDefinition> = {
  onboarding: onboardingDefinition,
  switching: switchingDefinition,
  addMember: addMemberDefinition,
  removeMember: removeMemberDefinition,
};

/** `${Name}` in a definition that the registry does not list: no runtime would substitute it. */
export class UndeclaredPlaceholderError extends Error {
  constructor(
    readonly workflow: string,
    readonly placeholders: readonly string[],
  ) {
    super(`${workflow}: placeholders not declared in workflows/registry.ts: ${placeholders.map((name) => `\${${name}}`).join(', ')}`);
    this.name = 'UndeclaredPlaceholderError';
  }
}

const PLACEHOLDER = /\$\{([A-Za-z0-9_]+)\}/g;

/**
 * The ASL text of a machine, with the registry's timeout for the whole run (CDK applies its own
 * `timeout` only to definitions it builds, and the local runtime reads the ASL's). Placeholders stay
 * for each runtime to substitute. Throws UndeclaredPlaceholderError for one the registry lacks.
 */
export function renderMachine(workflow: WorkflowDefinition, definition: MachineDefinition): string {
  const { Comment, StartAt, States } = definition;
  // Key order as the files have always had it, so that a diff of the rendering reads like one of the ASL.
  const text = `${JSON.stringify({ Comment, StartAt, TimeoutSeconds: workflow.timeoutSeconds, States }, null, 2)}\n`;
  const declared: readonly string[] = workflow.placeholders;
  const undeclared = [...new Set([...text.matchAll(PLACEHOLDER)].map(([, name = '']) => name))].filter((name) => !declared.includes(name));
  if (undeclared.length > 0) throw new UndeclaredPlaceholderError(workflow.name, undeclared);
  return text;
}

/** The ASL text both runtimes deploy for a registry entry, and the committed file holds. */
export const renderDefinition = (key: WorkflowKey): string => renderMachine(WORKFLOWS[key], DEFINITIONS[key]());
