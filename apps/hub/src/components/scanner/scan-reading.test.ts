import { describe, expect, it } from 'vitest';
import { readingSummary } from './scan-reading.ts';

const base = {
  itemsRead: 12,
  itemsUnit: 'Kubernetes objects',
  itemsTotal: 3,
  itemsProcessed: 3,
  warningCount: 0,
};

describe('what a scan says it read', () => {
  it('names the items of the input, not only its identities', () => {
    expect(readingSummary({ ...base, state: 'succeeded' })).toBe(
      'Read 12 Kubernetes objects, none of them with a problem; 3 of 3 identities and leaks reconciled.',
    );
  });

  it('says a failed scan failed and what it had read, never that everything was read', () => {
    const summary = readingSummary({ ...base, state: 'failed', itemsProcessed: 1 });

    expect(summary).toBe(
      'The scan failed after reading 12 Kubernetes objects; 1 of 3 identities and leaks were reconciled before it stopped.',
    );
    expect(readingSummary({ ...base, state: 'failed', itemsRead: null })).toBe(
      'The scan failed before it could read its input.',
    );
  });

  it('counts the problems of a scan that read its input with warnings', () => {
    expect(readingSummary({ ...base, state: 'succeeded', warningCount: 2 })).toContain(
      '2 problems reported below',
    );
  });
});
