import { join, resolve } from 'node:path';
import { readStackOutputs } from '../../infra/operations/outputs';
import { startCloudProcess } from '../local/global-setup';
import { E2E_ENV, type LocalCloudHandles } from './environment';

/**
 * The e2e tier's target: the outputs file named by `E2E_OUTPUTS` (`npm run e2e -- --outputs …`,
 * a deployed stack or a running local cloud), or else a fresh local cloud started by the local
 * tier's own global setup. Either way the tests get one outputs file, read by the operator
 * commands' reader (infra/operations/outputs.ts), so both targets take one code path.
 */
export default async function globalSetup(): Promise<void> {
  const named = process.env[E2E_ENV.outputs];
  if (named) {
    const file = resolve(named);
    // Read now so that a wrong file or stack name stops the run before any test signs anybody up.
    readStackOutputs(file, process.env[E2E_ENV.stack]);
    process.env[E2E_ENV.targetOutputs] = file;
    return;
  }
  const stateDir = await startOwnLocalCloud();
  process.env[E2E_ENV.targetOutputs] = join(stateDir, 'outputs.json');
  process.env[E2E_ENV.localStateDir] = stateDir;
}

/** A local cloud of the e2e tier's own (`npm start` in a child process, as the local tier's), its handles kept for the teardown. */
async function startOwnLocalCloud(): Promise<string> {
  const cloud = await startCloudProcess({ seed: false });
  (globalThis as { __e2eLocalCloud?: LocalCloudHandles }).__e2eLocalCloud = cloud;
  return cloud.stateDir;
}
