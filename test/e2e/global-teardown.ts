import { rmSync } from 'node:fs';
import { stopCloudProcess } from '../local/global-teardown';
import { E2E_ENV, type LocalCloudHandles } from './environment';

/** Stops the local cloud the e2e setup started (none against an outputs file). */
export default async function globalTeardown(): Promise<void> {
  const announced = globalThis as { __e2eLocalCloud?: LocalCloudHandles };
  const own = announced.__e2eLocalCloud;
  const stateDir = process.env[E2E_ENV.localStateDir];
  if (!own || !stateDir) return;
  await stopCloudProcess(own);
  rmSync(stateDir, { recursive: true, force: true });
  delete announced.__e2eLocalCloud;
}
