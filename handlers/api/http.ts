import type { Logger } from '@aws-lambda-powertools/logger';
import * as z from 'zod';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ThrottledError,
  UnauthorizedError,
  ValidationError,
  WorkflowFailedError,
  WorkflowIncompleteError,
  type FieldProblem,
} from '../../domain/errors';
import { CORS_ENVIRONMENT_VARIABLE, corsResponseHeaders, parseAllowedOrigins, requestOrigin } from './cors';

/** The members of API Gateway's proxy event that handlers read. */
export interface ProxyEvent {
  httpMethod: string;
  path: string;
  /** The request's headers; only `Origin` is read here (CORS), and only by `route`. */
  headers?: Record<string, string | undefined> | null;
  body: string | null;
  pathParameters: Record<string, string> | null;
  queryStringParameters: Record<string, string> | null;
  requestContext: { requestId?: string; authorizer?: Record<string, unknown> | null };
}

export interface ProxyResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const JSON_HEADERS = { 'content-type': 'application/json' } as const;

export const json = (statusCode: number, body: unknown): ProxyResult => ({
  statusCode,
  headers: { ...JSON_HEADERS },
  body: body === undefined ? '' : JSON.stringify(body),
});

/** The single mapping from typed errors to the contract's `{ error: { code, message, details? } }`. */
export function errorResponse(error: unknown): ProxyResult | undefined {
  const answer = (status: number, code: string, message: string, details?: readonly FieldProblem[]): ProxyResult =>
    json(status, { error: { code, message, ...(details && details.length ? { details } : {}) } });
  if (error instanceof ValidationError) return answer(400, 'ValidationError', error.message, error.details);
  if (error instanceof UnauthorizedError) return answer(401, 'Unauthorized', error.message);
  if (error instanceof ForbiddenError) return answer(403, 'Forbidden', error.message);
  if (error instanceof NotFoundError) return answer(404, 'NotFound', error.message);
  if (error instanceof ConflictError) return answer(409, 'Conflict', error.message);
  if (error instanceof ThrottledError) return answer(429, 'Throttled', error.message);
  if (error instanceof WorkflowFailedError) return answer(500, 'InternalError', error.message);
  if (error instanceof WorkflowIncompleteError) return answer(503, 'Unavailable', error.message);
  return undefined;
}

/** zod issues as the contract's details: one entry per bad field, named by its path. */
export function fieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => ({ field: issue.path.join('.') || '(body)', message: issue.message }));
}

export function parseBody<S extends z.ZodType>(schema: S, body: string | null): z.infer<S> {
  let raw: unknown;
  try {
    raw = body ? JSON.parse(body) : undefined;
  } catch {
    throw new ValidationError('The request body is not valid JSON', [{ field: '(body)', message: 'invalid JSON' }]);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ValidationError('The request is not valid', fieldProblems(parsed.error));
  return parsed.data;
}

/** Path parameters as the route template names them; a bad one is a 400 naming it, like a body field. */
export function parsePath<S extends z.ZodType>(schema: S, parameters: Record<string, string> | null): z.infer<S> {
  const parsed = schema.safeParse(parameters ?? {});
  if (!parsed.success) throw new ValidationError('The request path is not valid', fieldProblems(parsed.error));
  return parsed.data;
}

/** zod's issues as the contract's details, an unknown parameter named by itself rather than by its parent. */
function queryProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ field: key, message: 'is not a parameter of this route' }))
      : [{ field: issue.path.join('.'), message: issue.message }],
  );
}

/**
 * The query string, parsed by a strict schema: a misspelt `lmit=100` answered with the default page
 * would hide the client's bug, and refusing what is unknown keeps it plain that nothing in the
 * query can name another tenant or widen the read.
 */
export function parseQuery<S extends z.ZodType>(schema: S, event: ProxyEvent): z.infer<S> {
  const parsed = schema.safeParse(event.queryStringParameters ?? {});
  if (!parsed.success) throw new ValidationError('The query string is not valid', queryProblems(parsed.error));
  return parsed.data;
}

/** A page's `limit` in a query string: digits only (no sign, exponent, fraction or spaces), within the list's bounds. */
export function limitParameter(page: { readonly defaultLimit: number; readonly minLimit: number; readonly maxLimit: number }) {
  const message = `must be an integer from ${page.minLimit} to ${page.maxLimit}`;
  return z
    .string()
    .regex(/^[0-9]{1,3}$/, message)
    .transform(Number)
    .pipe(z.number().min(page.minLimit, message).max(page.maxLimit, message))
    .default(page.defaultLimit);
}

/** What the authorizer put in the request context (API Gateway passes its values as strings). */
const callerSchema = z.object({
  userId: z.string().min(1),
  username: z.string().min(1),
  email: z.string().default(''),
  tenantId: z.string().default(''),
  roleId: z.string().default(''),
  groups: z.string().default('[]'),
  accessKeyId: z.string().min(1),
  secretAccessKey: z.string().min(1),
  sessionToken: z.string().min(1),
});

export interface Caller {
  readonly userId: string;
  readonly username: string;
  readonly email: string;
  /** null for a signed-in user with no active tenant. */
  readonly tenantId: string | null;
  readonly roleId: string | null;
  readonly groups: readonly string[];
  /** Tenant-scoped credentials from the identity pool: IAM confines them to the caller's partitions. */
  readonly credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
}

export function callerOf(event: ProxyEvent): Caller {
  const parsed = callerSchema.safeParse(event.requestContext.authorizer ?? {});
  // Only a route deployed without the authorizer could get here: fail closed.
  if (!parsed.success) throw new UnauthorizedError();
  const context = parsed.data;
  let groups: unknown;
  try {
    groups = JSON.parse(context.groups);
  } catch {
    groups = [];
  }
  return {
    userId: context.userId,
    username: context.username,
    email: context.email,
    tenantId: context.tenantId || null,
    roleId: context.roleId || null,
    groups: Array.isArray(groups) ? groups.filter((group): group is string => typeof group === 'string') : [],
    credentials: { accessKeyId: context.accessKeyId, secretAccessKey: context.secretAccessKey, sessionToken: context.sessionToken },
  };
}

const CREDENTIAL_MEMBERS = ['accessKeyId', 'secretAccessKey', 'sessionToken'] as const;

/**
 * An error message with the caller's tenant credentials taken out: a signing or endpoint error
 * from the SDK may quote the request it made, and these credentials must never reach a log.
 */
function withoutCredentials(message: string, event: ProxyEvent): string {
  const context = event.requestContext.authorizer ?? {};
  return CREDENTIAL_MEMBERS.reduce((text, member) => {
    const value = context[member];
    return typeof value === 'string' && value.length > 0 ? text.split(value).join('[redacted]') : text;
  }, message);
}

let parsedOrigins: { readonly text: string; readonly origins: readonly string[] } | undefined;

/**
 * The allowed origins, read from the variable the CDK app sets on every API function (and the local
 * cloud sets in its process), parsed once per value. Absent means none: no CORS headers, the safe side.
 */
function allowedOriginsFromEnvironment(): readonly string[] {
  const text = process.env[CORS_ENVIRONMENT_VARIABLE] ?? '';
  if (parsedOrigins?.text !== text) parsedOrigins = { text, origins: parseAllowedOrigins(text) };
  return parsedOrigins.origins;
}

/**
 * A proxy integration passes the function's answer through as it is, so the function itself must
 * add the CORS headers (API Gateway adds none to a Lambda proxy answer); done here, once, for every
 * route, success and error alike.
 */
function withCorsHeaders(result: ProxyResult, event: ProxyEvent): ProxyResult {
  const cors = corsResponseHeaders(allowedOriginsFromEnvironment(), requestOrigin(event.headers));
  return Object.keys(cors).length === 0 ? result : { ...result, headers: { ...result.headers, ...cors } };
}

/**
 * Wraps a route's logic: typed errors become their contract answers; anything else is logged and
 * answered as a 500 that carries the request id and never a stack or a message from inside. Every
 * answer carries the CORS headers of the request's origin.
 */
export function route(logger: Logger, logic: (event: ProxyEvent) => Promise<ProxyResult>) {
  const answer = async (event: ProxyEvent): Promise<ProxyResult> => {
    try {
      return await logic(event);
    } catch (error) {
      const mapped = errorResponse(error);
      if (mapped) {
        if (mapped.statusCode >= 500) logger.error('request failed', { error: (error as Error).message });
        return mapped;
      }
      const message = error instanceof Error ? error.message : String(error);
      logger.error('unexpected error', { errorName: error instanceof Error ? error.name : typeof error, errorMessage: withoutCredentials(message, event) });
      return json(500, { error: { code: 'InternalError', message: `Internal error (request ${event.requestContext.requestId ?? 'unknown'})` } });
    }
  };
  return async (event: ProxyEvent): Promise<ProxyResult> => withCorsHeaders(await answer(event), event);
}
