/**
 * The shapes the inspector's data API (`/_local/console/api/<view>`) answers, defined once for
 * both sides: local/console builds them, the page reads them. Pure types, no imports of node code.
 */
import type { StepFailure } from './graph/machine-graph';

export const INSPECTOR_VIEWS = ['executions', 'execution', 'events', 'failures', 'invocations', 'tenants', 'audit', 'mail'] as const;
export type InspectorView = (typeof INSPECTOR_VIEWS)[number];

export interface ExecutionListItem {
  readonly executionArn: string;
  readonly stateMachine: string;
  readonly status: string;
  readonly startDate: string;
  readonly stopDate?: string;
  readonly error?: string;
  /** The execution input's `userId`, where it has one. */
  readonly userId?: string;
}

export interface ExecutionList {
  readonly machines: readonly string[];
  readonly statuses: readonly string[];
  readonly executions: readonly ExecutionListItem[];
}

export interface HistoryEventView {
  readonly id: number;
  readonly timestamp: string;
  readonly type: string;
  /** The state the event belongs to, where the history or the attribution says. */
  readonly state?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export type StepStatus = 'running' | 'succeeded' | 'failed';

export interface StepView {
  readonly state: string;
  readonly type: string;
  readonly enteredAt: string;
  readonly exitedAt?: string;
  readonly input?: unknown;
  readonly output?: unknown;
  readonly status: StepStatus;
  readonly error?: string;
  readonly cause?: string;
  /** Task attempts (1 without a retry). */
  readonly attempts: number;
}

export interface ExecutionView {
  readonly executionArn: string;
  readonly name: string;
  readonly stateMachine: string;
  readonly status: string;
  readonly startDate: string;
  readonly stopDate?: string;
  readonly input: unknown;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  /** The machine's definition as created: what the graph is drawn from. */
  readonly definition: string;
  readonly events: readonly HistoryEventView[];
  /** One step per state entered, in the order entered. */
  readonly steps: readonly StepView[];
  readonly path: readonly string[];
  /** Where the run first went wrong: the first step that failed (its error), or the Fail state it ended in. */
  readonly failure?: StepFailure;
  readonly failedStates: readonly StepFailure[];
}

export interface DeliveryAttemptView {
  /** 1, or 2 for the second copy in duplicate-delivery mode. */
  readonly copy: number;
  readonly attempt: number;
  readonly outcome: 'delivered' | 'failed';
  readonly error?: string;
  readonly at: string;
}

export interface TargetView {
  readonly id: string;
  readonly arn: string;
  /** `retrying`: failed so far, not yet given up. */
  readonly status: 'delivered' | 'retrying' | 'dead-lettered';
  readonly attempts: readonly DeliveryAttemptView[];
  readonly deadLetter?: { readonly error: string; readonly attempts: number; readonly at: string };
}

export interface RuleView {
  readonly name: string;
  readonly targets: readonly TargetView[];
}

/** A record of the subscribers' on-failure queue: Lambda gave an asynchronous invocation up. */
export interface FailureRecordView {
  readonly messageId?: string;
  readonly timestamp?: string;
  readonly functionArn?: string;
  readonly condition?: string;
  readonly approximateInvokeCount?: number;
  /** The id of the event the function was invoked with. */
  readonly eventId?: string;
  readonly error?: unknown;
}

export interface BusEvent {
  readonly id: string;
  readonly source: string;
  readonly 'detail-type': string;
  readonly time: string;
  readonly resources: readonly string[];
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface EventView {
  readonly eventBusName: string;
  readonly event: BusEvent;
  readonly matchedRules: readonly string[];
  readonly rules: readonly RuleView[];
  readonly failureRecords: readonly FailureRecordView[];
}

export interface InvocationView {
  readonly functionName: string;
  readonly requestId: string;
  readonly startedAt: string;
  /** The handler's run (Lambda's Duration), without the cold start. */
  readonly durationMs: number;
  readonly outcome: 'success' | 'error';
  readonly errorType?: string;
  /** True when this invocation started its worker (a cold start); optional for records made by hand. */
  readonly cold?: boolean;
  /** On a cold start: bundle, worker start and module initialization (the REPORT line's Init Duration). */
  readonly initDurationMs?: number;
}

export interface TenantListing {
  readonly tenantId: string;
  readonly name: string;
  readonly createdAt?: string;
}

export interface AuditPageView {
  readonly events: readonly { readonly id: string; readonly time: string; readonly type: string; readonly actorUserId: string; readonly detail: Readonly<Record<string, unknown>> }[];
  readonly lastKey?: string;
}

export interface MailView {
  readonly channel: 'email' | 'sms';
  readonly destination: string;
  readonly username: string;
  readonly code: string | undefined;
  readonly at: string;
}

/** What the API answers with a 4xx: `parameter` names the query parameter it refused. */
export interface ApiRefusal {
  readonly message: string;
  readonly parameter?: string;
}
