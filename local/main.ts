/**
 * `npm start`: the whole control plane on this machine, on loopback, with no AWS account.
 * Flags: --port (AWS endpoint, default 4566), --api-port (REST API, default 4567),
 * --state-dir (default .local), --persist (keep data across restarts), --no-seed (skip the demo),
 * --duplicate-delivery (the bus delivers every event twice, to prove subscribers idempotent),
 * --cors-origin (repeatable or comma-separated: origins allowed by CORS besides the endpoint's own),
 * --reconcile-every (minutes between the reconciler's runs, default as deployed; 0 turns it off).
 */
import { parseArgs } from 'node:util';
import { startLocalCloud, type LocalCloud } from './cloud';
import { JavaMissingError } from './dynamodb/dynamodb-local';
import { PortInUseError } from './server/endpoint';
import { BadPortError, FETCH_BAD_PORTS } from './server/ports';
import { InvalidOriginError, parseAllowedOrigins, WildcardOriginError } from '../handlers/api/cors';
import { DEMO_INVITEE, DEMO_PASSWORD, seedDemo, type DemoSummary } from './seed';
import { RECONCILIATION } from '../domain/reconciliation';
import { InvalidReconcileIntervalError, parseReconcileInterval } from './reconcile-schedule';

const USAGE = `Usage: npm start -- [--port 4566] [--api-port 4567] [--state-dir .local] [--persist] [--no-seed] [--duplicate-delivery] [--cors-origin http://localhost:5173] [--reconcile-every ${RECONCILIATION.everyMinutes}]`;

function parsePort(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`${flag} must be a port number from 0 to 65535, not "${value}".\n${USAGE}`);
    process.exit(2);
  }
  // Said now, before the emulators start, rather than when the endpoint would listen.
  if (FETCH_BAD_PORTS.has(port)) {
    console.error(`${new BadPortError(port, flag).message}\n${USAGE}`);
    process.exit(2);
  }
  return port;
}

function demoText(demo: DemoSummary, outputs: LocalCloud['outputs']): string {
  const users = demo.users.map((user) => `    ${user.email.padEnd(24)} ${user.tenants}`).join('\n');
  return `
  Demo (password ${DEMO_PASSWORD} for every user):
${users}
    ${DEMO_INVITEE.padEnd(24)} invited to Blue Sky (instructor): sign up with it to claim it
  Sign in and call the API:
    export AWS_ENDPOINT_URL=${outputs.endpoint} AWS_REGION=${outputs.region} AWS_DEFAULT_REGION=${outputs.region} AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
    ID_TOKEN=$(aws cognito-idp initiate-auth --client-id ${outputs.userPoolClientId} --auth-flow USER_PASSWORD_AUTH \\
      --auth-parameters USERNAME=maya@pilots.example,PASSWORD=${DEMO_PASSWORD} --query AuthenticationResult.IdToken --output text)
    curl -H "Authorization: Bearer $ID_TOKEN" ${outputs.apiUrl}/tenants
  (or run: npm run demo, which does the same with the SDK)
`;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        'api-port': { type: 'string' },
        'state-dir': { type: 'string', default: '.local' },
        persist: { type: 'boolean', default: false },
        'no-seed': { type: 'boolean', default: false },
        'duplicate-delivery': { type: 'boolean', default: false },
        'cors-origin': { type: 'string', multiple: true },
        'reconcile-every': { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  let corsOrigins: readonly string[];
  try {
    corsOrigins = parseAllowedOrigins(values['cors-origin']);
  } catch (error) {
    if (!(error instanceof WildcardOriginError || error instanceof InvalidOriginError)) throw error;
    console.error(`--cors-origin: ${error.message}\n${USAGE}`);
    process.exit(2);
  }
  let reconcileEveryMinutes: number;
  try {
    reconcileEveryMinutes = parseReconcileInterval(values['reconcile-every'], RECONCILIATION.everyMinutes);
  } catch (error) {
    if (!(error instanceof InvalidReconcileIntervalError)) throw error;
    console.error(`${error.message}\n${USAGE}`);
    process.exit(2);
  }
  const quiet = process.env.LOCAL_CLOUD_QUIET === '1';
  const started = Date.now();
  const log = (message: string): void => {
    if (!quiet) console.log(`[local] ${((Date.now() - started) / 1000).toFixed(1)}s ${message}`);
  };

  // Signals are handled from the first moment: a Ctrl-C during start-up still stops the JVM and
  // everything else once they exist, instead of leaving them orphaned.
  let cloud: LocalCloud | undefined;
  let stopRequested: string | undefined;
  const stopAndExit = (code: number): void => {
    (cloud ? cloud.stop() : Promise.resolve())
      .then(() => process.exit(code))
      .catch((error: unknown) => {
        console.error(error);
        process.exit(1);
      });
  };
  const onSignal = (signal: string): void => {
    if (stopRequested) return;
    stopRequested = signal;
    log(`${signal}: stopping`);
    // Still starting: the start-up path sees the request and stops what it started.
    if (cloud) stopAndExit(0);
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));

  try {
    cloud = await startLocalCloud({
      port: parsePort(values.port, 4566, '--port'),
      apiPort: parsePort(values['api-port'], 4567, '--api-port'),
      stateDir: values['state-dir'],
      persist: values.persist,
      duplicateDelivery: values['duplicate-delivery'],
      corsOrigins,
      reconcileEveryMinutes,
      progress: log,
    });
  } catch (error) {
    if (error instanceof JavaMissingError || error instanceof PortInUseError || error instanceof BadPortError) {
      console.error(`\n${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  if (stopRequested) return stopAndExit(0);

  const { outputs } = cloud;
  let demo: DemoSummary | undefined;
  if (!values['no-seed']) {
    try {
      demo = await seedDemo(outputs, log);
      cloud.setDemo({ password: DEMO_PASSWORD, users: demo.users.map(({ email, tenants }) => ({ email, tenants })), invitee: DEMO_INVITEE });
    } catch (error) {
      await cloud.stop();
      throw error;
    }
    if (stopRequested) return stopAndExit(0);
  }
  // Written last: whoever waits for this file (tests, scripts, benchmarks) finds everything ready.
  const outputsFile = cloud.writeOutputs();
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`
  Local cloud ready in ${seconds}s
  AWS endpoint   ${outputs.endpoint}   (AWS_ENDPOINT_URL=${outputs.endpoint}, region ${outputs.region})
  REST API       ${outputs.apiUrl}   (CORS: ${cloud.corsOrigins.join(', ')})
  Tenant app     ${outputs.appUrl}   (open it in a browser: sign in as a demo user below)
  Inspector      ${outputs.consoleUrl}   (executions, events, invocations, audit trails)
  User pool      ${outputs.userPoolId}   client ${outputs.userPoolClientId}
  Identity pool  ${outputs.identityPoolId}
  Table          ${outputs.tableName}      Event bus ${outputs.eventBusName}
  Outputs        ${outputsFile}
  Reconciler     ${reconcileEveryMinutes > 0 ? `every ${reconcileEveryMinutes} min` : 'off'} (npm run reconcile runs it now)
  Data           ${values.persist ? `kept in ${values['state-dir']}` : 'in memory: gone when you stop (use --persist to keep it)'}

${demo && demo.users.length ? demoText(demo, outputs) : ''}
  Press Ctrl-C to stop.
`);
}

main().catch((error: unknown) => {
  console.error('[local] failed to start:', error);
  process.exit(1);
});
