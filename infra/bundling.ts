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
 * The runtime and architecture every function is deployed with, as Lambda names them: the CDK
 * construct's `Runtime.NODEJS_22_X` and `Architecture.ARM_64` (an infra test holds the template to
 * these) and what the local Lambda API reports in GetFunction and ListFunctions.
 */
export const LAMBDA_PLATFORM = { runtime: 'nodejs22.x', architecture: 'arm64' } as const;
