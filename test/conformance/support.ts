import { CognitoIdentityClient } from '@aws-sdk/client-cognito-identity';
import { principalTagsFor } from '../../domain/isolation';
import { cognitoIdentityPool } from '../../handlers/authorizer/adapters';
import { LOCAL_ADMIN_CREDENTIALS } from '../../local/config';
import { type Credentials, outputs } from './environment';

/**
 * Credentials the identity pool issues, obtained as the authorizer obtains them (the developer
 * flow, signed as the local administrator standing in for the authorizer's role), so that the
 * clients under test are handed the same kind of session a tenant's request runs with.
 */
export async function issuedCredentials(subject: { userId: string; tenantId: string | null }): Promise<Credentials> {
  const { endpoint, region, identityPoolId } = outputs();
  const client = new CognitoIdentityClient({ endpoint, region, credentials: LOCAL_ADMIN_CREDENTIALS });
  try {
    const issued = await cognitoIdentityPool(client, identityPoolId).credentialsFor(subject.userId, principalTagsFor(subject));
    return { accessKeyId: issued.accessKeyId, secretAccessKey: issued.secretAccessKey, sessionToken: issued.sessionToken };
  } finally {
    client.destroy();
  }
}

/** A name no other test of the run uses. */
export const uniqueName = (label: string): string => `${label}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
