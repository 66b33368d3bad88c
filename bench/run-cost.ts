import { GetExecutionHistoryCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { LocalCloud } from '../local/cloud';

export const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};

/** p50 and p95 of a series, rounded to 0.1 ms. */
export const latency = (values: readonly number[]) => ({ runs: values.length, p50Ms: +percentile(values, 50).toFixed(1), p95Ms: +percentile(values, 95).toFixed(1) });

/**
 * Every request the AWS endpoint served while `action` ran, subscribers included (the bus is
 * settled before and after), by operation (`DynamoDB_20120810.GetItem`, …).
 */
export async function endpointRequestsOf(cloud: LocalCloud, action: () => Promise<void>): Promise<Record<string, number>> {
  await cloud.eventBridge.settled();
  const before = new Map(cloud.endpoint.requestCounts());
  await action();
  await cloud.eventBridge.settled();
  const requests: Record<string, number> = {};
  for (const [operation, count] of cloud.endpoint.requestCounts()) {
    const delta = count - (before.get(operation) ?? 0);
    if (delta > 0) requests[operation] = delta;
  }
  return requests;
}

export interface WorkflowRunCost {
  /** Task calls the run made, by service (from its execution history). */
  readonly workflowCallsByService: Record<string, number>;
  readonly stateTransitions: number;
}

/** What the latest execution of `stateMachineArn` cost, from its history. */
export async function latestRunCost(cloud: LocalCloud, sfn: SFNClient, stateMachineArn: string): Promise<WorkflowRunCost> {
  const name = stateMachineArn.split(':').pop() ?? '';
  const latest = cloud.stepFunctions.recentExecutions(50).find((execution) => execution.executionArn.includes(`:${name}:`));
  if (!latest) throw new Error(`no execution of ${name} to inspect`);
  const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn: latest.executionArn, maxResults: 1000 }));
  const workflowCallsByService: Record<string, number> = {};
  for (const event of events) {
    const scheduled = event.taskScheduledEventDetails;
    if (scheduled?.resourceType) workflowCallsByService[scheduled.resourceType] = (workflowCallsByService[scheduled.resourceType] ?? 0) + 1;
  }
  return { workflowCallsByService, stateTransitions: events.filter((event) => event.type?.endsWith('StateEntered')).length };
}

/** One API answer, timed from the request's start to its body read. */
export interface TimedAnswer {
  readonly status: number;
  readonly ms: number;
  readonly json: Record<string, unknown>;
  readonly text: string;
}

/** A call to the REST API with whatever ID token `idToken()` gives at the time (it changes after onboarding). */
export function timedApiCall(apiUrl: string, idToken: () => string) {
  return async (method: string, path: string, body?: unknown): Promise<TimedAnswer> => {
    const started = performance.now();
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${idToken()}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, ms: performance.now() - started, json: (text ? JSON.parse(text) : {}) as Record<string, unknown>, text };
  };
}
