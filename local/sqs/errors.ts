/**
 * SQS's errors in the AWS JSON 1.0 protocol, as the SQS Developer Guide shows them
 * ("Interpreting Amazon SQS JSON API responses",
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-json-api-responses.html):
 *
 *   HTTP/1.1 400 Bad Request
 *   x-amzn-query-error: AWS.SimpleQueueService.NonExistentQueue;Sender
 *   Content-Type: application/x-amz-json-1.0
 *   { "__type": "com.amazonaws.sqs#QueueDoesNotExist", "message": "The specified queue does not exist." }
 *
 * `x-amzn-query-error` carries the code of SQS's older Query API and whether the sender or the
 * receiver is at fault; SQS clients built as "query compatible" (@aws-sdk/client-sqs sets
 * `awsQueryCompatible`) read the code from it first. The codes and statuses of the modelled errors
 * are the `awsQueryError` traits of the SQS model (as @aws-sdk/client-sqs 3.1169 ships them);
 * errors the model does not have (InvalidParameterValue, AccessDenied and the signature errors of
 * the API reference's Common Errors) carry `com.amazon.coral.service#…` types, as SQS answers them.
 */
import type { AwsResponse } from '../server/types';

export interface SqsErrorShape {
  /** The JSON protocol's shape id (`__type`). */
  readonly type: string;
  /** The Query API code (`x-amzn-query-error`), which query-compatible SDKs report as the error's name. */
  readonly queryCode: string;
  readonly status: number;
  readonly fault?: 'Sender' | 'Receiver';
}

export const SQS_ERRORS = {
  queueDoesNotExist: { type: 'com.amazonaws.sqs#QueueDoesNotExist', queryCode: 'AWS.SimpleQueueService.NonExistentQueue', status: 400 },
  receiptHandleIsInvalid: { type: 'com.amazonaws.sqs#ReceiptHandleIsInvalid', queryCode: 'ReceiptHandleIsInvalid', status: 404 },
  messageNotInflight: { type: 'com.amazonaws.sqs#MessageNotInflight', queryCode: 'AWS.SimpleQueueService.MessageNotInflight', status: 400 },
  purgeQueueInProgress: { type: 'com.amazonaws.sqs#PurgeQueueInProgress', queryCode: 'AWS.SimpleQueueService.PurgeQueueInProgress', status: 403 },
  invalidAttributeName: { type: 'com.amazonaws.sqs#InvalidAttributeName', queryCode: 'InvalidAttributeName', status: 400 },
  unsupportedOperation: { type: 'com.amazonaws.sqs#UnsupportedOperation', queryCode: 'AWS.SimpleQueueService.UnsupportedOperation', status: 400 },
  invalidParameterValue: { type: 'com.amazon.coral.service#InvalidParameterValueException', queryCode: 'InvalidParameterValue', status: 400 },
  missingParameter: { type: 'com.amazon.coral.service#MissingRequiredParameterException', queryCode: 'MissingParameter', status: 400 },
  serialization: { type: 'com.amazon.coral.service#SerializationException', queryCode: 'MalformedInput', status: 400 },
  /** What an unsigned call and a caller IAM refuses both get: SQS serves anonymous callers that a queue policy allows, so neither is "missing a token". */
  accessDenied: { type: 'com.amazon.coral.service#AccessDeniedException', queryCode: 'AccessDenied', status: 403 },
  invalidClientTokenId: { type: 'com.amazon.coral.service#UnrecognizedClientException', queryCode: 'InvalidClientTokenId', status: 403 },
  signatureDoesNotMatch: { type: 'com.amazon.coral.service#InvalidSignatureException', queryCode: 'SignatureDoesNotMatch', status: 403 },
  expiredToken: { type: 'com.amazon.coral.service#ExpiredTokenException', queryCode: 'ExpiredToken', status: 403 },
  incompleteSignature: { type: 'com.amazon.coral.service#IncompleteSignatureException', queryCode: 'IncompleteSignature', status: 400 },
} as const satisfies Record<string, SqsErrorShape>;

/** An SQS error to answer; thrown by the operations, rendered by `sqsErrorResponse`. */
export class SqsError extends Error {
  constructor(
    readonly shape: SqsErrorShape,
    message: string,
  ) {
    super(message);
    this.name = 'SqsError';
  }
}

export function sqsErrorResponse(shape: SqsErrorShape, message: string): AwsResponse {
  return {
    status: shape.status,
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-query-error': `${shape.queryCode};${shape.fault ?? 'Sender'}`,
    },
    body: JSON.stringify({ __type: shape.type, message }),
  };
}

export const queueDoesNotExist = (): SqsError => new SqsError(SQS_ERRORS.queueDoesNotExist, 'The specified queue does not exist.');

/** SQS's wording for a parameter out of its range, e.g. "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided." */
export const invalidParameterValue = (name: string, value: unknown, reason: string): SqsError =>
  new SqsError(SQS_ERRORS.invalidParameterValue, `Value ${String(value)} for parameter ${name} is invalid. Reason: ${reason}`);
