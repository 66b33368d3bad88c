import stopLocalCloud from '../local/global-teardown';
import { E2E_ENV, type LocalCloudHandles } from './environment';

/** Stops the local cloud the e2e setup started (none against an outputs file), with the local tier's own teardown. */
export default async function globalTeardown(): Promise<void> {
  const announced = globalThis as { __localCloud?: LocalCloudHandles; __e2eLocalCloud?: LocalCloudHandles };
  const own = announced.__e2eLocalCloud;
  const stateDir = process.env[E2E_ENV.localStateDir];
  if (!own || !stateDir) return;
  // The local teardown stops `__localCloud` and removes LOCAL_CLOUD_STATE_DIR: point both at ours for the call.
  const previous = { cloud: announced.__localCloud, stateDir: process.env.LOCAL_CLOUD_STATE_DIR };
  announced.__localCloud = own;
  process.env.LOCAL_CLOUD_STATE_DIR = stateDir;
  try {
    await stopLocalCloud();
  } finally {
    announced.__localCloud = previous.cloud;
    if (previous.stateDir === undefined) delete process.env.LOCAL_CLOUD_STATE_DIR;
    else process.env.LOCAL_CLOUD_STATE_DIR = previous.stateDir;
    delete announced.__e2eLocalCloud;
  }
}
