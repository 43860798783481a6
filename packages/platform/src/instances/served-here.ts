import type { PlatformDatabase } from '../database/platform-database.ts';

/**
 * The realms whose schedules (evaluation, delivery, snapshots) run in this process's database: a
 * realm placed on a worker instance has its data, and so its jobs, there. On a worker every realm
 * it holds is its own (placement is the hub's record).
 */
export async function realmIdsServedHere(db: PlatformDatabase): Promise<string[]> {
  const realms = await db.systemPrisma.realm.findMany({ where: { instanceId: null }, select: { id: true } });
  return realms.map((realm) => realm.id);
}

/** Whether `realmId` is served by this process's database (see realmIdsServedHere). */
export async function isRealmServedHere(db: PlatformDatabase, realmId: string): Promise<boolean> {
  const realm = await db.systemPrisma.realm.findUnique({
    where: { id: realmId },
    select: { instanceId: true },
  });
  return realm !== null && realm.instanceId === null;
}

/**
 * Whether a job of the realm runs in this process's database now (the job queue's realm gate):
 * not for a realm whose data is elsewhere (placed on a worker, or moved away and gone), and not
 * yet while a move copies it, so the copy reads a realm nobody writes.
 */
export async function realmJobGate(db: PlatformDatabase, realmId: string): Promise<'run' | 'hold' | 'skip'> {
  const realm = await db.systemPrisma.realm.findUnique({
    where: { id: realmId },
    select: { instanceId: true, movingSince: true },
  });
  if (!realm || realm.instanceId !== null) return 'skip';
  return realm.movingSince ? 'hold' : 'run';
}
