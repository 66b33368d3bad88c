import { startCloudProcess } from '../local/global-setup';
import { BROWSER_ENV, requireChromium } from './environment';

/**
 * A seeded local cloud of the browser tier's own (the tests sign in as the demo's users, and the
 * other tiers' clouds start unseeded), started by `npm start`'s entry point as a newcomer would.
 */
export default async function globalSetup(): Promise<void> {
  requireChromium();
  const cloud = await startCloudProcess({ seed: true });
  process.env[BROWSER_ENV.outputs] = cloud.outputsText;
  process.env[BROWSER_ENV.stateDir] = cloud.stateDir;
  (globalThis as { __browserCloud?: unknown }).__browserCloud = cloud;
}
