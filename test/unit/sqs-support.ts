import { SQSClient } from '@aws-sdk/client-sqs';
import { tenantPolicyDocument } from '../../domain/isolation';
import { createCallerGate } from '../../local/iam/caller-gate';
import { CredentialStore } from '../../local/iam/credential-store';
import { startEndpoint, type Endpoint } from '../../local/server/endpoint';
import { createSqsService, type SqsRuntime } from '../../local/sqs/sqs-service';

export const REGION = 'us-east-1';
export const ACCOUNT = '000000000000';
export const QUEUE = 'AsyncFailures';
export const ADMIN = { accessKeyId: 'LOCALADMINKEY', secretAccessKey: 'local-admin-secret' };
const TENANT_ROLE = `arn:aws:iam::${ACCOUNT}:role/TenantRole`;

export interface LocalSqs {
  readonly endpoint: Endpoint;
  readonly sqs: SqsRuntime;
  readonly credentialStore: CredentialStore;
  readonly queueUrl: string;
  /** An SQS client as a user builds one against the local endpoint. */
  client(credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }): SQSClient;
  /** Credentials as the identity pool issues them for a tenant (the tenant role, DynamoDB only). */
  tenantCredentials(): { accessKeyId: string; secretAccessKey: string; sessionToken: string };
  stop(): Promise<void>;
}

/** The local SQS service alone behind a real endpoint and caller gate, on a free loopback port. */
export async function startLocalSqs(): Promise<LocalSqs> {
  const credentialStore = new CredentialStore();
  const tableArn = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/ControlPlane`;
  const gate = createCallerGate({
    credentialStore,
    policyForRole: (roleArn) => (roleArn === TENANT_ROLE ? tenantPolicyDocument(tableArn) : undefined),
    region: REGION,
    accountId: ACCOUNT,
  });
  let url = '';
  const sqs = createSqsService({ region: REGION, accountId: ACCOUNT, endpointUrl: () => url, queueNames: [QUEUE] });
  const endpoint = await startEndpoint({ port: 0, services: [sqs.service], gate });
  url = endpoint.url;
  const clients: SQSClient[] = [];
  return {
    endpoint,
    sqs,
    credentialStore,
    queueUrl: sqs.queueUrl(QUEUE),
    client(credentials = ADMIN) {
      const client = new SQSClient({ endpoint: url, region: REGION, credentials, maxAttempts: 1 });
      clients.push(client);
      return client;
    },
    tenantCredentials() {
      const issued = credentialStore.issue({ roleArn: TENANT_ROLE, sessionName: 'CognitoIdentityCredentials', identityId: `${REGION}:identity`, principalTags: { tenant_id: 't1', user_id: 'u1' }, ttlSeconds: 3600 });
      return { accessKeyId: issued.accessKeyId, secretAccessKey: issued.secretAccessKey, sessionToken: issued.sessionToken };
    },
    async stop() {
      for (const client of clients) client.destroy();
      await endpoint.stop();
    },
  };
}
