/**
 * `npm run build:app -- [--outputs cdk-outputs.json] [--stack name] [--out dist/app]`: the tenant
 * app as static files for any host (S3 and CloudFront, or anything that serves files): the same
 * esbuild bundle `npm start` serves, and its `config.json` from the stack's outputs. The host's
 * origin must be one the API allows (`cdk deploy -c corsOrigins=https://app.example.com`), and the
 * host should send the headers `securityHeaders` lists (local/web/web-service.ts), the content
 * security policy first.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bundleFrontEnd } from '../../local/web/bundle';
import { APP_CONFIG_FILE, type AppConfig } from '../../web/shared/app-config';
import { parseCommandLine, readStackOutputs, runOperatorCommand, type StackOutputs } from './outputs';

export class BuildAppUsageError extends Error {
  constructor(message: string) {
    super(`${message}\nUsage: npm run build:app -- [--outputs .local/outputs.json] [--stack name] [--out dist/app]`);
    this.name = 'BuildAppUsageError';
  }
}

/** What the built app is told: a deployed stack's user pool answers at Cognito's own regional endpoint. */
export function appConfigFromOutputs(outputs: StackOutputs): AppConfig {
  return {
    region: outputs.region,
    apiUrl: outputs.apiUrl,
    userPoolEndpoint: outputs.endpoint ?? `https://cognito-idp.${outputs.region}.amazonaws.com`,
    userPoolClientId: outputs.userPoolClientId,
    demo: null,
    // Only the local cloud has an inspector (its outputs name it); a deployed pool emails its codes.
    localConsoleUrl: typeof outputs.all.consoleUrl === 'string' ? outputs.all.consoleUrl : null,
  };
}

/** Writes the app's files and its config into `outDir`; returns the names written. */
export async function buildApp(outputs: StackOutputs, outDir: string): Promise<string[]> {
  const files = await bundleFrontEnd(resolve(__dirname, '..', '..', 'web'), 'app');
  mkdirSync(outDir, { recursive: true });
  for (const [name, file] of files) writeFileSync(join(outDir, name), file.body);
  writeFileSync(join(outDir, APP_CONFIG_FILE), `${JSON.stringify(appConfigFromOutputs(outputs), null, 2)}\n`);
  return [...files.keys(), APP_CONFIG_FILE];
}

async function main(): Promise<number> {
  const values = parseCommandLine(process.argv.slice(2), { out: { type: 'string', default: 'dist/app' } }, (message) => new BuildAppUsageError(message));
  const outputs = readStackOutputs(values.outputs, values.stack);
  const outDir = resolve(values.out);
  const written = await buildApp(outputs, outDir);
  console.log(`The tenant app for ${outputs.apiUrl}: ${written.join(', ')} in ${outDir}`);
  return 0;
}

if (require.main === module) runOperatorCommand(main);
