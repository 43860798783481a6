import { describe, expect, it } from 'vitest';
import {
  normalisedName,
  type OwnershipValues,
  ownerOf,
  ownershipHints,
  reasonOf,
} from './owner-suggestion-rules.ts';

const none: OwnershipValues = {
  tags: [],
  awsTags: null,
  labels: null,
  annotations: null,
  namespaceLabels: null,
  namespaceAnnotations: null,
};

describe('ownership hints', () => {
  it('reads owner keys of tags, labels and annotations, and nothing else', () => {
    const hints = ownershipHints({
      ...none,
      tags: ['team:payments', 'critical', 'cost-center=42'],
      awsTags: { Owner: 'ana@example.com', Environment: 'prod' },
      labels: { 'app.kubernetes.io/part-of': 'checkout', tier: 'web' },
      namespaceAnnotations: { 'example.com/squad': 'Platform', note: 'team=nope' },
    });

    expect(hints.map(reasonOf)).toEqual([
      'AWS tag Owner=ana@example.com',
      'ServiceAccount label app.kubernetes.io/part-of=checkout',
      'namespace annotation example.com/squad=Platform',
      'tag team=payments',
    ]);
  });

  it.each([
    ['gcp', { team: 'payments' }, 'Google Cloud label team=payments'],
    ['azure', { owner: 'ana@example.com' }, 'Entra ID application owner=ana@example.com'],
    ['gitlab', { owner: 'ana@example.com' }, 'GitLab owner=ana@example.com'],
  ])('names the provider whose tags hold the hint (%s)', (provider, awsTags, reason) => {
    expect(ownershipHints({ ...none, provider, awsTags }).map(reasonOf)).toEqual([reason]);
  });

  it('ignores values that are not strings, blank, or too long to be a name', () => {
    const hints = ownershipHints({
      ...none,
      awsTags: { team: 'x'.repeat(201) },
      labels: { team: '  ' },
      annotations: ['team'],
      namespaceLabels: { owner: 7 },
    });
    expect(hints).toEqual([]);
  });
});

describe('the owner a hint names', () => {
  const directory = {
    groupsByName: new Map([
      [normalisedName('Payments Team'), ['g-payments']],
      [normalisedName('ops'), ['g-ops-eu', 'g-ops-us']],
    ]),
    membersByEmail: new Map([['eve@example.com', 'u-eve']]),
  };
  const hint = (value: string) => ({ where: 'AWS tag', key: 'team', value });

  it('matches a group by name whatever the case, separators or CODEOWNERS prefix', () => {
    for (const value of ['payments-team', 'PAYMENTS_TEAM', 'payments.team', '@acme/payments-team'])
      expect(ownerOf(hint(value), directory)).toEqual({ groupId: 'g-payments' });
  });

  it('matches a member by email, and no one for an unknown email or an ambiguous name', () => {
    expect(ownerOf(hint('Eve@Example.com'), directory)).toEqual({ userId: 'u-eve' });
    expect(ownerOf(hint('mallory@example.com'), directory)).toBeUndefined();
    expect(ownerOf(hint('ops'), directory)).toBeUndefined();
  });
});
