import '@nhi/nhi';
import { authenticateRequest, NotFoundError, SESSION_COOKIE } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { TRPCClientError } from '@trpc/client';
import { expect, it } from 'vitest';
import { setupHub } from '../../../test/support/hub-setup.ts';
import type { AppRouter } from '../app-router.ts';
import { hubCaller } from '../rpc/caller.server.ts';

describeEachDatabase('inventory pages through the caller', (_kind, newDatabase) => {
  async function setup() {
    const hub = await setupHub(newDatabase);
    await hub.realm('hub', 'Hub');
    await hub.realm('ops', 'Operations');
    const ada = await hub.member('ada@example.test', 'hub', 'admin');
    const eve = await hub.member('eve@example.test', 'hub', 'editor');
    await hub.member('vic@example.test', 'hub', 'viewer');
    await hub.member('oli@example.test', 'ops', 'admin');
    async function callerOf(email: string) {
      const { token } = await hub.logIn(email);
      const scope = await authenticateRequest(hub.root, {
        headers: new Headers({ cookie: `${SESSION_COOKIE}=${token}` }),
        requestId: 'test',
      });
      return hubCaller(hub.root, scope);
    }
    return { ...hub, ada, eve, callerOf };
  }

  it('offers the realm’s members as owners and says what the caller may do', async () => {
    const t = await setup();

    const viewer = await (await t.callerOf('vic@example.test')).nhi.context.query();
    const editor = await (await t.callerOf('eve@example.test')).nhi.context.query();
    const admin = await (await t.callerOf('ada@example.test')).nhi.context.query();

    expect(admin.members.map((member) => member.email)).toEqual([
      'ada@example.test',
      'eve@example.test',
      'vic@example.test',
    ]);
    expect(viewer.can).toEqual({ write: false, delete: false, import: false, decideOwners: false });
    expect(editor.can).toEqual({ write: true, delete: false, import: true, decideOwners: false });
    expect(admin.can).toEqual({ write: true, delete: true, import: true, decideOwners: true });
    expect(admin.asOf).toEqual(t.clock.now());
  });

  it('shows an identity with its versions and audit trail, and answers a save with the record', async () => {
    const t = await setup();
    const ada = await t.callerOf('ada@example.test');
    const created = await ada.nhi.create.mutate({
      kind: 'bot',
      provider: 'slack',
      externalId: 'B01',
      name: 'deploy-bot',
    });

    const saved = await ada.nhi.update.mutate({
      id: created.id,
      expectedVersion: created.version,
      changes: { ownerUserId: t.eve.id, environment: 'production' },
    });
    const page = await ada.page.nhi.query({ id: created.id });

    expect(saved).toMatchObject({ id: created.id, version: created.version + 1 });
    expect(saved.updatedAt).toBeInstanceOf(Date);
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
    expect(page.risk).not.toBeNull();
    // Made by hand: alerts to show (it is unowned at first), but no source and no scan that saw it.
    expect(page.alerts?.alerts.every((alert) => alert.nhiId === created.id)).toBe(true);
    expect(page.scans).toEqual({ source: null, observations: [] });
    expect((await ada.nhi.list.query({ q: 'deploy' })).total).toBe(1);
  });

  it('keeps a submitted secret out of every answer: only its hint and fingerprint come back', async () => {
    const t = await setup();
    const eve = await t.callerOf('eve@example.test');
    const nhi = await eve.nhi.create.mutate({
      kind: 'api_key',
      provider: 'other',
      externalId: 'k1',
      name: 'stripe',
    });
    const secret = 'sk_live_51Hx9QmD4pYtR2vB8nW0cZ7e';

    const added = await eve.nhi.credential.add.mutate({ nhiId: nhi.id, kind: 'api_key', secret });
    const page = await eve.page.nhi.query({ id: nhi.id });

    expect(added).toMatchObject({ hint: `…${secret.slice(-4)}` });
    expect(page.nhi.credentials).toEqual([
      expect.objectContaining({ id: added.id, hint: `…${secret.slice(-4)}` }),
    ]);
    expect(page.nhi.credentials[0]?.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify([added, page])).not.toContain(secret);
  });

  it('does not show an identity of another realm: the caller brings the domain’s NOT_FOUND', async () => {
    const t = await setup();
    const nhi = await (await t.callerOf('ada@example.test')).nhi.create.mutate({
      kind: 'bot',
      provider: 'slack',
      externalId: 'B02',
      name: 'hub-only',
    });
    const oli = await t.callerOf('oli@example.test');

    const refused = await oli.page.nhi.query({ id: nhi.id }).catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(TRPCClientError);
    expect((refused as TRPCClientError<AppRouter>).data?.code).toBe('NOT_FOUND');
    expect(originOf(refused)).toBeInstanceOf(NotFoundError);
    expect((await oli.nhi.context.query()).members.map((m) => m.email)).toEqual(['oli@example.test']);
  });

  it('refuses what the caller’s role does not grant, and changes nothing', async () => {
    const t = await setup();
    const ada = await t.callerOf('ada@example.test');
    const nhi = await ada.nhi.create.mutate({ kind: 'bot', provider: 'slack', externalId: 'B03', name: 'b' });
    const vic = await t.callerOf('vic@example.test');

    const refused = await vic.nhi.delete.mutate({ id: nhi.id }).catch((error: unknown) => error);

    expect((refused as TRPCClientError<AppRouter>).data?.code).toBe('FORBIDDEN');
    expect((await ada.nhi.get.query({ id: nhi.id })).deletedAt).toBeNull();
  });
});

function originOf(error: unknown): unknown {
  let current = error;
  while (current instanceof Error && current.cause) current = current.cause;
  return current;
}
