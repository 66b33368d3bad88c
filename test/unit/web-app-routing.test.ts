import { hrefOf, ITEM_PAGES, itemHrefOf, pageOf, PAGES, routeOf } from '../../web/app/routing/routes';

describe("the tenant app's pages by fragment", () => {
  it.each(PAGES)('reads back the page its own link names: %s', (page) => {
    // Act / Assess
    expect(pageOf(hrefOf(page), 'aircraft')).toBe(page);
  });

  it.each(['', '#', '#/', '#/nowhere', '#/aircraft/../members', '#access_token=x'])('falls back to the home page for %p', (hash) => {
    // Act / Assess
    expect(pageOf(hash, 'aircraft')).toBe('aircraft');
  });

  it('accepts a trailing slash', () => {
    // Act / Assess
    expect(pageOf('#/aircraft/new/', 'aircraft')).toBe('aircraft/new');
  });

  it.each(ITEM_PAGES.flatMap((page) => ['0f6c2a1e', 'lee+x@blue-sky.example', 'a/b?c#d', '%41'].map((id) => [page, id] as const)))('reads back the item page %s and the id %p its own link names', (page, id) => {
    // Act / Assess
    expect(routeOf(itemHrefOf(page, id), 'aircraft')).toEqual({ page, id });
  });

  it.each(['#/aircraft//edit', '#/aircraft/%E0%A4%A/edit', '#/aircraft/x/delete', '#/members/x/edit', '#/aircraft/x/y/edit'])('names no item page for %p', (hash) => {
    // Act / Assess
    expect(routeOf(hash, 'aircraft')).toEqual({ page: 'aircraft' });
  });
});
