import { describe, expect, it } from 'vitest';
import type { DiscoveredNhi } from '../connector.ts';
import { accessKeyHint, reconcileAccessKeys } from './access-keys.ts';

const arn = 'arn:aws:iam::111122223333:user/ci';
const fingerprint = async (secret: string) => `fp(${secret})`;
const dateOf = (value: string | null | undefined) => (value == null ? value : new Date(value));
const reported: DiscoveredNhi = {
  provider: 'aws',
  externalId: arn,
  kind: 'service_account',
  name: 'ci',
  credentials: [
    {
      key: 'access_key_1',
      kind: 'access_key',
      status: 'active',
      lastRotatedAt: new Date('2024-01-02T00:00:00Z'),
      lastUsedAt: new Date('2024-06-01T00:00:00Z'),
    },
    {
      key: 'access_key_2',
      kind: 'access_key',
      status: 'active',
      lastRotatedAt: new Date('2024-03-01T00:00:00Z'),
      lastUsedAt: null,
    },
  ],
  facts: [
    {
      kind: 'credential.never_used',
      subject: `${arn}|access_key_2`,
      credentialKey: 'access_key_2',
      evidence: { key: 'access_key_2' },
    },
    { kind: 'aws.multiple_active_keys', subject: arn, evidence: { keys: ['access_key_1', 'access_key_2'] } },
  ],
};

describe('access keys listed live and reported', () => {
  it.each([
    {
      case: 'a key the report calls unused that AWS has since seen used',
      key: {
        accessKeyId: 'AKIAEXAMPLEKEY005678',
        createDate: '2024-03-01T00:00:00Z',
        lastUsedAt: '2026-10-30T00:00:00Z',
      },
      neverUsed: [],
    },
    {
      case: 'a key the report calls unused that AWS has still never seen used',
      key: { accessKeyId: 'AKIAEXAMPLEKEY005678', createDate: '2024-03-01T00:00:00Z', lastUsedAt: null },
      neverUsed: ['AKIA…5678'],
    },
    {
      case: 'a key made after the report that AWS has never seen used',
      key: { accessKeyId: 'AKIAEXAMPLEKEY009999', createDate: '2026-10-31T00:00:00Z', lastUsedAt: null },
      neverUsed: ['AKIA…9999'],
    },
    {
      case: 'a key made after the report whose last use AWS was not asked for',
      key: { accessKeyId: 'AKIAEXAMPLEKEY009999', createDate: '2026-10-31T00:00:00Z', lastUsedAt: undefined },
      neverUsed: [],
    },
  ])('reports never used from GetAccessKeyLastUsed: $case', async ({ key, neverUsed }) => {
    const merged = await reconcileAccessKeys(
      reported,
      [
        {
          accessKeyId: key.accessKeyId,
          status: 'Active',
          createDate: new Date(key.createDate),
          lastUsedAt: dateOf(key.lastUsedAt),
        },
      ],
      fingerprint,
    );

    expect(
      merged.facts.filter((fact) => fact.kind === 'credential.never_used').map((fact) => fact.credentialKey),
    ).toEqual(neverUsed);
  });

  it('merges a reported slot and a listed key created when the slot was rotated into one credential', async () => {
    const merged = await reconcileAccessKeys(
      reported,
      [
        {
          accessKeyId: 'AKIAEXAMPLEKEY001234',
          status: 'Active',
          createDate: new Date('2024-01-02T00:00:00.400Z'),
        },
      ],
      fingerprint,
    );

    expect(merged.credentials).toEqual([
      {
        key: 'AKIA…1234',
        kind: 'access_key',
        status: 'active',
        fingerprint: 'fp(AKIAEXAMPLEKEY001234)',
        providerCreatedAt: new Date('2024-01-02T00:00:00.400Z'),
        lastRotatedAt: new Date('2024-01-02T00:00:00.400Z'),
        lastUsedAt: new Date('2024-06-01T00:00:00Z'),
      },
    ]);
    // access_key_2 was deleted since the report: its never-used fact goes with it.
    expect(merged.facts).toEqual([
      { kind: 'aws.multiple_active_keys', subject: arn, evidence: { keys: ['AKIA…1234', 'access_key_2'] } },
    ]);
  });

  it('moves a fact about a slot to its key', async () => {
    const merged = await reconcileAccessKeys(
      reported,
      [
        {
          accessKeyId: 'AKIAEXAMPLEKEY005678',
          status: 'Active',
          createDate: new Date('2024-03-01T00:00:00Z'),
        },
      ],
      fingerprint,
    );

    expect(merged.facts[0]).toEqual({
      kind: 'credential.never_used',
      subject: `${arn}|AKIA…5678`,
      credentialKey: 'AKIA…5678',
      evidence: { key: 'AKIA…5678' },
    });
  });

  it('shows the kind of key and its last four characters', () => {
    expect(accessKeyHint('ASIAEXAMPLEKEY00WXYZ')).toBe('ASIA…WXYZ');
  });
});
