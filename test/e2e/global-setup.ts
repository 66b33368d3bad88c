import { join, resolve } from 'node:path';
import { readStackOutputs } from '../../infra/operations/outputs';
import startLocalCloud from '../local/global-setup';
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

/**
 * The local tier's global setup, reused as it is: it announces its cloud through
 * LOCAL_CLOUD_OUTPUTS, LOCAL_CLOUD_STATE_DIR and `globalThis.__localCloud`. In `npm test` both
 * tiers run in one jest process, each with its own cloud, so the e2e tier takes its handles under
 * its own names and puts back whatever the local tier's setup had announced.
 */
async function startOwnLocalCloud(): Promise<string> {
  const announced = globalThis as { __localCloud?: LocalCloudHandles; __e2eLocalCloud?: LocalCloudHandles };
  const previous = { outputs: process.env.LOCAL_CLOUD_OUTPUTS, stateDir: process.env.LOCAL_CLOUD_STATE_DIR, cloud: announced.__localCloud };
  try {
    await startLocalCloud();
    const stateDir = process.env.LOCAL_CLOUD_STATE_DIR;
    if (!stateDir || !announced.__localCloud) throw new Error('the local global setup announced no cloud');
    announced.__e2eLocalCloud = announced.__localCloud;
    return stateDir;
  } finally {
    restore('LOCAL_CLOUD_OUTPUTS', previous.outputs);
    restore('LOCAL_CLOUD_STATE_DIR', previous.stateDir);
    announced.__localCloud = previous.cloud;
  }
}

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
