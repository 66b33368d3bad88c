import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { runStandalone } from './standalone';
import { bundleFrontEnd, FRONT_ENDS } from '../local/web/bundle';

interface FrontEndNumbers {
  /** Bundling time, best of the runs (what `npm start` spends before it can serve the page). */
  readonly buildMs: number;
  readonly files: Record<string, { kB: number; gzipKB: number }>;
}

const RUNS = 5;

/** Each front end as `npm start` serves it and `npm run build:app` writes it: bundle time and sizes. */
export async function benchFrontEnds(): Promise<Record<string, FrontEndNumbers>> {
  const webRoot = join(__dirname, '..', 'web');
  const results: Record<string, FrontEndNumbers> = {};
  for (const frontEnd of FRONT_ENDS) {
    const times: number[] = [];
    let files = new Map<string, { body: Buffer }>();
    for (let run = 0; run < RUNS; run += 1) {
      const started = performance.now();
      files = new Map(await bundleFrontEnd(webRoot, frontEnd));
      times.push(performance.now() - started);
    }
    results[frontEnd] = {
      buildMs: Math.round(Math.min(...times)),
      files: Object.fromEntries(
        [...files].map(([name, file]) => [name, { kB: Math.round(file.body.length / 102.4) / 10, gzipKB: Math.round(gzipSync(file.body).length / 102.4) / 10 }]),
      ),
    };
  }
  return results;
}

if (require.main === module) {
  runStandalone(benchFrontEnds, (results) => {
    for (const [frontEnd, numbers] of Object.entries(results)) {
      console.log(`${frontEnd}: bundled in ${numbers.buildMs} ms (best of ${RUNS})`);
      console.table(numbers.files);
    }
  });
}
