import { randomUUID } from 'node:crypto';
import { EVENT_CATALOG, type DetailType } from '../../events/catalog';
import type { TableItem, WriteOncePort, WriteOutcome } from '../../handlers/shared/write-once';
import type { SubscriberLogger } from '../../handlers/subscribers/dropped-event';

/** The write-once port over a map, with DynamoDB's all-or-nothing transaction semantics. */
export class InMemoryWriteOnce implements WriteOncePort {
  private readonly items = new Map<string, TableItem>();
  private readonly failures: Error[] = [];

  /** The next write throws `error` and writes nothing, as a throttled or conflicting call would. */
  failNextWrite(error: Error): void {
    this.failures.push(error);
  }

  async putIfAbsent(item: TableItem): Promise<WriteOutcome> {
    this.throwInjectedFailure();
    if (this.items.has(keyOf(item))) return 'duplicate';
    this.items.set(keyOf(item), item);
    return 'written';
  }

  async putWithMarker(marker: TableItem, items: readonly TableItem[]): Promise<WriteOutcome> {
    this.throwInjectedFailure();
    if (this.items.has(keyOf(marker))) return 'duplicate';
    for (const item of [marker, ...items]) this.items.set(keyOf(item), item);
    return 'written';
  }

  all(): TableItem[] {
    return [...this.items.values()];
  }

  partition(pk: string): TableItem[] {
    return this.all().filter((item) => item.PK === pk);
  }

  private throwInjectedFailure(): void {
    const failure = this.failures.shift();
    if (failure) throw failure;
  }
}

export interface LogRecord {
  level: 'info' | 'warn' | 'error';
  message: unknown;
  extra: unknown[];
}

export function recordingLogger(): { logger: SubscriberLogger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const at =
    (level: LogRecord['level']) =>
    (message: unknown, ...extra: unknown[]): void => {
      records.push({ level, message, extra });
    };
  return { logger: { info: at('info'), warn: at('warn'), error: at('error') }, records };
}

/** An event as EventBridge hands it to a Lambda target. */
export function busEvent(detailType: DetailType, detail: unknown = EVENT_CATALOG[detailType].sample, overrides: Record<string, unknown> = {}) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': detailType,
    source: EVENT_CATALOG[detailType].source,
    account: '000000000000',
    time: '2026-11-28T09:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail,
    ...overrides,
  };
}

const keyOf = (item: TableItem): string => `${item.PK}\u0000${item.SK}`;
