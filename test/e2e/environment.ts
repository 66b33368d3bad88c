import type { ChildProcess } from 'node:child_process';

/**
 * The variables that carry the e2e tier's target from `npm run e2e` (test/e2e/run.ts) through the
 * global setup to the tests. `outputs`, `stack` and `emailDomain` are the runner's options; the
 * setup sets `targetOutputs` (the file the tests read) and, for a local cloud it started, `localStateDir`.
 */
export const E2E_ENV = {
  outputs: 'E2E_OUTPUTS',
  stack: 'E2E_STACK',
  emailDomain: 'E2E_EMAIL_DOMAIN',
  targetOutputs: 'E2E_TARGET_OUTPUTS',
  localStateDir: 'E2E_LOCAL_STATE_DIR',
} as const;

/** What test/local/global-setup.ts leaves on `globalThis.__localCloud` for its teardown. */
export interface LocalCloudHandles {
  readonly child: ChildProcess;
  readonly exited: Promise<unknown>;
}
