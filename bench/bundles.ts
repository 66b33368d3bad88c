import { runStandalone } from './standalone';
import { build } from 'esbuild';
import { join } from 'node:path';
import { FUNCTIONS } from '../handlers/catalog';
import { LAMBDA_ESBUILD_OPTIONS } from '../infra/bundling';

/** Each function bundled as it deploys (minified ESM for Node 22), without source maps: bytes and gzip bytes. */
export async function benchBundles(): Promise<Record<string, { kB: number; gzipKB: number }>> {
  const { gzipSync } = await import('node:zlib');
  const root = join(__dirname, '..');
  const sizes: Record<string, { kB: number; gzipKB: number }> = {};
  for (const definition of Object.values(FUNCTIONS)) {
    const result = await build({
      ...LAMBDA_ESBUILD_OPTIONS,
      mainFields: [...LAMBDA_ESBUILD_OPTIONS.mainFields],
      entryPoints: [join(root, definition.entry)],
      write: false,
    });
    const code = result.outputFiles[0]?.contents ?? new Uint8Array();
    sizes[definition.name] = { kB: Math.round(code.length / 1024), gzipKB: Math.round(gzipSync(code).length / 1024) };
  }
  return sizes;
}

if (require.main === module) runStandalone(benchBundles, (sizes) => console.table(sizes));
