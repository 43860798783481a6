import { randomUUID } from 'node:crypto';
import {
  createCaller,
  openRequestScope,
  type Principal,
  RealmDb,
  type RealmSummary,
  router,
} from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
// The hub loads every domain, whose permissions (source:read) exist only once imported.
import '@nhi/scanner';
import { dashboardRouter } from '../api/dashboard.procedures.ts';
import type { SearchHit } from '../api/global-search-view.ts';
import { setupDashboard } from '../testing/dashboard-test-setup.ts';

const appRouter = router({ dashboard: dashboardRouter });

const ofKind = (hits: SearchHit[], kind: SearchHit['kind']) => hits.filter((hit) => hit.kind === kind);

describeEachDatabase('dashboard.search', (_kind, newDatabase) => {
  /**
   * The dashboard fixture (identities svc-000… in realms `hub` and `other`, sources "prod account"
   * and "github org" in both), plus an alert of a catalogue rule in the hub realm.
   */
  async function setup() {
    const t = await setupDashboard(newDatabase);
    const db = new RealmDb(t.db, t.hubRealm.id);
    const unownedAlertId = randomUUID();
    await db.transaction(async (tx) => {
      // A few matches only: the search index finds them, and ranks a name starting with the text first.
      await tx.nhi.createMany({
        data: [
          { kind: 'api_key', provider: 'aws', externalId: 'x-1', name: 'a-billing-export' },
          { kind: 'api_key', provider: 'aws', externalId: 'x-2', name: 'billing-sync' },
          { kind: 'api_key', provider: 'aws', externalId: 'x-3', name: 'ledger', description: 'billing' },
        ],
      });
      const nhi = await tx.nhi.findFirstOrThrow({ where: { name: 'svc-001' }, select: { id: true } });
      await tx.alert.create({
        data: {
          id: unownedAlertId,
          fingerprint: 'catalogue-rule',
          ruleId: 'nhi1.unowned',
          owaspId: 'NHI1',
          severity: 'medium',
          nhiId: nhi.id,
          subject: `nhi:${nhi.id}`,
          firstSeenAt: t.at(-2),
          lastSeenAt: t.at(-1),
          stateChangedAt: t.at(-1),
        },
        select: { id: true },
      });
    });

    const callerAs = async (principal: Principal, realm: RealmSummary = t.hubRealm) =>
      createCaller(
        appRouter,
        t.root,
        await openRequestScope(t.root, {
          context: { requestId: 'test', realm, principal, clock: t.clock },
          credential: 'bearer',
        }),
      );
    const userPrincipal = (user: { id: string; email: string }): Principal => ({
      kind: 'user',
      userId: user.id,
      email: user.email,
      sessionId: 'test',
    });
    const search = async (q: string, user = t.ana, realm?: RealmSummary) =>
      (await callerAs(userPrincipal(user), realm)).dashboard.search.query({ q });
    /** Vic's API token narrowed to the inventory: no alert:read, no source:read. */
    const searchWithInventoryToken = async (q: string) =>
      (
        await callerAs({
          kind: 'token',
          userId: t.vic.id,
          email: t.vic.email,
          tokenId: 'inventory-token',
          tokenPermissions: ['realm:read', 'nhi:read'],
        })
      ).dashboard.search.query({ q });
    const idsIn = async (realm: RealmSummary, model: 'nhi' | 'alert' | 'source') => {
      const realmDb = new RealmDb(t.db, realm.id);
      const rows: { id: string }[] = await realmDb.transaction((tx) =>
        model === 'nhi'
          ? tx.nhi.findMany({ select: { id: true } })
          : model === 'alert'
            ? tx.alert.findMany({ select: { id: true } })
            : tx.source.findMany({ select: { id: true } }),
      );
      return new Set(rows.map((row) => row.id));
    };
    return { ...t, unownedAlertId, search, searchWithInventoryToken, idsIn };
  }

  it('finds live identities by name in name order, five at most, never a deleted one', async () => {
    const t = await setup();

    const { q, hits } = await t.search('  SVC-01 ');

    expect(q).toBe('SVC-01');
    // svc-010 is deleted: a quick search never offers it.
    expect(ofKind(hits, 'identity').map((hit) => hit.label)).toEqual([
      'svc-011',
      'svc-012',
      'svc-013',
      'svc-014',
      'svc-015',
    ]);
    expect(ofKind(hits, 'identity')[0]?.detail).toMatch(/^hub-11 · /);
  });

  it('ranks a name starting with the text before one containing it; a description does not match', async () => {
    const t = await setup();

    const { hits } = await t.search('Billing');

    expect(ofKind(hits, 'identity').map((hit) => hit.label)).toEqual(['billing-sync', 'a-billing-export']);
  });

  it('finds identities by externalId, and sources by name', async () => {
    const t = await setup();

    const byExternalId = await t.search('hub-42');
    const sources = await t.search('github');

    expect(ofKind(byExternalId.hits, 'identity').map((hit) => hit.label)).toEqual(['svc-042']);
    expect(ofKind(sources.hits, 'source')).toEqual([
      {
        kind: 'source',
        id: t.hubSources.scannedSourceId,
        label: 'github org',
        detail: 'github · development',
      },
    ]);
  });

  it('finds alerts by their rule’s title and by their identity’s name', async () => {
    const t = await setup();

    const byTitle = await t.search('without an owner');
    const byIdentity = await t.search('svc-001');

    expect(ofKind(byTitle.hits, 'alert')).toEqual([
      {
        kind: 'alert',
        id: t.unownedAlertId,
        label: 'Machine identity without an owner',
        detail: 'medium · open · svc-001',
      },
    ]);
    expect(ofKind(byIdentity.hits, 'alert').map((hit) => hit.id)).toContain(t.unownedAlertId);
    expect(ofKind(byIdentity.hits, 'alert').every((hit) => hit.detail.endsWith(' · svc-001'))).toBe(true);
  });

  it('offers the pages the caller may open: the users page to an admin, not to a viewer', async () => {
    const t = await setup();

    const admin = await t.search('users', t.ana);
    const viewer = await t.search('users', t.vic);

    expect(ofKind(admin.hits, 'page')).toEqual([
      { kind: 'page', id: '/users', label: 'Users', detail: 'Members of the realm: invite, roles, removal' },
    ]);
    expect(ofKind(viewer.hits, 'page')).toEqual([]);
  });

  it('searches only the kinds the caller may read: a token without alert:read gets no alert', async () => {
    const t = await setup();

    const member = await t.search('svc-00', t.vic);
    const token = await t.searchWithInventoryToken('svc-00');
    const tokenPages = await t.searchWithInventoryToken('alerts');

    expect(ofKind(member.hits, 'alert').length).toBeGreaterThan(0);
    expect(ofKind(token.hits, 'identity').length).toBe(5);
    expect(token.hits.map((hit) => hit.kind)).not.toContain('alert');
    expect(ofKind(tokenPages.hits, 'page').map((hit) => hit.id)).not.toContain('/alerts');
  });

  it('never returns what another realm holds, though its names are the same', async () => {
    const t = await setup();

    const hub = await t.search('svc-00', t.ana);
    const sources = await t.search('prod', t.ana);
    const other = await t.search('svc-00', t.oli, t.otherRealm);

    const [hubNhis, hubAlerts, hubSources, otherNhis] = await Promise.all([
      t.idsIn(t.hubRealm, 'nhi'),
      t.idsIn(t.hubRealm, 'alert'),
      t.idsIn(t.hubRealm, 'source'),
      t.idsIn(t.otherRealm, 'nhi'),
    ]);
    expect(ofKind(hub.hits, 'identity').length).toBe(5);
    expect(ofKind(hub.hits, 'identity').every((hit) => hubNhis.has(hit.id))).toBe(true);
    expect(ofKind(hub.hits, 'alert').every((hit) => hubAlerts.has(hit.id))).toBe(true);
    expect(ofKind(sources.hits, 'source').map((hit) => hit.id)).toEqual([t.hubSources.sourceId]);
    expect(ofKind(sources.hits, 'source').every((hit) => hubSources.has(hit.id))).toBe(true);
    expect(ofKind(other.hits, 'identity').length).toBeGreaterThan(0);
    expect(ofKind(other.hits, 'identity').every((hit) => otherNhis.has(hit.id))).toBe(true);
  });

  it('refuses text shorter than two characters', async () => {
    const t = await setup();

    const refused = await t.search(' a ').catch((error: unknown) => error);

    expect((refused as { data?: { code: string } }).data?.code).toBe('BAD_REQUEST');
  });
});
