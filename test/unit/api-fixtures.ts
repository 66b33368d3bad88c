import type { ProxyEvent } from '../../handlers/api/http';
import type { ScopedCredentials } from '../../handlers/shared/scoped-clients';

/** The tenant-scoped credentials every request's context carries (placeholders: the ports under test are fakes). */
export const CALLER_CREDENTIALS: ScopedCredentials = { accessKeyId: 'ASIA1', secretAccessKey: 'secret', sessionToken: 'session' };

/** The caller the authorizer describes in a request's context: a user with an active tenant, role and tenant-scoped credentials. */
export interface CallerContext {
  readonly userId: string;
  readonly username: string;
  readonly email: string;
  readonly tenantId: string;
  readonly roleId: string;
  /** The user's groups, JSON-encoded as the authorizer passes them. */
  readonly groups: string;
}

export interface ApiEventInit {
  readonly method: string;
  readonly path: string;
  /** A string is sent as is (for malformed JSON); anything else is JSON-encoded; absent means no body. */
  readonly body?: unknown;
  readonly pathParameters?: Record<string, string> | null;
  readonly query?: Record<string, string> | null;
  readonly caller: CallerContext;
}

/** API Gateway's proxy event for a call the authorizer let through, with placeholder scoped credentials. */
export function apiEvent(init: ApiEventInit): ProxyEvent {
  return {
    httpMethod: init.method,
    path: init.path,
    body: init.body === undefined ? null : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
    pathParameters: init.pathParameters ?? null,
    queryStringParameters: init.query ?? null,
    requestContext: {
      requestId: 'req-1',
      authorizer: { ...init.caller, ...CALLER_CREDENTIALS },
    },
  };
}

/** A handler's JSON answer, with the error body every route shares. */
export type AnswerBody = { error?: { code: string; message: string; details?: { field: string; message?: string }[] } } & Record<string, unknown>;

/** The parsed body of a handler's answer. */
export const parse = (result: { body: string }): AnswerBody => JSON.parse(result.body) as AnswerBody;

/** The fields a 400 names. */
export const fieldsOf = (result: { body: string }): string[] => (parse(result).error?.details ?? []).map((detail) => detail.field);
