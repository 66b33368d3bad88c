import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_REGION } from '../../../local/config';
import { createLambdaService } from '../../../local/lambda/lambda-service';

/** A project of one function whose answer is written into its source, so a stale bundle shows. */
function projectAnswering(root: string, answer: string): void {
  writeFileSync(join(root, 'answer.ts'), `export const answer = ${JSON.stringify(answer)};\n`);
  writeFileSync(join(root, 'index.ts'), "import { answer } from './answer';\nexport const handler = async () => answer;\n");
}

const serviceOver = (projectRoot: string, bundleCacheDir: string) =>
  createLambdaService({
    region: LOCAL_REGION,
    accountId: '000000000000',
    projectRoot,
    functions: [{ name: 'Answer', entry: 'index.ts', environment: [], timeoutSeconds: 5, memoryMb: 128 }],
    environmentOf: () => ({ variables: {} }),
    bundleCacheDir,
  });

describe('local Lambda bundle cache', () => {
  const root = mkdtempSync(join(tmpdir(), 'lambda-cache-project-'));
  const cacheDir = mkdtempSync(join(tmpdir(), 'lambda-cache-'));
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
  });

  const answerOfANewRun = async (): Promise<unknown> => {
    const lambda = serviceOver(root, cacheDir);
    try {
      return await lambda.invoke('Answer', {});
    } finally {
      await lambda.service.stop?.();
    }
  };

  it('runs a later cloud on the cached bundle while no file it was built from changed', async () => {
    projectAnswering(root, 'first');
    await answerOfANewRun();

    const answer = await answerOfANewRun();

    const entries = readdirSync(cacheDir).filter((name) => name.startsWith('Answer-'));
    expect(entries).toHaveLength(1);
    expect(existsSync(join(cacheDir, entries[0] ?? '', 'manifest.json'))).toBe(true);
    expect(answer).toBe('first');
  });

  it('builds again when a file the bundle imports changed, never running the stale one', async () => {
    projectAnswering(root, 'before');
    await answerOfANewRun();

    projectAnswering(root, 'after');

    expect(await answerOfANewRun()).toBe('after');
  });
});
