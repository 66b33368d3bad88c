/** A value as indented JSON text (preact escapes it: markup in data stays text). */
export function Json({ value, label }: { value: unknown; label: string }) {
  return (
    <pre class="json" aria-label={label} tabIndex={0}>
      {value === undefined ? '—' : JSON.stringify(value, null, 2)}
    </pre>
  );
}

export function ErrorNote({ message }: { message: string | undefined }) {
  return message ? <p role="alert" class="error-note">{message}</p> : null;
}

export const formatTime = (iso: string | undefined): string => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : '—');
