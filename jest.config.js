// One jest project per test tier (DESIGN.md §9). swc strips types only: `npm run typecheck` checks them.
const transform = { '^.+\\.(t|j|mj)s$': ['@swc/jest'] };
// aws-local-stepfunctions and its ESM-only dependencies must be transformed for jest's CJS runtime.
const transformIgnorePatterns = ['/node_modules/(?!(aws-local-stepfunctions|p-limit|yocto-queue|wildcard-match|@scure|@noble)/)'];
const tier = (name, extra = {}) => ({
  displayName: name,
  testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
  transform,
  transformIgnorePatterns,
  testEnvironment: 'node',
  ...extra,
});

/** @type {import('jest').Config} */
module.exports = {
  // A hang guard, not a performance limit: local tests start processes and run workflows, and a
  // loaded 2-core machine can take several seconds for one of them. Jest reads testTimeout from the
  // global configuration only (a project's own is ignored), so it is set here, for every tier.
  testTimeout: 60_000,
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  projects: [
    tier('unit'),
    tier('contract'),
    tier('infra'),
    tier('workflow'),
    tier('local', {
      globalSetup: '<rootDir>/test/local/global-setup.ts',
      globalTeardown: '<rootDir>/test/local/global-teardown.ts',
    }),
    // Black-box: a fresh local cloud of its own, or the stack `npm run e2e -- --outputs …` names (test/e2e/run.ts).
    tier('e2e', {
      globalSetup: '<rootDir>/test/e2e/global-setup.ts',
      globalTeardown: '<rootDir>/test/e2e/global-teardown.ts',
    }),
    // A real browser (Debian's Chromium, through playwright-core) on a seeded local cloud of its own.
    tier('browser', {
      globalSetup: '<rootDir>/test/browser/global-setup.ts',
      globalTeardown: '<rootDir>/test/browser/global-teardown.ts',
    }),
    // Clients nobody here wrote (the AWS CLI and boto3) against a fresh local cloud of its own: AWS's documented answers.
    tier('conformance', {
      globalSetup: '<rootDir>/test/conformance/global-setup.ts',
      globalTeardown: '<rootDir>/test/conformance/global-teardown.ts',
    }),
  ],
};
