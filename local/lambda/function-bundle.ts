import { build, version as esbuildVersion, type BuildOptions } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FunctionDefinition } from '../../handlers/catalog';
import { LAMBDA_ESBUILD_OPTIONS } from '../../infra/bundling';
import { createBundleCache, type BundleFiles } from './bundle-cache';

/** esbuild's options for every function, LAMBDA_BUNDLE's and the construct's source map: part of the cache key. */
const BUILD_OPTIONS: BuildOptions = { ...LAMBDA_ESBUILD_OPTIONS, mainFields: [...LAMBDA_ESBUILD_OPTIONS.mainFields], sourcemap: true, sourcesContent: false };

/** Where bundles are kept across runs unless the service is told otherwise: beside the other tools' caches. */
export const defaultBundleCacheDir = (projectRoot: string): string => join(projectRoot, 'node_modules', '.cache', 'local-lambda');

/** Builds one entry in memory; the map's sources become absolute file URLs, so the files may be written anywhere. */
async function buildEntry(projectRoot: string, entry: string): Promise<{ files: BundleFiles; inputs: string[] }> {
  const result = await build({ ...BUILD_OPTIONS, entryPoints: [entry], outfile: join(projectRoot, '.bundle', 'index.mjs'), absWorkingDir: projectRoot, write: false, metafile: true });
  const code = result.outputFiles?.find((file) => file.path.endsWith('.mjs'));
  const map = result.outputFiles?.find((file) => file.path.endsWith('.mjs.map'));
  if (!code || !map) throw new Error(`esbuild produced no bundle for ${entry}`);
  const parsed = JSON.parse(map.text) as { sources: string[] };
  parsed.sources = parsed.sources.map((source) => pathToFileURL(resolve(dirname(map.path), source)).href);
  // The `sourceMappingURL` comment names `index.mjs.map`, the file written beside the code.
  return { files: { code: code.contents, map: Buffer.from(JSON.stringify(parsed)) }, inputs: Object.keys(result.metafile?.inputs ?? {}) };
}

/**
 * Each function's code as it deploys: its catalog entry bundled by esbuild with LAMBDA_BUNDLE and
 * the construct's source map (infra/constructs/functions.ts: `sourceMap: true, sourcesContent:
 * false`), written as `<bundleDir>/<name>/index.mjs` (NodejsFunction's ESM file name). A worker
 * imports that file, so a handler that only works unbundled (a dynamic require, a file read next
 * to its source) fails here as it would deployed.
 *
 * Bundled once per function and service, on its first cold start (0.2 s each on an idle machine,
 * up to 2 s on a loaded one), or taken from the content-keyed cache of earlier runs (bundle-cache.ts);
 * a failed build is tried again on the next cold start.
 */
export function createFunctionBundler(options: { projectRoot: string; bundleDir?: string; cacheDir?: string | false }) {
  const ownDir = options.bundleDir === undefined;
  const bundleDir = options.bundleDir ?? mkdtempSync(join(tmpdir(), 'local-lambda-'));
  const built = new Map<string, Promise<string>>();
  const cache = createBundleCache({ projectRoot: options.projectRoot, dir: options.cacheDir === false ? undefined : (options.cacheDir ?? defaultBundleCacheDir(options.projectRoot)) });

  const once = (key: string, make: () => Promise<string>): Promise<string> => {
    let path = built.get(key);
    if (!path) {
      path = make();
      built.set(key, path);
      path.catch(() => built.delete(key));
    }
    return path;
  };

  const bundle = async (name: string, entry: string, outDir: string): Promise<string> => {
    const key = JSON.stringify({ esbuildVersion, BUILD_OPTIONS, entry });
    let files = await cache.lookup(name, key);
    if (!files) {
      const built = await buildEntry(options.projectRoot, entry);
      files = built.files;
      // A cache that cannot be written costs the next run a build, nothing more.
      await cache.store(name, key, files, built.inputs).catch(() => undefined);
    }
    await mkdir(outDir, { recursive: true });
    await writeFile(join(outDir, 'index.mjs'), files.code);
    await writeFile(join(outDir, 'index.mjs.map'), files.map);
    return join(outDir, 'index.mjs');
  };

  return {
    /** The function's bundle path, built on the first call. */
    functionBundle: (definition: FunctionDefinition): Promise<string> =>
      once(definition.name, () => bundle(definition.name, definition.entry, join(bundleDir, definition.name))),
    /** The worker's own entry (worker-bootstrap.ts), bundled beside the functions: a worker thread runs plain JavaScript. */
    bootstrap: (): Promise<string> => once('', () => bundle('_runtime', join(__dirname, 'worker-bootstrap.ts'), join(bundleDir, '_runtime'))),
    /** The directory holding a function's bundle: its `LAMBDA_TASK_ROOT`. */
    taskRootOf: (definition: FunctionDefinition): string => join(bundleDir, definition.name),
    /** Removes the bundles if the service made their directory; a given directory is the cloud's to clean. */
    remove: (): void => {
      if (ownDir) rmSync(bundleDir, { recursive: true, force: true });
    },
  };
}

export type FunctionBundler = ReturnType<typeof createFunctionBundler>;
