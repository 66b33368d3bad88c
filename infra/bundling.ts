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
