import {
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  NotAuthorizedException,
  type CognitoIdentityClient,
} from '@aws-sdk/client-cognito-identity';
import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { MEMBERSHIP_ROLE_ATTRIBUTE } from '../../domain/items';
import { membershipKey } from '../../domain/keys';
import { IdentityPoolRejectedTokenError, type IdentityPool, type Logins, type ReadMembership, type TenantCredentials } from './handler';


/** The identity pool's `Logins` key for a Cognito user pool. */
export const userPoolLoginProvider = (region: string, userPoolId: string): string => `cognito-idp.${region}.amazonaws.com/${userPoolId}`;

export class IncompleteCredentialsError extends Error {
  constructor() {
    super('GetCredentialsForIdentity answered without a complete set of credentials');
    this.name = 'IncompleteCredentialsError';
  }
}

export class MissingIdentityIdError extends Error {
  constructor() {
    super('GetId answered without an IdentityId');
    this.name = 'MissingIdentityIdError';
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

const rejectedToken = (error: unknown): unknown => (error instanceof NotAuthorizedException ? new IdentityPoolRejectedTokenError({ cause: error }) : error);

export function cognitoIdentityPool(client: CognitoIdentityClient, identityPoolId: string): IdentityPool {
  return {
    async getId(logins: Logins): Promise<string> {
      const { IdentityId } = await client.send(new GetIdCommand({ IdentityPoolId: identityPoolId, Logins: { ...logins } })).catch((error: unknown) => {
        throw rejectedToken(error);
      });
      if (!IdentityId) throw new MissingIdentityIdError();
      return IdentityId;
    },
    async getCredentialsForIdentity(identityId: string, logins: Logins): Promise<TenantCredentials> {
      const { Credentials } = await client
        .send(new GetCredentialsForIdentityCommand({ IdentityId: identityId, Logins: { ...logins } }))
        .catch((error: unknown) => {
          throw rejectedToken(error);
        });
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
