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
 * - STS (query protocol): XML `ErrorResponse`s with STS's own codes (local/sts/query-protocol.ts).
 * - `/_local/*` control paths are no AWS API: 403 with the JSON shape of the other refusals.
 * - SQS (JSON 1.0, query compatible): its own shapes with `x-amzn-query-error` (local/sqs/errors.ts,
 *   which cites them). An unsigned call is AccessDenied, not a missing token: SQS serves anonymous
 *   callers whom a queue policy allows, so it authorizes them and refuses ("Access to the resource
 *   … is denied.", as SQS words it).
 */
import type { AwsResponse } from '../server/types';
import type { ErrorProtocol } from './operation-rules';
import { SQS_ERRORS, sqsErrorResponse, type SqsErrorShape } from '../sqs/errors';
import { MissingAuthenticationTokenError, type SigV4AuthenticationError } from './sigv4';
import { STS_AUTHENTICATION_ERRORS, stsErrorResponse } from '../sts/query-protocol';

const ACCESS_DENIED = 'AccessDeniedException';

function errorResponse(protocol: ErrorProtocol, code: string, body: Record<string, string>): AwsResponse {
  const status = protocol === 'rest-json' || protocol === 'local' ? 403 : 400;
  const contentType = protocol === 'json-1.0' || protocol === 'json-1.1' ? `application/x-amz-json-${protocol.slice(5)}` : 'application/json';
  return { status, headers: { 'content-type': contentType, 'x-amzn-errortype': code }, body: JSON.stringify(body) };
}

/** SQS's codes for the gate's signature failures (the SQS API Reference's Common Errors); a missing signature is AccessDenied. */
const SQS_AUTHENTICATION_ERRORS: Readonly<Record<string, SqsErrorShape>> = {
  IncompleteSignatureException: SQS_ERRORS.incompleteSignature,
  InvalidSignatureException: SQS_ERRORS.signatureDoesNotMatch,
  UnrecognizedClientException: SQS_ERRORS.invalidClientTokenId,
  ExpiredTokenException: SQS_ERRORS.expiredToken,
};

/** A refusal because the request is unsigned, or its signature fails (bad, expired, unknown key). */
export function authenticationFailure(protocol: ErrorProtocol, error: SigV4AuthenticationError): AwsResponse {
  if (protocol === 'query') {
    const shape = STS_AUTHENTICATION_ERRORS[error.awsCode] ?? { code: error.awsCode, status: 403 };
    const message = error instanceof MissingAuthenticationTokenError ? 'Request is missing Authentication Token' : error.message;
    return stsErrorResponse(shape.status, shape.code, message);
  }
  if (protocol === 'sqs') {
    if (error instanceof MissingAuthenticationTokenError) return sqsErrorResponse(SQS_ERRORS.accessDenied, 'Access to the resource is denied.');
    return sqsErrorResponse(SQS_AUTHENTICATION_ERRORS[error.awsCode] ?? SQS_ERRORS.accessDenied, error.message);
  }
  if (protocol === 'rest-json') {
    // Lambda's front door words a missing signature as API Gateway does.
    const message = error instanceof MissingAuthenticationTokenError ? 'Missing Authentication Token' : error.message;
    return errorResponse(protocol, error.awsCode, { message });
  }
  return errorResponse(protocol, error.awsCode, { __type: error.awsCode, message: error.message });
}

/** A refusal by IAM: the identity policy does not allow the operation's action on its resource. */
export function accessDenied(protocol: ErrorProtocol, message: string): AwsResponse {
  if (protocol === 'query') return stsErrorResponse(403, 'AccessDenied', message);
  if (protocol === 'sqs') return sqsErrorResponse(SQS_ERRORS.accessDenied, message);
  if (protocol === 'rest-json') return errorResponse(protocol, ACCESS_DENIED, { Type: 'User', Message: message });
  return errorResponse(protocol, ACCESS_DENIED, { __type: ACCESS_DENIED, message });
}
