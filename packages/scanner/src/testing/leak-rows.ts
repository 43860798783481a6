import type { RealmTx } from '@nhi/platform';

/**
 * A source of leaked secrets with one finding, an AWS key in `deploy/.env`, as the export tests list
 * it: the row a scan writes, only its masked match and fingerprint, never a secret.
 */
export async function insertLeakedKey(tx: RealmTx): Promise<{ sourceId: string }> {
  const source = await tx.source.create({ data: { type: 'secrets', name: 'repos' }, select: { id: true } });
  await tx.leak.create({
    data: {
      sourceId: source.id,
      scanId: 'scan-1',
      rule: 'aws-access-token',
      file: 'deploy/.env',
      line: 3,
      maskedMatch: 'AKIA…WXYZ',
      fingerprint: 'fp-1',
      locationKey: 'loc-1',
    },
    select: { id: true },
  });
  return { sourceId: source.id };
}
