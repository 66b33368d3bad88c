import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, stop, type BuildOptions } from 'esbuild';

/** The front ends and the files each serves besides its bundle (web/<name>/index.html). */
export const FRONT_ENDS = ['app', 'inspector'] as const;
export type FrontEnd = (typeof FRONT_ENDS)[number];

/** One front end's files by name (`index.html`, `main.js`, `main.css`), as a static host would serve them. */
export type FrontEndFiles = ReadonlyMap<string, { readonly contentType: string; readonly body: Buffer }>;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * esbuild's options for every front end: one ES module per page, minified, for the browsers of
 * today; no source map in the page (nothing a user types or a token is in it, but the sources
 * need not be published); everything bundled, so nothing is fetched from a CDN at run time.
 */
export function buildOptions(webRoot: string, frontEnd: FrontEnd): BuildOptions {
  return {
    entryPoints: { main: join(webRoot, frontEnd, 'main.tsx') },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    logLevel: 'silent',
    write: false,
    outdir: join(webRoot, frontEnd, 'dist'),
    define: { 'process.env.NODE_ENV': '"production"' },
  };
}

/** Bundles one front end in memory (~100–300 ms here): `npm start` serves what this returns. */
export async function bundleFrontEnd(webRoot: string, frontEnd: FrontEnd): Promise<FrontEndFiles> {
  const result = await build(buildOptions(webRoot, frontEnd));
  const files = new Map<string, { contentType: string; body: Buffer }>();
  for (const output of result.outputFiles ?? []) {
    const name = output.path.slice(output.path.lastIndexOf('/') + 1);
    files.set(name, { contentType: contentTypeOf(name), body: Buffer.from(output.contents) });
  }
  files.set('index.html', { contentType: CONTENT_TYPES['.html'] as string, body: readFileSync(join(webRoot, frontEnd, 'index.html')) });
  return files;
}

function contentTypeOf(name: string): string {
  const type = CONTENT_TYPES[name.slice(name.lastIndexOf('.'))];
  if (!type) throw new Error(`no content type for ${name}`);
  return type;
}

/** Ends esbuild's service process (a later build starts it again). */
export async function stopBundler(): Promise<void> {
  await stop();
}
