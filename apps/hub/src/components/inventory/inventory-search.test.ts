import { describe, expect, it } from 'vitest';
import {
  exportInputOf,
  firstPage,
  hasFilters,
  listInputOf,
  parseInventorySearch,
  withoutFilters,
} from './inventory-search.ts';

const ownerId = '6f1c2b7e-93a4-4c1d-8e55-2d9f0b4a7c31';

describe('inventory URL state', () => {
  it('turns the query string into the list service’s filter, page and sort', () => {
    const search = parseInventorySearch({
      kind: ['access_key'],
      owner: ['unowned', ownerId],
      olderThan: 90,
      expiring: 30,
      q: '  svc-payments ',
      sort: 'oldestCredentialAge',
      dir: 'desc',
      limit: 25,
      cursor: 'abc',
      page: 2,
    });

    expect(listInputOf(search)).toEqual({
      kind: ['access_key'],
      provider: undefined,
      environment: undefined,
      status: undefined,
      owner: ['unowned', ownerId],
      tag: undefined,
      credentialOlderThanDays: 90,
      expiringWithinDays: 30,
      q: 'svc-payments',
      sort: 'oldestCredentialAge',
      direction: 'desc',
      limit: 25,
      cursor: 'abc',
    });
  });

  it('reads an age band and risk levels, the dashboard’s links into the inventory', () => {
    const search = parseInventorySearch({ olderThan: 30, newerThan: '90', risk: ['high', 'none', 'severe'] });
    expect(listInputOf(search)).toMatchObject({
      credentialOlderThanDays: 30,
      credentialNewerThanDays: 90,
      riskLevel: ['high', 'none'],
    });
    expect(hasFilters(parseInventorySearch({ risk: ['low'] }))).toBe(true);
    expect(hasFilters(parseInventorySearch({ newerThan: 30 }))).toBe(true);
  });

  it('drops values that do not parse instead of failing the page', () => {
    const search = parseInventorySearch({
      kind: ['not-a-kind'],
      owner: ['someone'],
      olderThan: -3,
      sort: 'password',
      limit: 7,
      page: 'two',
    });

    expect(search).toEqual({});
    expect(listInputOf(search)).toMatchObject({ sort: 'name', direction: 'asc', limit: 50 });
  });

  it('keeps the valid values of a list and reads numbers written as text', () => {
    expect(
      parseInventorySearch({
        provider: ['aws', 'mainframe', 'aws', 'gcp'],
        tag: 'team:payments',
        expiring: '30',
        limit: '100',
      }),
    ).toEqual({ provider: ['aws', 'gcp'], tag: ['team:payments'], expiring: 30, limit: 100 });
  });

  it('exports the whole filter, whatever page is on screen', () => {
    const search = parseInventorySearch({
      provider: ['aws'],
      q: 'prod',
      cursor: 'abc',
      page: 3,
      limit: 100,
    });

    expect(exportInputOf(search, 'csv')).toEqual(
      expect.objectContaining({ format: 'csv', provider: ['aws'], q: 'prod' }),
    );
    expect(exportInputOf(search, 'csv')).not.toHaveProperty('cursor');
    expect(exportInputOf(search, 'csv')).not.toHaveProperty('limit');
  });

  it('starts at the first page when the filter changes, and clears filters but not sort or page size', () => {
    const search = parseInventorySearch({
      status: ['active'],
      sort: 'kind',
      limit: 100,
      cursor: 'abc',
      page: 4,
    });

    expect(firstPage(search)).toEqual({
      status: ['active'],
      sort: 'kind',
      limit: 100,
      cursor: undefined,
      page: undefined,
    });
    expect(hasFilters(search)).toBe(true);
    expect(withoutFilters(search)).toEqual({ sort: 'kind', dir: undefined, limit: 100 });
    expect(hasFilters(withoutFilters(search))).toBe(false);
    expect(hasFilters(parseInventorySearch({ q: '   ' }))).toBe(false);
  });
});

describe('inventory URL state of a scan’s changes', () => {
  const scanId = '0b6f5c1e-2a3d-4e5f-8a9b-1c2d3e4f5a6b';

  it('turns a scan and one kind of change into the list filter', () => {
    const search = parseInventorySearch({ scan: scanId, change: 'missing' });

    expect(listInputOf(search)).toMatchObject({ scan: scanId, scanChange: 'missing' });
    expect(hasFilters(search)).toBe(true);
  });

  it('drops a change that names no scan, an unknown change and a scan that is no id', () => {
    expect(parseInventorySearch({ change: 'missing' })).toEqual({});
    expect(parseInventorySearch({ scan: scanId, change: 'gone' })).toEqual({ scan: scanId });
    expect(parseInventorySearch({ scan: 'latest' })).toEqual({});
  });
});
