/**
 * The errors the API answers with. Each maps to one HTTP status and contract code in
 * `handlers/api/http.ts`, the one place where that mapping lives.
 */
export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

export class ValidationError extends Error {
  constructor(message: string, readonly details: readonly FieldProblem[] = []) {
    super(message);
    this.name = 'ValidationError';
  }
}

export class UnauthorizedError extends Error {
  constructor(message = 'Missing or invalid credentials') {
    super(message);
    this.name = 'UnauthorizedError';
  }
}

export class ForbiddenError extends Error {
  constructor(message = 'Not allowed') {
    super(message);
    this.name = 'ForbiddenError';
  }
}

export class NotFoundError extends Error {
  constructor(message = 'Not found') {
    super(message);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

/**
 * Concurrent transactions kept cancelling this one (DynamoDB's `TransactionConflict`): a 409 when it
 * reaches the client, but a caller that can simply run its write again (a booking re-reading the
 * schedule) catches it first.
 */
export class TransactionConflictError extends ConflictError {
  constructor(message = 'Another change to the same items was being made: try again') {
    super(message);
    this.name = 'TransactionConflictError';
  }
}

export class ThrottledError extends Error {
  constructor(message = 'Too many requests, retry later') {
    super(message);
    this.name = 'ThrottledError';
  }
}

/** A workflow failed and was compensated: nothing it did is left behind. */
export class WorkflowFailedError extends Error {
  constructor(readonly workflow: string, message: string) {
    super(message);
    this.name = 'WorkflowFailedError';
  }
}

/**
 * A workflow ran out of time (its run's limit, StartSyncExecution status TIMED_OUT): it stopped
 * wherever it was, perhaps half way through its undo, so what it did may be partly left behind
 * until the reconciler finishes it. 503 `Unavailable` (API.md Conventions), never "rolled back".
 */
export class WorkflowIncompleteError extends Error {
  constructor(readonly workflow: string) {
    super(`${workflow} ran out of time and may be incomplete; it will be finished or undone shortly, then retry`);
    this.name = 'WorkflowIncompleteError';
  }
}

/**
 * The caller's role does not grant the action (or the caller is no longer a member): 403, and an
 * `access.denied.v1` event. `reason` is for the audit trail and the logs, never a secret.
 */
export class PermissionDeniedError extends ForbiddenError {
  constructor(
    readonly action: string,
    readonly reason: string,
  ) {
    super(`Your role does not allow ${action}`);
    this.name = 'PermissionDeniedError';
  }
}
