import { KEY_PREFIX, membershipKey, SORT_KEY } from '../../domain/keys';
import type { MachineDefinition } from '../../workflows/asl';
import { formattedKey, KeySlotMismatchError, SLOT } from '../../workflows/fragments';
import { WORKFLOWS, type WorkflowKey } from '../../workflows/registry';
import { renderDefinition, renderMachine, UndeclaredPlaceholderError } from '../../workflows/render';

const keys = Object.keys(WORKFLOWS) as WorkflowKey[];

describe('rendering a definition', () => {
  const workflow = { name: 'Sample', aslFile: 'unused', placeholders: ['TableName'], timeoutSeconds: 25 } as const;
  const machine = (comment: string): MachineDefinition => ({ Comment: comment, StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } });

  it("writes the registry's timeout for the whole run", () => {
    const rendered = JSON.parse(renderMachine({ ...workflow, timeoutSeconds: 12 }, machine('x'))) as Record<string, unknown>;

    expect(rendered.TimeoutSeconds).toBe(12);
  });

  it('refuses a placeholder the registry does not declare', () => {
    expect(() => renderMachine(workflow, machine('${TableName} ${UserPoolId}'))).toThrow(UndeclaredPlaceholderError);
  });

  it.each(keys)("%s takes its timeout from the registry, the one both runtimes deploy", (key) => {
    expect((JSON.parse(renderDefinition(key)) as { TimeoutSeconds: number }).TimeoutSeconds).toBe(WORKFLOWS[key].timeoutSeconds);
  });
});

describe('keys in a definition', () => {
  it("are the domain's key formats, filled at run time from the paths given", () => {
    const key = formattedKey(membershipKey(SLOT, SLOT), { PK: '$.tenantId', SK: '$.userId' });

    expect(key).toEqual({
      PK: { 'S.$': `States.Format('${KEY_PREFIX.tenant}{}', $.tenantId)` },
      SK: { 'S.$': `States.Format('${SORT_KEY.member('{}')}', $.userId)` },
    });
  });

  it('refuse a slot without a path, and a path without a slot', () => {
    expect(() => formattedKey(membershipKey(SLOT, SLOT), { PK: '$.tenantId' })).toThrow(KeySlotMismatchError);
    expect(() => formattedKey({ SK: SORT_KEY.limits }, { SK: '$.userId' })).toThrow(KeySlotMismatchError);
  });
});
