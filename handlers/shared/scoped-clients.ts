import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { clientConfig } from './clients';

export interface ScopedCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

const MAX_CLIENTS = 100;
const clients = new Map<string, DynamoDBClient>();

/**
 * A DynamoDB client signing with the caller's tenant-scoped credentials, reused while those
 * credentials are (a warm container sees the same few callers again and again). Endpoint and
 * region come from the environment, like every other client.
 */
export function tenantScopedDynamoDb(credentials: ScopedCredentials): DynamoDBClient {
  const cached = clients.get(credentials.accessKeyId);
  if (cached) return cached;
  if (clients.size >= MAX_CLIENTS) {
    const [oldest] = clients.keys();
    if (oldest !== undefined) {
      clients.get(oldest)?.destroy();
      clients.delete(oldest);
    }
  }
  const client = new DynamoDBClient({ ...clientConfig(), credentials: { ...credentials } });
  clients.set(credentials.accessKeyId, client);
  return client;
}
