/**
 * `npm run e2e -- [--outputs cdk-outputs.json] [--stack Name] [--email-domain example.com] [jest path filters…]`
 *
 * Runs the e2e tier (jest project `e2e`) against the stack an outputs file names (a deployed one,
 * from `cdk deploy --outputs-file`, or a running local cloud's `.local/outputs.json`), or, without
 * `--outputs`, against a fresh local cloud that the tier's global setup starts and stops. Against a
 * deployed stack it needs nothing but that file and credentials (the default chain) allowed to
 * confirm users: README, "End-to-end against a deployed stack".
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { InvalidOutputsFileError, readStackOutputs } from '../../infra/operations/outputs';
import { E2E_ENV } from './environment';

const { values, positionals } = parseArgs({
  options: { outputs: { type: 'string' }, stack: { type: 'string' }, 'email-domain': { type: 'string' } },
  allowPositionals: true,
});

const env: NodeJS.ProcessEnv = { ...process.env };
delete env[E2E_ENV.outputs];
if (values.outputs) {
  try {
    const outputs = readStackOutputs(resolve(values.outputs), values.stack);
    console.log(`e2e against the ${outputs.target === 'aws' ? 'deployed stack' : 'local cloud'} at ${outputs.apiUrl} (${outputs.region})`);
  } catch (error) {
    if (!(error instanceof InvalidOutputsFileError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
  env[E2E_ENV.outputs] = resolve(values.outputs);
} else {
  console.log('e2e against a fresh local cloud (give --outputs cdk-outputs.json for a deployed stack)');
}
if (values.stack) env[E2E_ENV.stack] = values.stack;
if (values['email-domain']) env[E2E_ENV.emailDomain] = values['email-domain'];

// Path filters first: jest reads a word after --selectProjects as one more project name.
const jest = require.resolve('jest/bin/jest');
const run = spawnSync(process.execPath, [jest, ...positionals, '--selectProjects', 'e2e'], { stdio: 'inherit', env });
process.exit(run.status ?? 1);
