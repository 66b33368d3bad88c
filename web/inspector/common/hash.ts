/**
 * Where the page is, kept in the URL's hash (`#executions?machine=Onboarding&arn=…`), so that a
 * link opens the same tab, filters and selection, and a poll never loses them. Pure.
 */
export const TABS = ['executions', 'events', 'invocations', 'audit', 'mail'] as const;
export type Tab = (typeof TABS)[number];

export interface Route {
  readonly tab: Tab;
  readonly params: Readonly<Record<string, string>>;
}

export function parseHash(hash: string): Route {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  const [name = '', query = ''] = text.split('?', 2);
  const tab = (TABS as readonly string[]).includes(name) ? (name as Tab) : 'executions';
  return { tab, params: Object.fromEntries(new URLSearchParams(query)) };
}

export function formatHash(route: Route): string {
  const query = new URLSearchParams(Object.entries(route.params).filter(([, value]) => value !== '')).toString();
  return `#${route.tab}${query ? `?${query}` : ''}`;
}
