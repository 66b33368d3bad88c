import {
  GetCredentialsForIdentityCommand,
  GetOpenIdTokenForDeveloperIdentityCommand,
  type CognitoIdentityClient,
} from '@aws-sdk/client-cognito-identity';
import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { COGNITO_IDENTITY_LOGIN, DEVELOPER_PROVIDER_NAME, OPENID_TOKEN_DURATION_SECONDS } from '../../domain/identity';
import type { PrincipalTags } from '../../domain/isolation';
import { MEMBERSHIP_ROLE_ATTRIBUTE } from '../../domain/items';
import { membershipKey } from '../../domain/keys';
import type { IdentityPool, ReadMembership, TenantCredentials } from './handler';

export class IncompleteCredentialsError extends Error {
  constructor() {
    super('GetCredentialsForIdentity answered without a complete set of credentials');
    this.name = 'IncompleteCredentialsError';
  }
}

export class MissingOpenIdTokenError extends Error {
  constructor() {
    super('GetOpenIdTokenForDeveloperIdentity answered without an IdentityId and Token');
    this.name = 'MissingOpenIdTokenError';
  }
}

/**
 * A consistent read: the onboarding and switching workflows write the membership moments before
 * the client presents its refreshed token, and a stale miss would be cached as a refusal.
 */
export function dynamoDbMembershipReader(client: DynamoDBClient, tableName: string): ReadMembership {
  return async (tenantId, userId) => {
    const { PK, SK } = membershipKey(tenantId, userId);
    const { Item } = await client.send(
      new GetItemCommand({
        TableName: tableName,
        Key: { PK: { S: PK }, SK: { S: SK } },
        ConsistentRead: true,
        ProjectionExpression: '#role',
        ExpressionAttributeNames: { '#role': MEMBERSHIP_ROLE_ATTRIBUTE },
      }),
    );
    const roleId = Item?.[MEMBERSHIP_ROLE_ATTRIBUTE]?.S;
    return roleId === undefined ? undefined : { roleId };
  };
}

/**
 * The enhanced developer flow: an OpenID token for the user under the pool's developer provider,
 * carrying the principal tags, then credentials for it. The first call is signed with the
 * function's own role; the pool has no other login provider, so there is no other way in.
 */
export function cognitoIdentityPool(client: CognitoIdentityClient, identityPoolId: string): IdentityPool {
  return {
    async credentialsFor(userId: string, principalTags: PrincipalTags): Promise<TenantCredentials> {
      const openId = await client.send(
        new GetOpenIdTokenForDeveloperIdentityCommand({
          IdentityPoolId: identityPoolId,
          Logins: { [DEVELOPER_PROVIDER_NAME]: userId },
          PrincipalTags: { ...principalTags },
          TokenDuration: OPENID_TOKEN_DURATION_SECONDS,
        }),
      );
      if (!openId.IdentityId || !openId.Token) throw new MissingOpenIdTokenError();
      const { Credentials } = await client.send(
        new GetCredentialsForIdentityCommand({ IdentityId: openId.IdentityId, Logins: { [COGNITO_IDENTITY_LOGIN]: openId.Token } }),
      );
      if (!Credentials?.AccessKeyId || !Credentials.SecretKey || !Credentials.SessionToken || !Credentials.Expiration) {
        throw new IncompleteCredentialsError();
      }
      return {
        accessKeyId: Credentials.AccessKeyId,
        secretAccessKey: Credentials.SecretKey,
        sessionToken: Credentials.SessionToken,
        expiration: Credentials.Expiration,
      };
    },
  };
}
