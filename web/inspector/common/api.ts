import type { ApiRefusal, InspectorView } from '../api-types';

/** The API refused (4xx/5xx): its own message, shown as it is. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Reads one view of the inspector's API, beside the page (`./api/<view>`), same origin only. */
export async function fetchView<T>(view: InspectorView, params: Readonly<Record<string, string | undefined>> = {}): Promise<T> {
  const query = new URLSearchParams(Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''));
  const text = query.toString();
  const response = await fetch(`./api/${view}${text ? `?${text}` : ''}`, { credentials: 'same-origin', cache: 'no-store' });
  const body = (await response.json().catch(() => undefined)) as unknown;
  if (!response.ok) {
    const message = typeof body === 'object' && body !== null && typeof (body as ApiRefusal).message === 'string' ? (body as ApiRefusal).message : `The inspector API answered ${response.status}`;
    throw new ApiError(response.status, message);
  }
  return body as T;
}
