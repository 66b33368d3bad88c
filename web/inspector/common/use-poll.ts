import { useEffect, useRef, useState } from 'preact/hooks';

/** How often a view asks again: the local cloud answers in milliseconds, and a developer watches runs unfold. */
export const POLL_INTERVAL_MS = 1000;

export interface Polled<T> {
  readonly data: T | undefined;
  readonly error: string | undefined;
}

/**
 * Loads `load()` now and every POLL_INTERVAL_MS while the page is visible, replacing the data in
 * place (no reload: scroll, focus and open details stay). A new `key` (other filters) starts over;
 * an answer to an older key is dropped.
 */
export function usePoll<T>(key: string, load: () => Promise<T>): Polled<T> {
  const [state, setState] = useState<Polled<T>>({ data: undefined, error: undefined });
  const loader = useRef(load);
  loader.current = load;
  useEffect(() => {
    let current = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setState({ data: undefined, error: undefined });
    const tick = async () => {
      if (document.visibilityState !== 'hidden') {
        try {
          const data = await loader.current();
          if (current) setState({ data, error: undefined });
        } catch (error) {
          if (current) setState((previous) => ({ data: previous.data, error: error instanceof Error ? error.message : String(error) }));
        }
      }
      if (current) timer = setTimeout(() => void tick(), POLL_INTERVAL_MS);
    };
    void tick();
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [key]);
  return state;
}
