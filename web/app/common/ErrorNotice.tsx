import { ApiError, detailLines, messageOf } from '../api/errors';

/**
 * A refusal or failure, said plainly: the API's `message` (and, for a ValidationError, each bad
 * field). `role="alert"` so a screen reader announces it and a test finds it.
 */
export function ErrorNotice({ error }: { readonly error: unknown }) {
  if (error === undefined || error === null) return null;
  const lines = error instanceof ApiError ? detailLines(error) : [];
  return (
    <div role="alert" class="notice notice-error">
      <strong>{error instanceof ApiError ? titleOf(error) : 'Something went wrong'}</strong>
      <p>{messageOf(error)}</p>
      {lines.length > 0 && (
        <ul>
          {lines.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

function titleOf(error: ApiError): string {
  if (error.status === 403) return 'Not allowed';
  if (error.status === 404) return 'Not found';
  if (error.status === 409) return 'Conflict';
  if (error.status === 400) return 'Check the form';
  return `The API refused (${error.code})`;
}
