import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { FUNCTIONS } from '../../handlers/catalog';
import { CatalogFunction, ESM_REQUIRE_BANNER, MissingFunctionEntryError } from '../../infra/constructs/functions';
import { cdkContext, onlyResource } from './support';

// The production code path, once: one catalog function bundled by the local esbuild into a real asset.
const outdir = mkdtempSync(path.join(tmpdir(), 'cdk-bundling-'));
const app = new App({ context: cdkContext(), outdir, builtinCloudFormationValidation: false });
const stack = new Stack(app, 'Bundled');
new CatalogFunction(stack, 'PostConfirmation', { definition: FUNCTIONS.postConfirmation, code: 'bundled', retainLogs: false });
const assembly = app.synth();
const template = Template.fromStack(stack);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('a bundled catalog function', () => {
  const fn = onlyResource(template, 'AWS::Lambda::Function');
  const assetHash = (fn.Properties.Code as { S3Key: string }).S3Key.replace(/\.zip$/, '');
  const assetDir = path.join(assembly.directory, `asset.${assetHash}`);
  const bundle = (): string => readFileSync(path.join(assetDir, 'index.mjs'), 'utf8');

  it('deploys an ESM module for Node.js 22 on arm64', () => {
    expect(fn.Properties).toMatchObject({ Handler: 'index.handler', Runtime: 'nodejs22.x', Architectures: ['arm64'] });
    expect(existsSync(path.join(assetDir, 'index.mjs'))).toBe(true);
  });

  it('starts with the banner that gives ESM a require for bundled CommonJS', () => {
    expect(bundle().startsWith(ESM_REQUIRE_BANNER)).toBe(true);
  });

  it('is minified, with a source map next to it', () => {
    const code = bundle();

    // Minification renames internal identifiers; the handler's factory keeps its name only unminified.
    expect(code.includes('createPostConfirmationHandler')).toBe(false);
    expect(code.trimEnd().endsWith('//# sourceMappingURL=index.mjs.map')).toBe(true);
    expect(existsSync(path.join(assetDir, 'index.mjs.map'))).toBe(true);
  });

  it('bundles the AWS SDK instead of importing the runtime copy', () => {
    const code = bundle();

    expect(/from\s*"@aws-sdk\//.test(code)).toBe(false);
    // The EventBridge client's service name, a string minification keeps.
    expect(code.includes('AWSEvents')).toBe(true);
  });
});

describe('a catalog function whose entry does not exist', () => {
  it('stops synthesis instead of deploying nothing', () => {
    const scope = new Stack(new App({ context: cdkContext(), outdir }), 'Missing');
    const definition = { ...FUNCTIONS.postConfirmation, entry: 'handlers/no-such-function/index.ts' };

    expect(() => new CatalogFunction(scope, 'Missing', { definition, code: 'bundled', retainLogs: false })).toThrow(
      MissingFunctionEntryError,
    );
  });
});
