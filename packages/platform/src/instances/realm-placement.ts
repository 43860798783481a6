import type { RealmRef } from '../context/request-context.ts';
import type { PlatformDatabase } from '../database/platform-database.ts';

/**
 * A realm by its slug with where it is served, for routes that carry no credential to read it
 * with (providers' webhooks): `placement` set when a worker instance serves it, `movingTo` while
 * `nhi realm move` copies it. Null for a realm this database does not know.
 */
export async function realmBySlug(db: PlatformDatabase, slug: string): Promise<RealmRef | null> {
  const realm = await db.systemPrisma.realm.findUnique({
    where: { slug },
    select: { id: true, slug: true, movingTo: true, instance: { select: { name: true, baseUrl: true } } },
  });
  if (!realm) return null;
  return {
    id: realm.id,
    slug: realm.slug,
    ...(realm.instance
      ? { placement: { instance: realm.instance.name, baseUrl: realm.instance.baseUrl } }
      : {}),
    ...(realm.movingTo ? { movingTo: realm.movingTo } : {}),
  };
}
