import { viewSearchOf } from '@nhi/platform';
import { describe, expect, it } from 'vitest';
import { savedViewPages } from './domains.ts';

const alertId = '0193a3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b';

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  return 'accepted';
}

describe('saved views checked by the pages’ own URL schemas', () => {
  it('keeps an alert queue search as the page reads it, without paging', () => {
    const search = { severity: 'high', sort: 'risk', order: 'desc', group: 'rule', after: alertId };

    expect(viewSearchOf('alerts', savedViewPages.alerts, search)).toEqual({
      severity: 'high',
      sort: 'risk',
      order: 'desc',
      group: 'rule',
    });
  });

  it('refuses alert parameters the page would drop or read otherwise', () => {
    const search = { severity: 'urgent', colour: 'red', environment: ['production'] };

    expect(refusal(() => viewSearchOf('alerts', savedViewPages.alerts, search))).toBe(
      'The alerts page does not understand these search parameters: severity, colour',
    );
  });

  it('keeps an inventory search without its cursor and page, and refuses what the page drops', () => {
    const search = { provider: ['aws'], olderThan: 90, q: 'prod', cursor: 'abc', page: 2, limit: 100 };

    expect(viewSearchOf('inventory', savedViewPages.inventory, search)).toEqual({
      provider: ['aws'],
      olderThan: 90,
      q: 'prod',
      limit: 100,
    });
    expect(
      refusal(() => viewSearchOf('inventory', savedViewPages.inventory, { provider: ['aws', 'mainframe'] })),
    ).toBe('The inventory page does not understand these search parameters: provider');
  });
});
