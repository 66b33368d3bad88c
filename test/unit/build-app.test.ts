import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appConfigFromOutputs, buildApp } from '../../infra/operations/build-app';
import { parseStackOutputs } from '../../infra/operations/outputs';

const shared = {
  region: 'eu-west-1',
  apiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/v1',
  userPoolId: 'eu-west-1_pool',
  userPoolClientId: 'client',
  identityPoolId: 'eu-west-1:pool',
  tableName: 'ControlPlane-dev-Table',
  eventBusName: 'ControlPlane-dev-Bus',
};
const deployed = parseStackOutputs('cdk-outputs.json', JSON.stringify({ 'ControlPlane-dev': { ...shared, stateMachines: '{}' } }));

describe('the tenant app as static files (npm run build:app)', () => {
  it("points a deployed stack's app at Cognito's regional endpoint, with no demo", () => {
    expect(appConfigFromOutputs(deployed)).toEqual({
      region: 'eu-west-1',
      apiUrl: shared.apiUrl,
      userPoolEndpoint: 'https://cognito-idp.eu-west-1.amazonaws.com',
      userPoolClientId: 'client',
      demo: null,
      localConsoleUrl: null,
    });
  });

  it("points the local cloud's app at its one endpoint", () => {
    const local = parseStackOutputs('outputs.json', JSON.stringify({ ...shared, endpoint: 'http://127.0.0.1:4566', consoleUrl: 'http://127.0.0.1:4566/_local/console/', stateMachines: {} }));

    expect(appConfigFromOutputs(local)).toMatchObject({ userPoolEndpoint: 'http://127.0.0.1:4566', localConsoleUrl: 'http://127.0.0.1:4566/_local/console/' });
  });

  it('writes a page that loads only its own files, a bundle that imports nothing from the network, and its config', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'build-app-'));
    try {
      const written = await buildApp(deployed, outDir);

      expect(readdirSync(outDir).sort()).toEqual([...written].sort());
      expect(written).toEqual(expect.arrayContaining(['index.html', 'main.js', 'main.css', 'config.json']));
      const page = readFileSync(join(outDir, 'index.html'), 'utf8');
      const sources = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
      expect(sources.filter((source) => !source?.startsWith('./') && source !== 'data:,')).toEqual([]);
      expect(page).not.toMatch(/<script>|<style>|\son[a-z]+=/i);
      const bundle = readFileSync(join(outDir, 'main.js'), 'utf8');
      // A static or dynamic import of a URL would fetch code at run time (a CDN); everything must be in the bundle.
      expect(bundle).not.toMatch(/\bimport\s*\(?\s*["'`](?:https?:)?\/\//);
      expect(bundle).not.toMatch(/\bfrom\s*["'`](?:https?:)?\/\//);
      expect(JSON.parse(readFileSync(join(outDir, 'config.json'), 'utf8'))).toEqual(appConfigFromOutputs(deployed));
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });
});
