import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const cloud = (globalThis as { __localCloud?: { child: ChildProcess; exited: Promise<unknown> } }).__localCloud;
  if (cloud) await stopCloudProcess(cloud);
  const stateDir = process.env.LOCAL_CLOUD_STATE_DIR;
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
}

/** SIGTERM (the cloud stops what it started), SIGKILL after 15 s. */
export async function stopCloudProcess(cloud: { readonly child: ChildProcess; readonly exited: Promise<unknown> }): Promise<void> {
  cloud.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([cloud.exited, new Promise((resolve) => (timer = setTimeout(resolve, 15_000)))]);
  clearTimeout(timer);
  if (cloud.child.exitCode === null) cloud.child.kill('SIGKILL');
}
