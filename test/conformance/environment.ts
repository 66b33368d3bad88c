import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_ADMIN_CREDENTIALS } from '../../local/config';
import type { LocalOutputs } from '../../local/cloud';

/**
 * The conformance tier drives the local cloud with clients nobody in this project wrote: the AWS
 * CLI and boto3 (botocore's own models, signers and parsers). Its global setup hands the tests the
 * cloud's outputs and the Python that imports boto3 through these variables.
 */
export const CONFORMANCE_ENV = {
  outputs: 'CONFORMANCE_CLOUD_OUTPUTS',
  stateDir: 'CONFORMANCE_CLOUD_STATE_DIR',
  /** The Python interpreter that imports boto3 (set by the global setup, or by the user to choose one). */
  python: 'CONFORMANCE_PYTHON',
} as const;

/** `aws` or boto3 is not installed: the tier cannot run, and says how to get them. */
export class ConformanceClientMissingError extends Error {
  override readonly name = 'ConformanceClientMissingError';
}

/** The AWS CLI failed where the test expected an answer, or printed something that is not the JSON asked for. */
export class UnreadableCliOutputError extends Error {
  override readonly name = 'UnreadableCliOutputError';
}

/** boto3_calls.py itself failed (not a call it made: those it prints as errors). */
export class Boto3ScriptFailedError extends Error {
  override readonly name = 'Boto3ScriptFailedError';
}

const INSTALL_HINT = "On Debian/Ubuntu: apt-get install -y awscli python3-boto3 (.ci/run does so); or pip install awscli boto3.";

/** `aws --version`'s line, or a ConformanceClientMissingError naming what to install. */
export function requireAwsCli(): string {
  const probe = spawnSync('aws', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    const why = probe.error?.message ?? `exit ${String(probe.status)}: ${probe.stderr.trim()}`;
    throw new ConformanceClientMissingError(`The conformance tier runs the AWS CLI and 'aws --version' failed (${why}). ${INSTALL_HINT}`);
  }
  // aws-cli v1 prints its version on stderr, v2 on stdout.
  return `${probe.stdout}${probe.stderr}`.trim();
}

/**
 * The first Python that imports boto3: the one named by CONFORMANCE_PYTHON, then `python3` on PATH,
 * then Debian's /usr/bin/python3 (where apt's python3-boto3 lands when PATH's python3 is another,
 * such as pyenv's).
 */
export function requireBoto3Python(): string {
  const named = process.env[CONFORMANCE_ENV.python];
  const candidates = named ? [named] : ['python3', '/usr/bin/python3'];
  for (const python of candidates) {
    try {
      execFileSync(python, ['-c', 'import boto3'], { stdio: 'ignore' });
      return python;
    } catch {
      // Try the next interpreter.
    }
  }
  throw new ConformanceClientMissingError(`The conformance tier runs a boto3 script and none of ${candidates.join(', ')} can import boto3. ${INSTALL_HINT}`);
}

/** The tier's local cloud, as its global setup read it from outputs.json. */
export function outputs(): LocalOutputs {
  const raw = process.env[CONFORMANCE_ENV.outputs];
  if (!raw) throw new Error(`${CONFORMANCE_ENV.outputs} is not set: the conformance tier runs under its global setup`);
  return JSON.parse(raw) as LocalOutputs;
}

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** The CLI's error line, as botocore's ClientError formats every service error. */
export interface CliError {
  readonly code: string;
  readonly operation: string;
  readonly message: string;
}

export interface CliResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when stderr holds the CLI's "An error occurred (Code) when calling the Op operation: message". */
  readonly error: CliError | undefined;
}

/** Inside the cloud's state folder, which the global teardown removes, when there is one. */
const scratch = (): string => process.env[CONFORMANCE_ENV.stateDir] ?? tmpdir();

// One HOME for every client the tier runs, holding only the tier's own CLI settings: no ~/.aws/config
// or credentials of whoever runs it leaks in.
let cleanHome: string | undefined;

/**
 * The CLI settings of the tier: timestamps printed as ISO 8601, which is aws-cli v2's default and
 * v1's `cli_timestamp_format = iso8601` (v1 prints epoch seconds otherwise), so that the tests read
 * one format from either version (https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-files.html).
 */
const CLI_CONFIG = '[default]\ncli_timestamp_format = iso8601\n';

function homeWithCliConfig(): string {
  const home = mkdtempSync(join(scratch(), 'home-'));
  mkdirSync(join(home, '.aws'));
  writeFileSync(join(home, '.aws', 'config'), CLI_CONFIG);
  return home;
}

/**
 * The environment every client starts with, built from nothing: PATH (and pyenv's variables, which
 * its shims need) from the caller, and the tier's own HOME.
 */
export function cleanEnvironment(): NodeJS.ProcessEnv {
  cleanHome ??= homeWithCliConfig();
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => name === 'PATH' || name.startsWith('PYENV_')));
  return { ...inherited, HOME: cleanHome };
}

/** A timestamp as the CLI prints it under CLI_CONFIG. */
export const isoTimestamp = (): unknown => expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/);

/**
 * A CLI call's environment: the README's settings, the region through AWS_DEFAULT_REGION (aws-cli
 * v1 reads no other), and AWS_DISABLE_HOST_PREFIX_INJECTION so that StartSyncExecution's `sync-`
 * host prefix is not put in front of 127.0.0.1.
 */
function cliEnvironment(credentials: Credentials): NodeJS.ProcessEnv {
  return {
    ...cleanEnvironment(),
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    ...(credentials.sessionToken ? { AWS_SESSION_TOKEN: credentials.sessionToken } : {}),
    AWS_DEFAULT_REGION: outputs().region,
    AWS_DISABLE_HOST_PREFIX_INJECTION: 'true',
    // aws-cli v2 pipes long output through a pager by default.
    AWS_PAGER: '',
  };
}

// "An error occurred (Code) when calling the Operation operation: message" (botocore.exceptions.ClientError).
const CLI_ERROR_LINE = /An error occurred \(([^)]+)\) when calling the (\w+) operation(?: \(reached max retries: \d+\))?: ([^\n]*)/;

export function parseCliError(stderr: string): CliError | undefined {
  const match = CLI_ERROR_LINE.exec(stderr);
  return match ? { code: match[1] ?? '', operation: match[2] ?? '', message: match[3] ?? '' } : undefined;
}

/**
 * `aws <args> --endpoint-url <the cloud> --output json`, as a user types it, with the local
 * administrator's credentials unless others are given. Resolves with the exit code whatever it is.
 */
export function aws(args: readonly string[], credentials: Credentials = LOCAL_ADMIN_CREDENTIALS): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'aws',
      [...args, '--endpoint-url', outputs().endpoint, '--output', 'json'],
      { env: cliEnvironment(credentials), encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(error);
          return;
        }
        resolve({ exitCode: error ? Number(error.code) : 0, stdout, stderr, error: parseCliError(stderr) });
      },
    );
  });
}

/** The JSON a successful call printed; a failed call fails the test with what the CLI said. */
export async function awsJson<T = Record<string, unknown>>(args: readonly string[], credentials?: Credentials): Promise<T> {
  const result = await aws(args, credentials);
  if (result.exitCode !== 0) throw new UnreadableCliOutputError(`aws ${args.join(' ')} exited ${result.exitCode}: ${result.stderr.trim()}`);
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new UnreadableCliOutputError(`aws ${args.join(' ')} printed no JSON: ${result.stdout}`);
  }
}

/**
 * The CLI's exit code for an error the service answered: 255 in aws-cli v1, 254 in v2
 * (https://docs.aws.amazon.com/cli/v1/userguide/cli-usage-returncodes.html,
 * https://docs.aws.amazon.com/cli/latest/userguide/cli-usage-returncodes.html).
 */
export const SERVICE_ERROR_EXIT_CODES = [254, 255];

/** A file holding `content`, for the CLI's `fileb://` arguments (read as bytes by v1 and v2 alike). */
export function tempFile(name: string, content: string): string {
  const file = join(mkdtempSync(join(scratch(), 'files-')), name);
  writeFileSync(file, content);
  return file;
}
