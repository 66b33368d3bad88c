import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PLATFORM_AUDIT_ID, TENANT_ID_PATTERN } from '../../domain/keys';
import type { ExecutionList, InspectorView, MailView } from '../../web/inspector/api-types';
import { WORKFLOWS } from '../../workflows/registry';
import type { SentMessage } from '../cognito/cognito-local';
import type { EventBridgeService } from '../eventbridge/bus';
import type { InvocationRecord } from '../lambda/lambda-service';
import type { AwsRequest, AwsResponse } from '../server/types';
import type { ExecutionStatus } from '../stepfunctions/runtime';
import type { StepFunctionsHandles } from '../stepfunctions/service';
import { listTenants, readAuditPage } from './audit-views';
import { eventViews, failureRecordView } from './event-views';
import { executionView } from './execution-view';
import { BadQueryError, integer, oneOf, readQuery, token } from './query';
import { withoutTokens } from './redaction';

/** What the inspector reads: the local services' own records, and the table (as its administrator) for audit trails. */
export interface InspectorSources {
  readonly stepFunctions: StepFunctionsHandles;
  readonly eventBridge: EventBridgeService;
  readonly invocations: () => readonly InvocationRecord[];
  /** The on-failure queue's messages (records of failed asynchronous invocations), oldest first. */
  readonly asyncFailures: () => readonly unknown[];
  /** Codes the user pool sent (sign-up, password reset), oldest first: no mail leaves the laptop. */
  readonly mail: () => readonly SentMessage[];
  readonly dynamo: DynamoDBClient;
  readonly tableName: string;
}

/** Every status an execution can have (the runtime's type, checked exhaustive here), for the status filter. */
const STATUSES = { RUNNING: true, SUCCEEDED: true, FAILED: true, TIMED_OUT: true, ABORTED: true } as const satisfies Record<ExecutionStatus, true>;
export const EXECUTION_STATUSES = Object.keys(STATUSES) as ExecutionStatus[];

const DEFAULT_LIMIT = 200;
const limit = integer(1, 1000);
const userIdOf = (input: string): string | undefined => {
  try {
    const value = (JSON.parse(input) as { userId?: unknown }).userId;
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
};
const newestFirst = <T>(items: readonly T[]): T[] => [...items].reverse();
const tenantId = token(128, TENANT_ID_PATTERN);

type View = (query: URLSearchParams) => Promise<unknown>;

function executionViews(sources: InspectorSources): Record<'executions' | 'execution', View> {
  // The project's machines, and any other a caller created (tests do) that has run.
  const machines = (): string[] =>
    [...new Set([...Object.values(WORKFLOWS).map((workflow) => workflow.name), ...sources.stepFunctions.executionsWithInput().map((execution) => execution.stateMachine)])].sort();
  return {
    async executions(query) {
      const filter = readQuery(query, { machine: token(80), status: oneOf(EXECUTION_STATUSES), user: token(128), limit });
      const executions = sources.stepFunctions
        .executionsWithInput()
        .map(({ input, ...summary }) => ({ ...summary, userId: userIdOf(input) }))
        .filter((execution) => (filter.machine === undefined || execution.stateMachine === filter.machine) && (filter.status === undefined || execution.status === filter.status) && (filter.user === undefined || execution.userId === filter.user));
      return { machines: machines(), statuses: EXECUTION_STATUSES, executions: executions.slice(0, filter.limit ?? DEFAULT_LIMIT) } satisfies ExecutionList;
    },
    async execution(query) {
      const { arn } = readQuery(query, { arn: token(512) });
      if (arn === undefined) throw new BadQueryError('arn', 'required');
      const detail = sources.stepFunctions.executionDetail(arn);
      return detail ? executionView(detail) : undefined;
    },
  };
}

function busViews(sources: InspectorSources): Record<'events' | 'failures' | 'invocations', View> {
  return {
    async events(query) {
      const filter = readQuery(query, { source: token(256), detailType: token(256, /^[A-Za-z0-9 :_#.@+\-/]+$/), limit });
      const all = eventViews({
        archive: sources.eventBridge.archive(),
        deliveries: sources.eventBridge.deliveries(),
        deadLetters: sources.eventBridge.deadLetters(),
        failureRecords: sources.asyncFailures().map(failureRecordView),
      });
      const events = newestFirst(all).filter((view) => (filter.source === undefined || view.event.source === filter.source) && (filter.detailType === undefined || view.event['detail-type'] === filter.detailType));
      return { events: events.slice(0, filter.limit ?? DEFAULT_LIMIT) };
    },
    async failures(query) {
      const filter = readQuery(query, { limit });
      return { failures: newestFirst(sources.asyncFailures().map(failureRecordView)).slice(0, filter.limit ?? DEFAULT_LIMIT) };
    },
    async invocations(query) {
      const filter = readQuery(query, { function: token(64), outcome: oneOf(['success', 'error'] as const), limit });
      const invocations = newestFirst(sources.invocations()).filter((record) => (filter.function === undefined || record.functionName === filter.function) && (filter.outcome === undefined || record.outcome === filter.outcome));
      return { invocations: invocations.slice(0, filter.limit ?? DEFAULT_LIMIT) };
    },
  };
}

function directoryViews(sources: InspectorSources): Record<'tenants' | 'audit' | 'mail', View> {
  return {
    async tenants(query) {
      readQuery(query, {});
      return { tenants: await listTenants(sources.dynamo, sources.tableName) };
    },
    async audit(query) {
      const request = readQuery(query, { tenant: (value, name) => (value === PLATFORM_AUDIT_ID ? value : tenantId(value, name)), after: token(512), limit: integer(1, 100) });
      if (request.tenant === undefined) throw new BadQueryError('tenant', 'required');
      return readAuditPage(sources.dynamo, sources.tableName, request.tenant, { limit: request.limit ?? 50, ...(request.after === undefined ? {} : { after: request.after }) });
    },
    // The tenant app's sign-up helper reads this contract: an array of {channel,destination,username,code,at}, newest first.
    async mail(query) {
      readQuery(query, {});
      return newestFirst(sources.mail()).map(({ channel, destination, username, code, at }): MailView => ({ channel, destination, username, code, at }));
    },
  };
}

const json = (status: number, value: unknown): AwsResponse => ({ status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(withoutTokens(value)) });

/**
 * The inspector's data API under `/_local/console/api/`; `path` is what follows that prefix.
 * Read-only (GET and HEAD), no CORS headers (another site's page can make a browser ask, but not
 * read the answer), and every answer passes the token filter (redaction.ts).
 */
export function createInspectorApi(sources: InspectorSources): (request: AwsRequest, path: string) => Promise<AwsResponse | undefined> {
  const table: Record<InspectorView, View> = { ...executionViews(sources), ...busViews(sources), ...directoryViews(sources) };
  return async (request, path) => {
    const view = Object.hasOwn(table, path) ? table[path as InspectorView] : undefined;
    if (!view) return undefined;
    if (request.method !== 'GET' && request.method !== 'HEAD') return { ...json(405, { message: 'The inspector is read-only: GET only' }), headers: { 'content-type': 'application/json', allow: 'GET, HEAD' } };
    try {
      const value = await view(request.query);
      return value === undefined ? json(404, { message: `Nothing found for ${path}` }) : json(200, value);
    } catch (error) {
      if (error instanceof BadQueryError) return json(400, { message: error.message, parameter: error.parameter });
      throw error;
    }
  };
}
