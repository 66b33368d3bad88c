/**
 * DynamoDB Local as a child process (needs Java 17): start, persistence, and clean shutdown.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DEFAULT_TABLE_NAME } from '../../../domain/table';
import { LOCAL_ADMIN_CREDENTIALS, LOCAL_REGION } from '../../../local/config';
import { checkJava, DynamoDbLocalStartError, ensureTable, javaMajorVersion, JavaMissingError, startDynamoDbLocal } from '../../../local/dynamodb/dynamodb-local';
import { PortInUseError } from '../../../local/server/endpoint';

const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const clientFor = (url: string): DynamoDBClient =>
  new DynamoDBClient({ endpoint: url, region: LOCAL_REGION, credentials: LOCAL_ADMIN_CREDENTIALS, disableHostPrefix: true });

describe('javaMajorVersion', () => {
  it.each([
    ['openjdk version "17.0.15" 2025-04-15', 17],
    ['openjdk version "21" 2023-09-19', 21],
    ['java version "1.8.0_392"', 8],
    ['no java here', undefined],
  ])('reads %j as %p', (output, major) => {
    expect(javaMajorVersion(output)).toBe(major);
  });
});

describe('startDynamoDbLocal', () => {
  let directory: string;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'dynamodb-local-'));
  });

  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('keeps tables in persistPath across restarts and leaves no process behind', async () => {
    const first = await startDynamoDbLocal({ persistPath: directory });
    const firstClient = clientFor(first.url);
    await ensureTable(firstClient, DEFAULT_TABLE_NAME);
    firstClient.destroy();
    await first.stop();

    const second = await startDynamoDbLocal({ persistPath: directory });
    const secondClient = clientFor(second.url);
    const tables = await secondClient.send(new ListTablesCommand({}));
    secondClient.destroy();
    await second.stop();

    expect(isRunning(first.pid)).toBe(false);
    expect(isRunning(second.pid)).toBe(false);
    expect(tables.TableNames).toEqual([DEFAULT_TABLE_NAME]);
  }, 120_000);

  it('gives up with a clear error when DynamoDB Local does not answer in time', async () => {
    const start = startDynamoDbLocal({ readyTimeoutMs: 1 });

    await expect(start).rejects.toBeInstanceOf(DynamoDbLocalStartError);
    await expect(start).rejects.toThrow(/^DynamoDB Local did not start: no answer on http:\/\/127\.0\.0\.1:\d+ within 1 ms/);
  });

  it('refuses a port that is already taken instead of talking to whatever holds it', async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const { port } = squatter.address() as AddressInfo;

    const start = startDynamoDbLocal({ port });

    await expect(start).rejects.toBeInstanceOf(PortInUseError);
    await new Promise<void>((resolve) => squatter.close(() => resolve()));
  });

});

describe('checkJava', () => {
  let directory: string;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'fake-java-'));
  });

  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('accepts the Java on this machine', async () => {
    await expect(checkJava()).resolves.toBeUndefined();
  });

  it('says plainly that Java is missing when there is none', async () => {
    const check = checkJava(join(directory, 'no-such-java'));

    await expect(check).rejects.toThrow(/needs Java 17 or newer, and no 'java' was found/);
  });

  it('names the version it found when Java is too old', async () => {
    const oldJava = join(directory, 'java8');
    await writeFile(oldJava, '#!/bin/sh\necho \'java version "1.8.0_392"\' >&2\n');
    await chmod(oldJava, 0o755);

    const check = checkJava(oldJava);

    await expect(check).rejects.toBeInstanceOf(JavaMissingError);
    await expect(check).rejects.toThrow(/reports java version "1\.8\.0_392"/);
  });
});
