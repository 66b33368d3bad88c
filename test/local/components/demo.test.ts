import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

function run(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output, exited: new Promise((resolve) => child.once('exit', resolve)) };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt += 1) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** The statuses the demo printed after a step whose title contains `title`, in order. */
function statusesAfter(output: string, title: string): number[] {
  const start = output.indexOf(title);
  if (start < 0) return [];
  const section = output.slice(start, output.indexOf('▶', start + 1) > 0 ? output.indexOf('▶', start + 1) : undefined);
  return [...section.matchAll(/"status": (\d{3})/g)].map((match) => Number(match[1]));
}

describe('npm start with the seeded demo, then npm run demo', () => {
  let stateDir: string;
  let cloud: ReturnType<typeof run> | undefined;
  beforeAll(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'demo-'));
  });
  afterAll(async () => {
    cloud?.child.kill('SIGTERM');
    await cloud?.exited;
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("tells the design's Figure 7 story, twice in a row: 201, 403, 201, 409, role changed, 403, all undone", async () => {
    cloud = run(['local/main.ts', '--port', '0', '--api-port', '0', '--state-dir', stateDir]);
    const outputs = join(stateDir, 'outputs.json');
    await until(() => existsSync(outputs) && cloud?.output().includes('Press Ctrl-C') === true, 'the seeded local cloud');
    expect(cloud.output()).toContain('demo fleets: 3 aircraft and 2 reservations at Blue Sky, 3 aircraft and 1 reservation at Red Rock');

    for (const round of [1, 2]) {
      const demo = run(['local/demo.ts', outputs]);
      const code = await demo.exited;
      const output = demo.output();

      expect({ round, code }).toEqual({ round, code: 0 });
      expect(statusesAfter(output, 'adds an aircraft: POST /aircraft')).toEqual([201]);
      expect(statusesAfter(output, 'tries the same: her role lacks aircraft:write')).toEqual([403]);
      expect(statusesAfter(output, 'maya books it')).toEqual([201]);
      expect(statusesAfter(output, 'tries to book the same slot')).toEqual([409]);
      expect(statusesAfter(output, 'removes reservation:create from the pilot role')).toEqual([200]);
      expect(statusesAfter(output, 'books again with the same token')).toEqual([403]);
      expect(output).toMatch(/"restoreRole": 200,\s+"cancelReservation": 204,\s+"deleteAircraft": 204/);
    }
  }, 240_000);
});
