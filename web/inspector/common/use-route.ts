import { useCallback, useEffect, useState } from 'preact/hooks';
import { formatHash, parseHash, type Route, type Tab } from './hash';

export type Navigate = (tab: Tab, params?: Readonly<Record<string, string | undefined>>) => void;

/** The route in the hash, and a way to change it (a new history entry, so Back works). */
export function useRoute(): [Route, Navigate] {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  const navigate = useCallback<Navigate>((tab, params = {}) => {
    const clean = Object.fromEntries(Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''));
    window.location.hash = formatHash({ tab, params: clean });
  }, []);
  return [route, navigate];
}
