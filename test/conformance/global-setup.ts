import { startCloudProcess } from '../local/global-setup';
import { CONFORMANCE_ENV, requireAwsCli, requireBoto3Python } from './environment';

/**
 * A fresh unseeded local cloud of the conformance tier's own (`npm start`'s entry point in a child
 * process, as the local tier's), after checking that both clients are here: a missing `aws` or
 * boto3 fails the tier with what to install, never skips it.
 */
export default async function globalSetup(): Promise<void> {
  const awsVersion = requireAwsCli();
  process.env[CONFORMANCE_ENV.python] = requireBoto3Python();
  process.stdout.write(`\nconformance tier: ${awsVersion}; boto3 through ${process.env[CONFORMANCE_ENV.python]}\n`);
  const cloud = await startCloudProcess({ seed: false });
  process.env[CONFORMANCE_ENV.outputs] = cloud.outputsText;
  process.env[CONFORMANCE_ENV.stateDir] = cloud.stateDir;
  (globalThis as { __conformanceCloud?: unknown }).__conformanceCloud = cloud;
}
