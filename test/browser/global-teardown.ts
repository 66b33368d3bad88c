import { rmSync } from 'node:fs';
import { stopCloudProcess } from '../local/global-teardown';
import type { CloudProcess } from '../local/global-setup';
import { BROWSER_ENV } from './environment';

export default async function globalTeardown(): Promise<void> {
  const cloud = (globalThis as { __browserCloud?: CloudProcess }).__browserCloud;
  if (cloud) await stopCloudProcess(cloud);
  const stateDir = process.env[BROWSER_ENV.stateDir];
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
}
