/**
 * `npm start`: the whole control plane on this machine, on loopback, with no AWS account.
 * Flags: --port (AWS endpoint, default 4566), --api-port (REST API, default 4567),
 * --state-dir (default .local), --persist (keep data across restarts).
 */
import { parseArgs } from 'node:util';
import { startLocalCloud, type LocalCloud } from './cloud';
import { JavaMissingError } from './dynamodb/dynamodb-local';
import { PortInUseError } from './server/endpoint';

const USAGE = `Usage: npm start -- [--port 4566] [--api-port 4567] [--state-dir .local] [--persist]`;

function parsePort(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`${flag} must be a port number from 0 to 65535, not "${value}".\n${USAGE}`);
    process.exit(2);
  }
  return port;
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
  const quiet = process.env.LOCAL_CLOUD_QUIET === '1';
  const started = Date.now();
  const log = (message: string): void => {
    if (!quiet) console.log(`[local] ${((Date.now() - started) / 1000).toFixed(1)}s ${message}`);
  };

  let cloud: LocalCloud;
  try {
    cloud = await startLocalCloud({
      port: parsePort(values.port, 4566, '--port'),
      apiPort: parsePort(values['api-port'], 4567, '--api-port'),
      stateDir: values['state-dir'],
      persist: values.persist,
      progress: log,
    });
  } catch (error) {
    if (error instanceof JavaMissingError || error instanceof PortInUseError) {
      console.error(`\n${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  const { outputs } = cloud;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`
  Local cloud ready in ${seconds}s
  AWS endpoint   ${outputs.endpoint}   (AWS_ENDPOINT_URL=${outputs.endpoint}, region ${outputs.region})
  REST API       ${outputs.apiUrl}
  Console        ${outputs.consoleUrl}
  User pool      ${outputs.userPoolId}   client ${outputs.userPoolClientId}
  Identity pool  ${outputs.identityPoolId}
  Table          ${outputs.tableName}      Event bus ${outputs.eventBusName}
  Outputs        ${cloud.outputsFile}
  Data           ${values.persist ? `kept in ${values['state-dir']}` : 'in memory: gone when you stop (use --persist to keep it)'}

  Press Ctrl-C to stop.
`);

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    cloud
      .stop()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        console.error(error);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error('[local] failed to start:', error);
  process.exit(1);
});
