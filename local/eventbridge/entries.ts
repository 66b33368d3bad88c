import { PutEventsEntryError, validationError } from './errors';
import { DEFAULT_BUS, type Bus, type BusRegistry, type EventEnvelope } from './model';

/**
 * PutEvents' limits and per-entry answers, as AWS gives them.
 *
 * Sources: the API reference (PutEvents, PutEventsRequestEntry, PutEventsResultEntry:
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html), the user
 * guide's size rule (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html),
 * the service model (botocore data/events/2015-10-07/service-2.json: PutEventsRequestEntryList
 * min 1, max 10), and answers recorded from AWS (LocalStack's AWS-validated snapshots,
 * tests/aws/services/events/test_events.snapshot.json, recorded 2024-12-06) for the exact wordings.
 *
 * The reference says a request in which *none* of the entries has Source, DetailType and Detail
 * fails as a whole; the recorded answers show a one-entry request lacking one of them answered
 * 200 with that entry's InvalidArgument, which is what this module does for every entry.
 */

export const PUT_EVENTS_LIMITS = {
  /** PutEventsRequestEntryList: min 1, max 10. */
  maxEntries: 10,
  /**
   * The summed entry sizes (eb-putevent-size). The reference pages read here say 256 KB; a
   * partner's changelog (Shopify, 2026-11) mentions a 1 MiB entry cap, which no AWS page read
   * here confirms, so the local limit stays 256 KB.
   */
  maxRequestBytes: 256 * 1024,
} as const;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The size AWS counts for one entry (eb-putevent-size): Time 14 bytes, the rest UTF-8 bytes. */
export function entrySize(entry: Record<string, unknown>): number {
  const bytes = (value: unknown): number => (typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0);
  const resources = Array.isArray(entry.Resources) ? entry.Resources : [];
  return (
    (entry.Time !== undefined && entry.Time !== null ? 14 : 0) +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    resources.reduce((sum: number, resource) => sum + bytes(resource), 0)
  );
}

/**
 * An entry as AWS's Java front end prints it in a validation message (recorded for the
 * too-many-entries answer). How it prints a `Time` was not recorded; the value sent is shown.
 */
function javaEntryText(entry: unknown): string {
  const record = isRecord(entry) ? entry : {};
  const text = (value: unknown): string => (value === undefined || value === null ? 'null' : Array.isArray(value) ? `[${value.join(', ')}]` : String(value));
  const fields: [string, unknown][] = [
    ['time', record.Time],
    ['source', record.Source],
    ['resources', record.Resources],
    ['detailType', record.DetailType],
    ['detail', record.Detail],
    ['eventBusName', record.EventBusName],
    ['traceHeader', record.TraceHeader],
    ['kmsKeyIdentifier', undefined],
    ['internalMetadata', undefined],
  ];
  return `PutEventsRequestEntry(${fields.map(([name, value]) => `${name}=${text(value)}`).join(', ')})`;
}

/** The request-wide checks: the entry count, then the summed size. Throws ValidationException. */
export function checkPutEventsRequest(entries: unknown): readonly unknown[] {
  // Another JSON type than a list is read as no list, as before this module; AWS's answer to it is not known.
  if (!Array.isArray(entries)) {
    throw validationError("1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null");
  }
  if (entries.length === 0) {
    throw validationError("1 validation error detected: Value '[]' at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1");
  }
  if (entries.length > PUT_EVENTS_LIMITS.maxEntries) {
    throw validationError(
      `1 validation error detected: Value '[${entries.map(javaEntryText).join(', ')}]' at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${PUT_EVENTS_LIMITS.maxEntries}`,
    );
  }
  const size = entries.reduce((sum: number, entry) => sum + (isRecord(entry) ? entrySize(entry) : 0), 0);
  if (size > PUT_EVENTS_LIMITS.maxRequestBytes) throw validationError('Total size of the entries in the request is over the limit.');
  return entries;
}

/** AWS writes event times to the second: `2017-12-22T18:43:48Z`. */
export function eventTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function requiredMember(entry: Record<string, unknown>, member: 'Source' | 'DetailType' | 'Detail'): string {
  const value = entry[member];
  if (typeof value !== 'string' || value === '') {
    throw new PutEventsEntryError('InvalidArgument', `Parameter ${member} is not valid. Reason: ${member} is a required argument.`);
  }
  return value;
}

/** Detail must be a JSON object: text, an array and a JSON string are all MalformedDetail (recorded). */
function parseDetail(text: string): Record<string, unknown> {
  let detail: unknown;
  try {
    detail = JSON.parse(text);
  } catch {
    throw new PutEventsEntryError('MalformedDetail', 'Detail is malformed.');
  }
  if (!isRecord(detail)) throw new PutEventsEntryError('MalformedDetail', 'Detail is malformed.');
  return detail;
}

/**
 * AWS accepts an event for a bus that does not exist and drops it (FailedEntryCount 0:
 * github.com/aws/aws-cli/issues/9186). Locally that mistake is reported on the entry instead,
 * so a misnamed bus shows up in the first test run: a deliberate local extension.
 */
function resolveBus(entry: Record<string, unknown>, buses: BusRegistry): Bus {
  const reference = typeof entry.EventBusName === 'string' && entry.EventBusName !== '' ? entry.EventBusName : undefined;
  const bus = buses.find(reference);
  if (!bus) throw new PutEventsEntryError('ResourceNotFoundException', `Event bus ${reference ?? DEFAULT_BUS} does not exist.`);
  return bus;
}

function parseResources(entry: Record<string, unknown>): string[] {
  const resources = entry.Resources ?? [];
  if (!Array.isArray(resources) || !resources.every((resource): resource is string => typeof resource === 'string')) {
    throw new PutEventsEntryError('InvalidArgument', 'Parameter Resources is not valid. Reason: Resources must be a list of strings.');
  }
  return resources;
}

/** The JSON protocol sends `Time` as epoch seconds; an ISO string is taken as well. The call's time when absent. */
function parseTime(entry: Record<string, unknown>, now: () => Date): Date {
  const time = typeof entry.Time === 'number' ? new Date(entry.Time * 1000) : typeof entry.Time === 'string' ? new Date(entry.Time) : now();
  if (Number.isNaN(time.getTime())) throw new PutEventsEntryError('InvalidArgument', 'Parameter Time is not valid.');
  return time;
}

export interface EntryContext {
  readonly buses: BusRegistry;
  readonly now: () => Date;
  readonly newEventId: () => string;
}

export interface AcceptedEntry {
  readonly bus: Bus;
  readonly event: EventEnvelope;
}

/**
 * One entry checked in AWS's order (Source, DetailType, Detail, its JSON), then what the local
 * bus checks besides. Throws PutEventsEntryError with the entry's code.
 */
export function acceptEntry(entry: unknown, context: EntryContext): AcceptedEntry {
  if (!isRecord(entry)) throw new PutEventsEntryError('InvalidArgument', 'Entry is not valid.');
  const source = requiredMember(entry, 'Source');
  const detailType = requiredMember(entry, 'DetailType');
  const detail = parseDetail(requiredMember(entry, 'Detail'));
  // The code is the reference's; AWS's message for it was not recorded.
  if (source.startsWith('aws.')) throw new PutEventsEntryError('NotAuthorizedForSourceException', 'Not authorized for the source.');
  const bus = resolveBus(entry, context.buses);
  const resources = parseResources(entry);
  const time = parseTime(entry, context.now);
  const { region, accountId } = context.buses.scope;
  return {
    bus,
    event: { version: '0', id: context.newEventId(), 'detail-type': detailType, source, account: accountId, time: eventTime(time), region, resources, detail },
  };
}
