import { openRequestScope, type RealmSummary, SecretFingerprints } from '@nhi/platform';
import { describeEachDatabase, setupHub } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import '../api/nhi.permissions.ts';
import { NhiService } from '../service/nhi.service.ts';
import { NhiQueryService } from '../service/nhi-query.service.ts';
import { findTextContaining } from '../testing/secret-scan.ts';
import { generateDemoInventory } from './demo-generator.ts';
import {
  demoOwnerEmails,
  demoRealmName,
  demoRealmSlug,
  demoSeededAction,
  seedDemoRealm,
} from './demo-seed.ts';

describeEachDatabase('demo realm seed', (_kind, newDatabase) => {
  async function setup() {
    const hub = await setupHub(() => newDatabase());
    await hub.realm('hub', 'Hub');
    const admin = await hub.member('admin@nhi.local', 'hub', 'admin');
    const seed = (options: { onlyIfNew?: boolean } = {}) =>
      seedDemoRealm(hub.root, { adminEmail: admin.email, now: hub.clock.now(), ...options });
    async function servicesIn(realm: RealmSummary) {
      const scope = await openRequestScope(hub.root, {
        context: {
          requestId: 'test',
          realm,
          principal: { kind: 'user', userId: admin.id, email: admin.email, sessionId: 'test' },
          clock: hub.clock,
        },
        credential: 'bearer',
      });
      return { list: scope.container.resolve(NhiQueryService), nhis: scope.container.resolve(NhiService) };
    }
    const markers = (realmId: string) =>
      hub.db.systemPrisma.auditLog.count({ where: { realmId, action: demoSeededAction } });
    return { ...hub, admin, seed, servicesIn, markers };
  }

  it('creates the labelled demo realm with the admin as a member and the whole inventory', async () => {
    const t = await setup();

    const result = await t.seed();

    expect(result).toMatchObject({ seeded: true, realm: { slug: demoRealmSlug, name: demoRealmName } });
    const { list } = await t.servicesIn(result.realm);
    const page = await list.list({ limit: 500 });
    expect(page.total).toBe(result.nhis);
    expect(result.nhis).toBeGreaterThanOrEqual(200);
    expect(page.items.some((item) => item.owner === null)).toBe(true);
    expect(page.items.some((item) => item.owner?.email === t.admin.email)).toBe(true);
    expect((await list.list({ credentialOlderThanDays: 365, limit: 1 })).total).toBeGreaterThan(0);
    expect((await list.list({ expiringWithinDays: 30, limit: 1 })).total).toBeGreaterThan(0);
    const members = await t.db.systemPrisma.realmMembership.findMany({
      where: { realmId: result.realm.id },
      select: { role: true, user: { select: { email: true } } },
    });
    expect(members.map((m) => m.user.email).sort()).toEqual([t.admin.email, ...demoOwnerEmails].sort());
    expect(members.find((m) => m.user.email === t.admin.email)?.role).toBe('admin');
  });

  it('keeps fingerprints and hints of the generated secrets, never the secrets', async () => {
    const t = await setup();
    const [withKey] = generateDemoInventory({ now: t.clock.now(), ownerEmails: [] }).filter((nhi) =>
      nhi.credentials.some((credential) => credential.kind === 'access_key'),
    );
    const secret = withKey?.credentials.find((credential) => credential.kind === 'access_key')?.secret ?? '';
    const other =
      generateDemoInventory({ now: t.clock.now(), ownerEmails: [] }).find(
        (nhi) => nhi.kind === 'personal_access_token',
      )?.credentials[0]?.secret ?? '';

    await t.seed();

    const fingerprints = t.root.resolve(SecretFingerprints);
    const stored = await t.db.systemPrisma.credential.findFirst({
      where: { fingerprint: await fingerprints.fingerprint(secret) },
      select: { hint: true },
    });
    expect(stored?.hint).toBe(secret);
    expect(other).toMatch(/^ghp_/);
    expect(await findTextContaining(t.db, other)).toEqual([]);
    expect(await findTextContaining(t.db, other.slice(4))).toEqual([]);
  });

  it('leaves a seeded demo realm alone on a later first-start seed, changes included', async () => {
    const t = await setup();
    const first = await t.seed({ onlyIfNew: true });
    const { list, nhis } = await t.servicesIn(first.realm);
    const [item] = (await list.list({ limit: 1 })).items;
    if (!item) throw new Error('no demo identity');
    await nhis.update({
      id: item.id,
      expectedVersion: item.version,
      changes: { description: 'edited by hand' },
    });

    const second = await t.seed({ onlyIfNew: true });

    expect(second.seeded).toBe(false);
    expect((await nhis.get(item.id)).description).toBe('edited by hand');
    expect(await t.markers(first.realm.id)).toBe(1);
  });

  it('replaces the demo identities on refresh and touches no other realm', async () => {
    const t = await setup();
    const first = await t.seed();
    const hub = await t.db.systemPrisma.realm.findUniqueOrThrow({
      where: { slug: 'hub' },
      select: { id: true, slug: true, name: true },
    });
    const mine = await (await t.servicesIn(hub)).nhis.create({
      kind: 'bot',
      provider: 'slack',
      externalId: 'B1',
      name: 'kept',
    });
    const { list, nhis } = await t.servicesIn(first.realm);
    await nhis.create({ kind: 'bot', provider: 'slack', externalId: 'B-demo-extra', name: 'added by hand' });

    const second = await t.seed();

    expect(second.seeded).toBe(true);
    expect((await list.list({ limit: 1 })).total).toBe(first.nhis);
    expect((await list.list({ q: 'added by hand', limit: 1 })).total).toBe(0);
    expect((await (await t.servicesIn(hub)).nhis.get(mine.id)).name).toBe('kept');
  });
});
