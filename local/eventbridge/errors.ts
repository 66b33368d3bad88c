import { AwsServiceError } from '../server/aws-json';

/**
 * One PutEvents entry refused: PutEvents still answers 200, with this entry's `ErrorCode` and
 * `ErrorMessage` in place of an `EventId`
 * (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsResultEntry.html).
 */
export class PutEventsEntryError extends Error {
  constructor(
    readonly code: PutEventsEntryErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PutEventsEntryError';
  }
}

/**
 * The entry codes the local bus answers: the API reference's InvalidArgument, MalformedDetail and
 * NotAuthorizedForSourceException, and ResourceNotFoundException, a local extension (see
 * entries.ts) that AWS does not answer per entry.
 */
export type PutEventsEntryErrorCode = 'InvalidArgument' | 'MalformedDetail' | 'NotAuthorizedForSourceException' | 'ResourceNotFoundException';

/** A whole request refused, in AWS's ValidationException. */
export const validationError = (message: string): AwsServiceError => new AwsServiceError('ValidationException', message);

/**
 * A failed delivery as the dead letter and the attempt log record it: a service's answer by its
 * AWS error code (as a dead letter's ERROR_CODE attribute names it on AWS), anything else by its
 * class, never this code's own class names for a service's error.
 */
export function failureText(error: unknown): string {
  if (error instanceof AwsServiceError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
