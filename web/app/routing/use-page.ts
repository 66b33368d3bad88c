import { useEffect, useState } from 'preact/hooks';
import { routeOf, type ItemPage, type Page, type Route } from './routes';

/** The route the fragment names, following back/forward and links. */
export function useRoute(fallback: Page): Route {
  const [hash, setHash] = useState(window.location.hash);
  useEffect(() => {
    const follow = (): void => setHash(window.location.hash);
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, []);
  return routeOf(hash, fallback);
}

/** The page the fragment names (an item page without its id). */
export const usePage = (fallback: Page): Page | ItemPage => useRoute(fallback).page;

export function navigate(page: Page): void {
  window.location.hash = `#/${page}`;
}
