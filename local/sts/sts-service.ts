import { createHash, randomUUID } from 'node:crypto';
import type { CredentialStore } from '../iam/credential-store';
import { assumedRoleArn } from '../iam/policy-evaluator';
import { authenticate, parseAuthorization, SigV4AuthenticationError } from '../iam/sigv4';
import type { AwsRequest, AwsResponse, LocalService } from '../server/types';
import { xmlText } from '../server/xml';
import { STS_WIRE } from '../server/wire';
import { STS_API_VERSION, stsErrorResponse } from './query-protocol';

export interface StsServiceOptions {
  readonly credentialStore: CredentialStore;
  readonly region: string;
  readonly accountId: string;
}

const FORM = 'application/x-www-form-urlencoded';

/** The service an Authorization header's credential scope names, if it parses. */
function signingServiceOf(request: AwsRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  try {
    return parseAuthorization(header).service;
  } catch {
    return undefined; // the gate answers a malformed signature of a claimed request
  }
}

/** Whether a request is an STS query call: a form POST signed for `sts`, or naming STS's API version. */
export function isStsRequest(request: AwsRequest): boolean {
  if (request.method !== 'POST' || request.target !== undefined) return false;
  if (!String(request.headers['content-type'] ?? '').startsWith(FORM)) return false;
  return signingServiceOf(request) === STS_WIRE.signingName || new URLSearchParams(request.body.toString('utf8')).get('Version') === STS_API_VERSION;
}

/**
 * A stable role id (`AROA…`), as IAM gives each role one: derived from the role's ARN, since the
 * local cloud has no IAM to store one.
 */
const roleIdOf = (roleArn: string): string => `AROA${createHash('sha256').update(roleArn).digest('hex').slice(0, 17).toUpperCase()}`;

/**
 * STS in its query protocol (form-encoded POST, XML answers), with the one operation every tool
 * calls first: GetCallerIdentity, which "no permissions are required to perform" (STS API
 * Reference) but which must be signed. Issued credentials answer as the assumed-role session they
 * are (`arn:aws:sts::<account>:assumed-role/<role>/<session>`, UserId `<role id>:<session>`); the
 * local administrator, who may do everything, answers as the account's root user does
 * (`arn:aws:iam::<account>:root`, UserId the account): a local choice, since it is no IAM user.
 */
export function createStsService(options: StsServiceOptions): LocalService {
  return {
    name: 'sts',
    canHandle: isStsRequest,
    async handle(request): Promise<AwsResponse> {
      const form = new URLSearchParams(request.body.toString('utf8'));
      const action = form.get('Action') ?? '';
      if (action !== 'GetCallerIdentity') {
        return stsErrorResponse(400, 'InvalidAction', `Could not find operation ${action} for version ${form.get('Version') ?? STS_API_VERSION}`);
      }
      let identity: { arn: string; userId: string };
      try {
        const caller = authenticate(request, options.credentialStore, { region: options.region, service: STS_WIRE.signingName, now: new Date() });
        if (caller.kind === 'admin') {
          identity = { arn: `arn:aws:iam::${options.accountId}:root`, userId: options.accountId };
        } else {
          const arn = assumedRoleArn(caller.credentials.roleArn, caller.credentials.sessionName);
          identity = { arn, userId: `${roleIdOf(caller.credentials.roleArn)}:${arn.slice(arn.lastIndexOf('/') + 1)}` };
        }
      } catch (error) {
        // The gate refused these already; a request reaching here unauthenticated is a wiring bug.
        if (error instanceof SigV4AuthenticationError) return stsErrorResponse(403, 'InvalidClientTokenId', error.message);
        throw error;
      }
      const body =
        `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/${STS_API_VERSION}/">` +
        `<GetCallerIdentityResult><Arn>${xmlText(identity.arn)}</Arn><UserId>${xmlText(identity.userId)}</UserId><Account>${xmlText(options.accountId)}</Account></GetCallerIdentityResult>` +
        `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`;
      return { status: 200, headers: { 'content-type': 'text/xml' }, body };
    },
  };
}
