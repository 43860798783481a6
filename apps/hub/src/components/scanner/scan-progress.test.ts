import { describe, expect, it } from 'vitest';
import { progressSummary } from './scan-progress.ts';

const progress = {
  unit: 'accounts',
  total: 50,
  done: 23,
  failed: ['staging (333333333333)', 'audit (444444444444)'],
  reading: ['dev (555555555555)'],
};

describe('what an organization scan says of its accounts', () => {
  it('counts the accounts done and failed, naming those failed and those being read', () => {
    expect(progressSummary(progress, true)).toBe(
      'Reading accounts: 23 of 50, 2 failed (staging (333333333333), audit (444444444444)); now reading dev (555555555555).',
    );
  });

  it('names the first few of a long list and counts the rest', () => {
    const reading = ['a', 'b', 'c', 'd', 'e'];

    expect(progressSummary({ ...progress, failed: [], reading }, true)).toBe(
      'Reading accounts: 23 of 50; now reading a, b, c and 2 more.',
    );
  });

  it('says what was read once the scan has ended', () => {
    expect(progressSummary({ ...progress, done: 50, failed: ['staging'], reading: [] }, false)).toBe(
      'Read 50 of 50 accounts, 1 failed (staging).',
    );
  });
});
