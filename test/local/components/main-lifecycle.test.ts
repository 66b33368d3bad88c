import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

/** Pids of the processes whose parent is `pid` (Linux /proc), e.g. the JVM of DynamoDB Local. */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        return readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ')[1] === String(pid);
      } catch {
        return false;
      }
    })
    .map(Number);
}

const alive = (pid: number): boolean => existsSync(`/proc/${pid}`);

function startMain(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output, exited: new Promise((resolve) => child.once('exit', resolve)) };
}

describe('npm start (local/main.ts) as a process', () => {
  let stateDir: string;
  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'main-lifecycle-'));
  });
  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

  it('stops everything on SIGTERM: no JVM or bundler is left behind and outputs.json is removed', async () => {
    const { child, exited } = startMain(['--port', '0', '--api-port', '0', '--state-dir', stateDir, '--no-seed']);
    const outputs = join(stateDir, 'outputs.json');
    while (!existsSync(outputs)) await new Promise((resolve) => setTimeout(resolve, 50));
    // A page asked for starts esbuild's service, one more child to stop.
    const { appUrl } = JSON.parse(readFileSync(outputs, 'utf8')) as { appUrl: string };
    expect((await fetch(`${appUrl}main.js`)).status).toBe(200);
    const jvms = childrenOf(child.pid ?? -1);
    expect(jvms.length).toBeGreaterThan(1);

    child.kill('SIGTERM');
    const code = await exited;

    expect(code).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(jvms.filter(alive)).toEqual([]);
    expect(existsSync(outputs)).toBe(false);
  });

  it('keeps a persisted state directory readable by its owner only, even one made with looser modes', async () => {
    chmodSync(stateDir, 0o755);
    const { child, exited } = startMain(['--port', '0', '--api-port', '0', '--state-dir', stateDir, '--no-seed', '--persist']);
    const outputs = join(stateDir, 'outputs.json');
    while (!existsSync(outputs)) await new Promise((resolve) => setTimeout(resolve, 50));

    const mode = statSync(stateDir).mode & 0o777;
    const keyMode = statSync(join(stateDir, 'cognito', 'signing-key.pem')).mode & 0o777;
    child.kill('SIGTERM');
    await exited;

    expect(mode.toString(8)).toBe('700');
    expect(keyMode.toString(8)).toBe('600');
  });

  it('says plainly that a port is taken, and exits 1 without a stack', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;

    const { output, exited } = startMain(['--port', String(port), '--api-port', '0', '--state-dir', stateDir, '--no-seed']);
    const code = await exited;
    blocker.close();

    expect(code).toBe(1);
    expect(output()).toContain(`Port ${port} (AWS endpoint) is already in use`);
    expect(output()).not.toMatch(/\n\s+at /);
  });

  it.each([
    ['--port', '6566'],
    ['--api-port', '6000'],
  ])("refuses %s %s, a port fetch and browsers will not connect to, before starting anything", async (flag, port) => {
    const { output, exited } = startMain([flag, port, '--state-dir', stateDir, '--no-seed']);

    expect(await exited).toBe(2);
    expect(output()).toContain(`Port ${port} (${flag}) is one of the Fetch standard's "bad ports"`);
    expect(output()).not.toMatch(/\n\s+at /);
  });

  it('rejects an unknown option with the usage line', async () => {
    const { output, exited } = startMain(['--no-such-option']);

    expect(await exited).toBe(2);
    expect(output()).toContain('Usage: npm start --');
  });
});
