import { type Coverage, coversOwner, NotFoundError, type RealmTx } from '@nhi/platform';

/**
 * Refuses, as NOT_FOUND (what an alert of another realm gets), the first of the alerts the coverage
 * does not reach: an alert is reached when its identity's owner team is; an alert about no
 * identity, or about one that is gone, is the central team's. For one alert or a bulk selection
 * read before any change, so a selection with one alert outside changes nothing.
 */
export async function assertAlertsCovered(
  tx: RealmTx,
  coverage: Coverage,
  alerts: readonly { id: string; nhiId: string | null }[],
): Promise<void> {
  if (coverage.kind === 'all') return;
  const nhiIds = [...new Set(alerts.flatMap((alert) => (alert.nhiId ? [alert.nhiId] : [])))];
  const owners = nhiIds.length
    ? await tx.nhi.findMany({ where: { id: { in: nhiIds } }, select: { id: true, ownerGroupId: true } })
    : [];
  const ownerOf = new Map(owners.map((nhi) => [nhi.id, nhi.ownerGroupId]));
  const outside = alerts.find(
    (alert) =>
      !alert.nhiId || !ownerOf.has(alert.nhiId) || !coversOwner(coverage, ownerOf.get(alert.nhiId) ?? null),
  );
  if (outside) throw new NotFoundError('Alert', outside.id);
}
