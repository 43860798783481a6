import '@nhi/nhi';
import { authenticateRequest, NotFoundError, SESSION_COOKIE } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { setupHub } from '../../../test/support/hub-setup.ts';
import {
  addCredentialFor,
  createNhiFor,
  inventoryContextOf,
  listNhisOf,
  nhiPageOf,
  updateNhiFor,
} from './nhi.server.ts';

describeEachDatabase('inventory pages', (_kind, newDatabase) => {
  async function setup() {
    const hub = await setupHub(newDatabase);
    await hub.realm('hub', 'Hub');
    await hub.realm('ops', 'Operations');
    const ada = await hub.member('ada@example.test', 'hub', 'admin');
    const eve = await hub.member('eve@example.test', 'hub', 'editor');
    await hub.member('vic@example.test', 'hub', 'viewer');
    await hub.member('oli@example.test', 'ops', 'admin');
    async function scopeOf(email: string) {
      const { token } = await hub.logIn(email);
      return authenticateRequest(hub.root, {
        headers: new Headers({ cookie: `${SESSION_COOKIE}=${token}` }),
        requestId: 'test',
      });
    }
    return { ...hub, ada, eve, scopeOf };
  }

  it('offers the realm’s members as owners and says what the caller may do', async () => {
    const t = await setup();

    const viewer = await inventoryContextOf(await t.scopeOf('vic@example.test'));
    const editor = await inventoryContextOf(await t.scopeOf('eve@example.test'));
    const admin = await inventoryContextOf(await t.scopeOf('ada@example.test'));

    expect(admin.members.map((member) => member.email)).toEqual([
      'ada@example.test',
      'eve@example.test',
      'vic@example.test',
    ]);
    expect(viewer.can).toEqual({ write: false, delete: false, import: false });
    expect(editor.can).toEqual({ write: true, delete: false, import: true });
    expect(admin.can).toEqual({ write: true, delete: true, import: true });
    expect(admin.asOf).toEqual(t.clock.now());
  });

  it('shows an identity with its versions and audit trail, and answers a save with where it stands', async () => {
    const t = await setup();
    const ada = await t.scopeOf('ada@example.test');
    const created = await createNhiFor(ada, {
      kind: 'bot',
      provider: 'slack',
      externalId: 'B01',
      name: 'deploy-bot',
    });

    const saved = await updateNhiFor(ada, {
      id: created.id,
      expectedVersion: created.version,
      changes: { ownerUserId: t.eve.id, environment: 'production' },
    });
    const page = await nhiPageOf(ada, created.id);

    expect(saved).toEqual({ id: created.id, version: created.version + 1 });
    expect(page.nhi).toMatchObject({
      name: 'deploy-bot',
      owner: { email: 'eve@example.test' },
      version: saved.version,
    });
    expect(page.history.map((entry) => entry.version).sort()).toEqual([1, 2]);
    expect(page.history.find((entry) => entry.version === 2)?.changes).toMatchObject({
      ownerUserId: { before: null, after: t.eve.id },
      environment: { after: 'production' },
    });
    expect(page.audit.map((entry) => entry.action)).toEqual(
      expect.arrayContaining(['nhi.create', 'nhi.update']),
    );
    expect((await listNhisOf(ada, { q: 'deploy' })).total).toBe(1);
  });

  it('keeps a submitted secret out of every answer: only its hint and fingerprint come back', async () => {
    const t = await setup();
    const eve = await t.scopeOf('eve@example.test');
    const nhi = await createNhiFor(eve, {
      kind: 'api_key',
      provider: 'other',
      externalId: 'k1',
      name: 'stripe',
    });
    const secret = 'sk_live_51Hx9QmD4pYtR2vB8nW0cZ7e';

    const added = await addCredentialFor(eve, { nhiId: nhi.id, kind: 'api_key', secret });
    const page = await nhiPageOf(eve, nhi.id);

    expect(Object.keys(added)).toEqual(['id']);
    expect(page.nhi.credentials).toEqual([
      expect.objectContaining({ id: added.id, hint: `…${secret.slice(-4)}` }),
    ]);
    expect(page.nhi.credentials[0]?.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(page)).not.toContain(secret);
  });

  it('does not show an identity of another realm', async () => {
    const t = await setup();
    const nhi = await createNhiFor(await t.scopeOf('ada@example.test'), {
      kind: 'bot',
      provider: 'slack',
      externalId: 'B02',
      name: 'hub-only',
    });

    await expect(nhiPageOf(await t.scopeOf('oli@example.test'), nhi.id)).rejects.toThrow(NotFoundError);
    expect(
      (await inventoryContextOf(await t.scopeOf('oli@example.test'))).members.map((m) => m.email),
    ).toEqual(['oli@example.test']);
  });
});
