/**
 * The bus as the inspector shows it: each archived event with the rules it matched, each rule's
 * targets, every delivery attempt, the dead letter of a target that gave up, and the on-failure
 * records of the functions the event reached (Lambda's own retries, after the bus delivered).
 */
import type { EventView, FailureRecordView, RuleView, TargetView } from '../../web/inspector/api-types';
import type { ArchivedEvent, DeadLetter, DeliveryAttempt } from '../eventbridge/bus';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** An on-failure queue message (its body, Lambda's invocation record) in a few fields; anything unreadable stays out. */
export function failureRecordView(message: unknown): FailureRecordView {
  const body = isRecord(message) && isRecord(message.body) ? message.body : {};
  const context = isRecord(body.requestContext) ? body.requestContext : {};
  const payload = isRecord(body.requestPayload) ? body.requestPayload : {};
  const fields: Record<string, unknown> = {
    messageId: isRecord(message) ? text(message.messageId) : undefined,
    timestamp: text(body.timestamp),
    functionArn: text(context.functionArn),
    condition: text(context.condition),
    approximateInvokeCount: typeof context.approximateInvokeCount === 'number' ? context.approximateInvokeCount : undefined,
    eventId: text(payload.id),
    error: body.responsePayload,
  };
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as FailureRecordView;
}

const targetKey = (eventId: string, rule: string, targetId: string): string => JSON.stringify([eventId, rule, targetId]);

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const name = key(item);
    const group = groups.get(name);
    if (group) group.push(item);
    else groups.set(name, [item]);
  }
  return groups;
}

export interface BusRecords {
  readonly archive: readonly ArchivedEvent[];
  readonly deliveries: readonly DeliveryAttempt[];
  readonly deadLetters: readonly DeadLetter[];
  readonly failureRecords: readonly FailureRecordView[];
}

/** Every archived event joined with what happened to it, in archive order. */
export function eventViews(records: BusRecords): EventView[] {
  const attemptsByTarget = groupBy(records.deliveries, (attempt) => targetKey(attempt.eventId, attempt.rule, attempt.target.id));
  const targetsByRule = groupBy(records.deliveries, (attempt) => JSON.stringify([attempt.eventId, attempt.rule]));
  const deadByTarget = new Map(records.deadLetters.map((dead) => [targetKey(dead.event.id, dead.rule, dead.target.id), dead]));
  const failuresByEvent = groupBy(records.failureRecords.filter((record) => record.eventId !== undefined), (record) => record.eventId as string);
  return records.archive.map((archived) => {
    const rules = archived.matchedRules.map((rule): RuleView => {
      const targets = new Map((targetsByRule.get(JSON.stringify([archived.event.id, rule])) ?? []).map((attempt) => [attempt.target.id, attempt.target]));
      return {
        name: rule,
        targets: [...targets.values()].map((target): TargetView => {
          const attempts = (attemptsByTarget.get(targetKey(archived.event.id, rule, target.id)) ?? []).map(({ copy, attempt, outcome, error, at }) => ({ copy, attempt, outcome, ...(error === undefined ? {} : { error }), at }));
          const dead = deadByTarget.get(targetKey(archived.event.id, rule, target.id));
          const status = dead ? 'dead-lettered' : attempts.some((attempt) => attempt.outcome === 'delivered') ? 'delivered' : 'retrying';
          return { id: target.id, arn: target.arn, status, attempts, ...(dead ? { deadLetter: { error: dead.error, attempts: dead.attempts, at: dead.at } } : {}) };
        }),
      };
    });
    return { ...archived, rules, failureRecords: failuresByEvent.get(archived.event.id) ?? [] };
  });
}
