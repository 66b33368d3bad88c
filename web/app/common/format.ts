/** Times as the reader's locale shows them; the API's ISO-8601 UTC stays in the `dateTime` attribute. */
export const formatTime = (iso: string): string => {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
};

/** A `datetime-local` input's value (local wall time) as the API's ISO-8601 UTC. */
export const localInputToIso = (value: string): string => new Date(value).toISOString();

/** A `datetime-local` value for a moment: the input wants local time without a zone. */
export function isoToLocalInput(date: Date): string {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}
