import type { RealmTx } from '@nhi/platform';
import type { AlertHistoryEntry, AlertHistoryLine } from './alert-detail.ts';

/**
 * Names who made each change: a member's email, an API token's name, or "system" for the
 * evaluations. A user or token since deleted keeps a short form of its id, so the line still
 * tells one actor from another.
 */
export async function withActorLabels<T extends AlertHistoryEntry>(
  tx: RealmTx,
  entries: T[],
): Promise<(T & Pick<AlertHistoryLine, 'actor'>)[]> {
  const idsOf = (type: AlertHistoryEntry['actorType']) => [
    ...new Set(entries.flatMap((e) => (e.actorType === type && e.actorId ? [e.actorId] : []))),
  ];
  const userIds = idsOf('user');
  const tokenIds = idsOf('token');
  const users = userIds.length
    ? await tx.user.findMany({ where: { id: { in: userIds } }, select: { id: true, email: true } })
    : [];
  const tokens = tokenIds.length
    ? await tx.apiToken.findMany({ where: { id: { in: tokenIds } }, select: { id: true, name: true } })
    : [];
  const emails = new Map(users.map((user) => [user.id, user.email]));
  const tokenNames = new Map(tokens.map((token) => [token.id, token.name]));
  const short = (id: string | null) => id?.slice(0, 8) ?? 'unknown';
  return entries.map((entry) => {
    const id = entry.actorId ?? '';
    const actor =
      entry.actorType === 'user'
        ? (emails.get(id) ?? `former member ${short(entry.actorId)}`)
        : entry.actorType === 'token'
          ? `API token ${tokenNames.get(id) ?? short(entry.actorId)}`
          : 'system';
    return { ...entry, actor };
  });
}
