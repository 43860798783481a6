import { describe, expect, it } from 'vitest';
import { owaspIds } from '../api/alert.schema.ts';
import { owaspLabelOf, owaspNhiIds } from './owasp-nhi.ts';

describe('OWASP NHI Top 10 names', () => {
  it('names every risk an alert may carry, in the Top 10 order', () => {
    expect(owaspNhiIds).toEqual(owaspIds);
  });

  it('reads an id with its name, and an id outside the Top 10 as itself', () => {
    expect(owaspLabelOf('NHI1')).toBe('NHI1 Improper Offboarding');
    expect(owaspLabelOf('NHI10')).toBe('NHI10 Human Use of NHI');
    expect(owaspLabelOf('NHI11')).toBe('NHI11');
  });
});
