/**
 * How every Lambda bundle is built, in esbuild's own terms: the CDK construct passes these to
 * NodejsFunction and the bundle-size benchmark to esbuild, so the measured bundles are the deployed ones.
 */
export const LAMBDA_BUNDLE = {
  format: 'esm',
  target: 'node22',
  platform: 'node',
  minify: true,
  mainFields: ['module', 'main'],
  /** ESM has no `require`; bundled CommonJS dependencies still call it. */
  banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
} as const;

/**
 * LAMBDA_BUNDLE in esbuild's own option names, for the code that calls esbuild itself (the bundle
 * benchmark, the local Lambda): one mapping, so neither can drift from what deploys.
 */
export const LAMBDA_ESBUILD_OPTIONS = {
  bundle: true,
  format: LAMBDA_BUNDLE.format,
  target: LAMBDA_BUNDLE.target,
  platform: LAMBDA_BUNDLE.platform,
  minify: LAMBDA_BUNDLE.minify,
  mainFields: [...LAMBDA_BUNDLE.mainFields],
  banner: { js: LAMBDA_BUNDLE.banner },
  logLevel: 'error',
} as const;

/**
 * The runtime and architecture every function is deployed with, as Lambda names them: the CDK
 * construct's `Runtime.NODEJS_22_X` and `Architecture.ARM_64` (an infra test holds the template to
 * these) and what the local Lambda API reports in GetFunction and ListFunctions.
 */
export const LAMBDA_PLATFORM = { runtime: 'nodejs22.x', architecture: 'arm64' } as const;

/**
 * The variables every function is deployed with besides its catalog ones: stack traces through the
 * bundle's source map. The CDK construct sets them; the local Lambda gives each worker the same
 * (and `NODE_OPTIONS` as the worker's `execArgv`, since a worker thread does not read it).
 */
export const LAMBDA_ENVIRONMENT = { NODE_OPTIONS: '--enable-source-maps' } as const;
