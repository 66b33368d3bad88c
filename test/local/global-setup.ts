import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Starts one local cloud (`npm start`'s own entry point) for the whole local tier, on free ports
 * and a throw-away state folder, and hands its outputs to the tests through an environment variable.
 */
export default async function globalSetup(): Promise<void> {
  const cloud = await startCloudProcess({ seed: false });
  process.env.LOCAL_CLOUD_OUTPUTS = cloud.outputsText;
  process.env.LOCAL_CLOUD_STATE_DIR = cloud.stateDir;
  (globalThis as { __localCloud?: unknown }).__localCloud = cloud;
}

export interface CloudProcess {
  readonly stateDir: string;
  /** outputs.json as the cloud wrote it. */
  readonly outputsText: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  readonly log: () => string;
}

/**
 * `npm start` in a child process; `seed` adds the demo (the browser tier signs in as its users),
 * which takes the longest part of start-up.
 */
export async function startCloudProcess(options: { readonly seed: boolean }): Promise<CloudProcess> {
  const stateDir = mkdtempSync(join(tmpdir(), 'local-cloud-test-'));
  const outputsFile = join(stateDir, 'outputs.json');
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts', '--port', '0', '--api-port', '0', '--state-dir', stateDir, ...(options.seed ? [] : ['--no-seed']), '--reconcile-every', '0'], {
    cwd: join(__dirname, '..', '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOCAL_CLOUD_QUIET: '1' },
  });
  let log = '';
  // Everything the cloud and its in-process functions print, for the tests that prove no token is ever logged.
  const logFile = createWriteStream(join(stateDir, 'cloud.log'));
  const capture = (chunk: Buffer): void => {
    log += chunk.toString();
    logFile.write(chunk);
  };
  child.stdout.on('data', capture);
  child.stderr.on('data', capture);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 150_000;
  while (!existsSync(outputsFile)) {
    const code = await Promise.race([exited, new Promise<'waiting'>((resolve) => setTimeout(() => resolve('waiting'), 100))]);
    if (code !== 'waiting') throw new Error(`The local cloud exited (${String(code)}) before it was ready:\n${log}`);
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`The local cloud was not ready within 150 s:\n${log}`);
    }
  }
  return { stateDir, outputsText: readFileSync(outputsFile, 'utf8'), child, exited, log: () => log };
}
