import { detailEntries } from '../../web/app/audit/detail-entries';

describe("the audit page's detail lines", () => {
  it('lists each field but the tenant id, text as text and the rest as JSON', () => {
    // Act
    const entries = detailEntries({ tenantId: 't1', action: 'aircraft:write', actions: ['a', 'b'], seats: 4, previousTenantId: null });
    // Assess
    expect(entries).toEqual([
      ['action', 'aircraft:write'],
      ['actions', '["a","b"]'],
      ['seats', '4'],
    ]);
  });

  it('shows a detail that is not an object as one JSON line, and no detail as nothing', () => {
    // Act / Assess
    expect(detailEntries(['x'])).toEqual([['detail', '["x"]']]);
    expect(detailEntries('<b>hi</b>')).toEqual([['detail', '"<b>hi</b>"']]);
    expect(detailEntries(undefined)).toEqual([]);
  });
});
