import { existsSync } from 'node:fs';

/** The variables that carry the browser tier's cloud from its global setup to the tests. */
export const BROWSER_ENV = {
  outputs: 'BROWSER_CLOUD_OUTPUTS',
  stateDir: 'BROWSER_CLOUD_STATE_DIR',
  /** Where Chromium is (default Debian's /usr/bin/chromium). */
  chromium: 'CHROMIUM_PATH',
  /** `1`: the README's screenshots (docs/screenshots/) are rewritten; otherwise they go to a temporary folder. */
  saveScreenshots: 'SAVE_SCREENSHOTS',
} as const;

export const chromiumPath = (): string => process.env[BROWSER_ENV.chromium] ?? '/usr/bin/chromium';

/** Said before any cloud starts, so a machine without a browser fails in a second with what to do. */
export class ChromiumMissingError extends Error {
  constructor(path: string) {
    super(
      `The browser tier drives Chromium, and there is none at ${path}. ` +
        'On Debian/Ubuntu: apt-get install -y chromium (.ci/run installs it), or set CHROMIUM_PATH to a Chromium or Chrome binary.',
    );
    this.name = 'ChromiumMissingError';
  }
}

export function requireChromium(): string {
  const path = chromiumPath();
  if (!existsSync(path)) throw new ChromiumMissingError(path);
  return path;
}
