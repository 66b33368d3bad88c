/**
 * The app's pages, addressed by the URL's fragment (`#/aircraft/new`) so that a static host serves
 * one file and a link or a reload lands on the page it names. Nothing secret is ever in it.
 */
export const PAGES = ['aircraft', 'aircraft/new', 'reservations', 'reservations/new', 'members', 'members/add', 'roles', 'roles/new', 'audit', 'tenants/new', 'sign-in', 'sign-up'] as const;
export type Page = (typeof PAGES)[number];

/** Pages of one item, `#/<section>/<id>/<verb>` (`#/aircraft/<id>/edit`): the id is one URL-encoded segment. */
export const ITEM_PAGES = ['aircraft/edit', 'roles/edit'] as const;
export type ItemPage = (typeof ITEM_PAGES)[number];

/** Where the fragment points: a page, or an item page with the id it names. */
export type Route = { readonly page: Page; readonly id?: undefined } | { readonly page: ItemPage; readonly id: string };

const isPage = (value: string): value is Page => (PAGES as readonly string[]).includes(value);
const isItemPage = (value: string): value is ItemPage => (ITEM_PAGES as readonly string[]).includes(value);

/** The route a fragment names; an unknown or empty one (or a malformed id) is `fallback`, the home of the current state. */
export function routeOf(hash: string, fallback: Page): Route {
  const path = hash.replace(/^#\/?/, '').replace(/\/+$/, '');
  if (isPage(path)) return { page: path };
  const item = /^([^/]+)\/([^/]+)\/([^/]+)$/.exec(path);
  const page = item ? `${item[1]}/${item[3]}` : '';
  const id = item ? decodedSegment(item[2] ?? '') : undefined;
  return isItemPage(page) && id ? { page, id } : { page: fallback };
}

/** The page a fragment names (see routeOf). */
export const pageOf = (hash: string, fallback: Page): Page | ItemPage => routeOf(hash, fallback).page;

function decodedSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined; // a stray `%`: no id, so no item page
  }
}

export const hrefOf = (page: Page): string => `#/${page}`;

/** The link to an item page: `itemHrefOf('aircraft/edit', id)` is `#/aircraft/<id>/edit`. */
export function itemHrefOf(page: ItemPage, id: string): string {
  const [section, verb] = page.split('/');
  return `#/${section}/${encodeURIComponent(id)}/${verb}`;
}

/** Pages that need no sign-in; every other page needs a session. */
export const isSignedOutPage = (page: Page): boolean => page === 'sign-in' || page === 'sign-up';
