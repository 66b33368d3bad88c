import { rmSync } from 'node:fs';
import type { CloudProcess } from '../local/global-setup';
import { stopCloudProcess } from '../local/global-teardown';
import { CONFORMANCE_ENV } from './environment';

export default async function globalTeardown(): Promise<void> {
  const cloud = (globalThis as { __conformanceCloud?: CloudProcess }).__conformanceCloud;
  if (cloud) await stopCloudProcess(cloud);
  const stateDir = process.env[CONFORMANCE_ENV.stateDir];
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
}
