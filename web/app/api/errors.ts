/**
 * What went wrong with an API call, typed so a page can say it plainly. The API's own `message`
 * (API.md "Errors") is what the user reads: it says why, in the API's words.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: readonly unknown[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The API could not be reached at all (offline, CORS refused, the local cloud stopped). */
export class NetworkError extends Error {
  constructor(readonly url: string) {
    super(`The API at ${new URL(url).origin} cannot be reached. Is the cloud running?`);
    this.name = 'NetworkError';
  }
}

const FALLBACK_CODES: Readonly<Record<number, string>> = {
  400: 'ValidationError',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  413: 'PayloadTooLarge',
  429: 'Throttled',
  503: 'Unavailable',
};

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The error an answer carries: the API's `{ error: { code, message, details } }` when the body has
 * one, else one made from the status (a gateway's answer, a proxy's HTML page).
 */
export function apiErrorFrom(status: number, body: unknown): ApiError {
  const error = isRecord(body) ? body.error : undefined;
  if (isRecord(error) && typeof error.message === 'string' && error.message.length > 0) {
    const code = typeof error.code === 'string' ? error.code : (FALLBACK_CODES[status] ?? 'Error');
    const details = Array.isArray(error.details) ? error.details : [];
    return new ApiError(status, code, error.message, details);
  }
  const code = FALLBACK_CODES[status] ?? (status >= 500 ? 'InternalError' : 'Error');
  return new ApiError(status, code, `The API answered ${status} (${code}) without a message.`);
}

/** One line per bad field of a ValidationError (details are domain/errors.ts `FieldProblem`s). */
export function detailLines(error: ApiError): string[] {
  return error.details.flatMap((detail) => {
    if (!isRecord(detail)) return [];
    const field = typeof detail.field === 'string' ? detail.field : undefined;
    const message = typeof detail.message === 'string' ? detail.message : undefined;
    if (!message) return [];
    return [field ? `${field}: ${message}` : message];
  });
}

/** What to show for any failure: the API's message, or the error's own. */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
