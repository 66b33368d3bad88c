import { runStandalone } from './standalone';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Time from launching `npm start`'s entry point to `.local/outputs.json` being written (the
 * moment the local cloud answers), repeated; the process is stopped with SIGTERM each time and
 * the time to a clean exit is measured too.
 */
export async function benchStartup(runs = 3): Promise<Record<string, number>> {
  const ready: number[] = [];
  const stopped: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const stateDir = mkdtempSync(join(tmpdir(), 'bench-startup-'));
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts', '--port', '0', '--api-port', '0', '--state-dir', stateDir], {
      cwd: join(__dirname, '..'),
      stdio: 'ignore',
      env: { ...process.env, LOCAL_CLOUD_QUIET: '1' },
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    while (!existsSync(join(stateDir, 'outputs.json'))) {
      if (child.exitCode !== null) throw new Error('the local cloud exited during start-up');
      if (performance.now() - started > 120_000) throw new Error('the local cloud did not start within 120 s');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    ready.push(performance.now() - started);
    const stopping = performance.now();
    child.kill('SIGTERM');
    await exited;
    stopped.push(performance.now() - stopping);
    rmSync(stateDir, { recursive: true, force: true });
  }
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
  return {
    runs,
    readyMedianMs: Math.round(median(ready)),
    readyMaxMs: Math.round(Math.max(...ready)),
    stopMedianMs: Math.round(median(stopped)),
  };
}

if (require.main === module) runStandalone(benchStartup, (result) => console.table(result));
