/**
 * The caller gate's refusals, each in the words of the service refusing: the same codes and
 * messages everywhere, the status, header and body members of each protocol.
 *
 * What the shapes rest on:
 * - JSON protocols (Step Functions 1.0; Cognito user and identity pools, EventBridge 1.1): HTTP 400
 *   with `__type` for every authentication and authorization failure, as DynamoDB's gateway here
 *   answers them. The Common Errors pages of those API references list AccessDeniedException as
 *   "HTTP Status Code: 400" (older revisions; the newest generic page says 403) and SDK reports
 *   from AWS show 400 (`AccessDeniedException … states:StartExecution`, `statusCode: 400`;
 *   `400 AccessDeniedException … cognito-idp:CreateUserPool`). The SDK models give EventBridge's
 *   and Step Functions' errors no HTTP code of their own (so 400); SDKs read the code from
 *   `x-amzn-errortype` or `__type` and the message from `message` or `Message`, whichever is sent
 *   (Cognito Identity has been seen sending `Message`).
 * - Lambda (REST-JSON): the Lambda API reference's Common Errors list AccessDeniedException,
 *   IncompleteSignature, ExpiredTokenException and UnrecognizedClientException as HTTP 403; an
 *   unsigned Invoke answers 403 `{"message":"Missing Authentication Token"}` with
 *   `x-amzn-ErrorType: MissingAuthenticationTokenException` and a denied one
 *   `{"Message":"User: … is not authorized to perform: lambda:InvokeFunction on resource: …"}`
 *   (both as reported from AWS); `Type: User` is what Lambda adds to its client errors.
 * - `/_local/*` control paths are no AWS API: 403 with the JSON shape of the other refusals.
 */
import type { AwsResponse } from '../server/types';
import type { ErrorProtocol } from './operation-rules';
import { MissingAuthenticationTokenError, type SigV4AuthenticationError } from './sigv4';

const ACCESS_DENIED = 'AccessDeniedException';

function errorResponse(protocol: ErrorProtocol, code: string, body: Record<string, string>): AwsResponse {
  const status = protocol === 'rest-json' || protocol === 'local' ? 403 : 400;
  const contentType = protocol === 'json-1.0' || protocol === 'json-1.1' ? `application/x-amz-json-${protocol.slice(5)}` : 'application/json';
  return { status, headers: { 'content-type': contentType, 'x-amzn-errortype': code }, body: JSON.stringify(body) };
}

/** A refusal because the request is unsigned, or its signature fails (bad, expired, unknown key). */
export function authenticationFailure(protocol: ErrorProtocol, error: SigV4AuthenticationError): AwsResponse {
  if (protocol === 'rest-json') {
    // Lambda's front door words a missing signature as API Gateway does.
    const message = error instanceof MissingAuthenticationTokenError ? 'Missing Authentication Token' : error.message;
    return errorResponse(protocol, error.awsCode, { message });
  }
  return errorResponse(protocol, error.awsCode, { __type: error.awsCode, message: error.message });
}

/** A refusal by IAM: the identity policy does not allow the operation's action on its resource. */
export function accessDenied(protocol: ErrorProtocol, message: string): AwsResponse {
  if (protocol === 'rest-json') return errorResponse(protocol, ACCESS_DENIED, { Type: 'User', Message: message });
  return errorResponse(protocol, ACCESS_DENIED, { __type: ACCESS_DENIED, message });
}
