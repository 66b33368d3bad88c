import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { preProcessFile } from 'typescript';

const ROOT = resolve(__dirname, '..', '..');
const PURE_FOLDERS = ['domain', 'events', 'workflows'];
/** Packages pure code may use: schemas, and Node's own modules for the schema export script. */
const allowedPackage = (specifier: string): boolean => specifier === 'zod' || specifier.startsWith('node:');

const sourcesIn = (folder: string): string[] =>
  readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(ROOT, folder, file));

function resolveRelative(from: string, specifier: string): string {
  const base = resolve(dirname(from), specifier);
  const found = [`${base}.ts`, join(base, 'index.ts')].find((candidate) => existsSync(candidate));
  return found ?? base;
}

/**
 * Every package the pure modules reach, following their relative imports wherever they lead (the
 * event rules read the function catalog in handlers/), so that purity cannot leak in one hop away.
 */
function packagesReachedFrom(entries: readonly string[]): Map<string, string[]> {
  const reached = new Map<string, string[]>();
  const seen = new Set<string>();
  const queue = [...entries];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const { fileName: specifier } of preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      if (specifier.startsWith('.')) {
        queue.push(resolveRelative(file, specifier));
        continue;
      }
      reached.set(specifier, [...(reached.get(specifier) ?? []), relative(ROOT, file)]);
    }
  }
  return reached;
}

describe('the pure core (domain/, events/ and the workflow definitions)', () => {
  it('reaches no AWS SDK, no CDK and no other runtime package, directly or through what it imports', () => {
    const entries = PURE_FOLDERS.flatMap(sourcesIn);

    const reached = packagesReachedFrom(entries);

    const forbidden = [...reached].filter(([specifier]) => !allowedPackage(specifier));
    expect(entries.length).toBeGreaterThan(5);
    expect(reached.has('zod')).toBe(true);
    expect(forbidden).toEqual([]);
  });

  it('includes every workflow definition module', () => {
    const workflows = sourcesIn('workflows');

    expect(workflows.length).toBeGreaterThan(4);
    expect([...packagesReachedFrom(workflows)].filter(([specifier]) => !allowedPackage(specifier))).toEqual([]);
  });
});
