/**
 * Writes each machine's rendered ASL to its registry `aslFile` (`npx tsx workflows/export-asl.ts`).
 * Run it after changing a definition module and commit the result; the contract tier fails until then.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { WORKFLOWS, type WorkflowKey } from './registry';
import { renderDefinition } from './render';

for (const key of Object.keys(WORKFLOWS) as WorkflowKey[]) {
  writeFileSync(resolve(__dirname, '..', WORKFLOWS[key].aslFile), renderDefinition(key));
  console.log(`wrote ${WORKFLOWS[key].aslFile}`);
}
