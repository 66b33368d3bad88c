import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WORKFLOWS, type WorkflowKey } from '../../workflows/registry';
import { renderDefinition } from '../../workflows/render';

const keys = Object.keys(WORKFLOWS) as WorkflowKey[];
const committed = (key: WorkflowKey): string => readFileSync(join(__dirname, '..', '..', WORKFLOWS[key].aslFile), 'utf8');

describe('committed ASL of the state machines', () => {
  it.each(keys)('%s: the committed file is exactly what its definition module renders (run `npx tsx workflows/export-asl.ts`)', (key) => {
    const rendered = renderDefinition(key);

    const file = committed(key);

    expect(file).toBe(rendered);
  });
});
