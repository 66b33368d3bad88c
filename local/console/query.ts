/**
 * The inspector API's query parameters: each view names the ones it takes and how each is read,
 * and anything else, or a value out of shape, is a 400 that names the parameter.
 */

export class BadQueryError extends Error {
  constructor(
    readonly parameter: string,
    reason: string,
  ) {
    super(`Query parameter ${parameter}: ${reason}`);
    this.name = 'BadQueryError';
  }
}

export type ParameterReader<T> = (value: string, parameter: string) => T;

/** At most `max` characters from a set that needs no escaping anywhere (ids, names, ARNs, statuses). */
export function token(max = 256, pattern = /^[A-Za-z0-9:_#.@+\-/]+$/): ParameterReader<string> {
  return (value, parameter) => {
    if (value.length === 0 || value.length > max || !pattern.test(value)) throw new BadQueryError(parameter, `expected up to ${max} of the characters ${pattern.source}`);
    return value;
  };
}

export function oneOf<T extends string>(values: readonly T[]): ParameterReader<T> {
  return (value, parameter) => {
    if (!(values as readonly string[]).includes(value)) throw new BadQueryError(parameter, `expected one of ${values.join(', ')}`);
    return value as T;
  };
}

export function integer(min: number, max: number): ParameterReader<number> {
  return (value, parameter) => {
    const number = Number(value);
    if (!/^\d+$/.test(value) || number < min || number > max) throw new BadQueryError(parameter, `expected an integer from ${min} to ${max}`);
    return number;
  };
}

type Readers = Record<string, ParameterReader<unknown>>;
export type ParsedQuery<R extends Readers> = { readonly [K in keyof R]?: ReturnType<R[K]> };

/** Reads the parameters a view takes; refuses unknown and repeated ones. */
export function readQuery<R extends Readers>(query: URLSearchParams, readers: R): ParsedQuery<R> {
  const out: Record<string, unknown> = {};
  for (const name of new Set(query.keys())) {
    const reader = Object.hasOwn(readers, name) ? readers[name] : undefined;
    if (!reader) throw new BadQueryError(name, `not a parameter of this view (it takes ${Object.keys(readers).join(', ') || 'none'})`);
    const values = query.getAll(name);
    if (values.length > 1) throw new BadQueryError(name, 'given more than once');
    out[name] = reader(values[0] as string, name);
  }
  return out as ParsedQuery<R>;
}
