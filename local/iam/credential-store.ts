import { randomBytes } from 'node:crypto';

/** Session credentials issued by the local identity pool, with what IAM knows about their principal. */
export interface IssuedCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
  readonly roleArn: string;
  /** The role session's name: `CognitoIdentityCredentials` for the identity pool's, the function's name for a Lambda's. */
  readonly sessionName: string;
  /** The Cognito identity the identity pool issued them to; a function's or a state machine's have none. */
  readonly identityId?: string;
  /** Session tags, e.g. `{ tenant_id: 't1', user_id: 'sub' }`: what `aws:PrincipalTag/*` resolves to. */
  readonly principalTags: Readonly<Record<string, string>>;
}

/**
 * The local STS: the identity pool issues credentials here and the IAM gateway looks them up by
 * access key id to verify signatures and evaluate the role's policy with the principal's tags.
 */
export class CredentialStore {
  private readonly byAccessKey = new Map<string, IssuedCredentials>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  issue(input: { roleArn: string; sessionName: string; identityId?: string; principalTags: Record<string, string>; ttlSeconds: number }): IssuedCredentials {
    this.evictExpired();
    const credentials: IssuedCredentials = {
      // Issued session keys start with ASIA in AWS; tools key on that to tell them from user keys.
      accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: randomBytes(48).toString('base64'),
      expiration: new Date(this.now().getTime() + input.ttlSeconds * 1000),
      roleArn: input.roleArn,
      sessionName: input.sessionName,
      ...(input.identityId === undefined ? {} : { identityId: input.identityId }),
      principalTags: { ...input.principalTags },
    };
    this.byAccessKey.set(credentials.accessKeyId, credentials);
    return credentials;
  }

  /** The issued credentials for a key id, including expired ones (the gateway answers those itself). */
  lookup(accessKeyId: string): IssuedCredentials | undefined {
    return this.byAccessKey.get(accessKeyId);
  }

  isExpired(credentials: IssuedCredentials): boolean {
    return credentials.expiration.getTime() <= this.now().getTime();
  }

  private evictExpired(): void {
    // Keep expired keys for an hour so that a late request gets ExpiredTokenException, not "unknown key".
    const horizon = this.now().getTime() - 3_600_000;
    for (const [key, credentials] of this.byAccessKey) {
      if (credentials.expiration.getTime() < horizon) this.byAccessKey.delete(key);
    }
  }
}
