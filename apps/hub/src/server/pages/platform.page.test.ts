import { authenticateRequest, SESSION_COOKIE } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { setupHub } from '../../../test/support/hub-setup.ts';
import { hubCaller } from '../rpc/caller.server.ts';

describeEachDatabase('platform pages through the caller', (_kind, newDatabase) => {
  async function setup() {
    const hub = await setupHub(newDatabase);
    await hub.realm('hub', 'Hub');
    await hub.realm('lab', 'Lab');
    await hub.member('ada@example.test', 'hub', 'admin');
    await hub.member('ada@example.test', 'lab', 'viewer');
    await hub.member('vic@example.test', 'hub', 'viewer');
    async function scopeOf(token: string) {
      return authenticateRequest(hub.root, {
        headers: new Headers({ cookie: `${SESSION_COOKIE}=${token}` }),
        requestId: 'test',
      });
    }
    async function callerOf(email: string) {
      return hubCaller(hub.root, await scopeOf((await hub.logIn(email)).token));
    }
    return { ...hub, scopeOf, callerOf };
  }

  it('offers a new token only the permissions the caller holds in the realm', async () => {
    const t = await setup();
    const vic = await t.callerOf('vic@example.test');
    const ada = await t.callerOf('ada@example.test');

    const viewer = await vic.page.tokens.query();
    const admin = await ada.page.tokens.query();

    expect(viewer.grantable.map((p) => p.key)).toEqual((await vic.platform.whoami.query()).permissions);
    expect(viewer.grantable.map((p) => p.key)).not.toContain('member:manage');
    expect(admin.grantable.map((p) => p.key)).toEqual(
      expect.arrayContaining(['member:manage', 'token:manage']),
    );
    expect(admin.grantable.every((p) => p.description.length > 0)).toBe(true);
  });

  it('lists the caller’s own tokens with their status, never the token itself', async () => {
    const t = await setup();
    const ada = await t.callerOf('ada@example.test');
    const created = await ada.platform.tokens.create.mutate({ name: 'ci', expiresInDays: 30 });
    await (await t.callerOf('vic@example.test')).platform.tokens.create.mutate({ name: 'vic’s' });

    const page = await ada.page.tokens.query();

    expect(page.tokens).toEqual([
      {
        id: created.id,
        name: 'ci',
        prefix: created.prefix,
        permissions: [],
        createdAt: expect.any(Date),
        expiresAt: new Date(t.clock.now().getTime() + 30 * 86_400_000),
        lastUsedAt: null,
        revokedAt: null,
        status: 'active',
      },
    ]);
    expect(JSON.stringify(page)).not.toContain(created.token);
  });

  it('moves the session to another realm of the user, where the pages then read', async () => {
    const t = await setup();
    const ada = await t.callerOf('ada@example.test');
    await ada.platform.tokens.create.mutate({ name: 'in hub' });

    const before = await ada.platform.realms.list.query();
    const switched = await ada.platform.realms.switch.mutate({ slug: 'lab' });
    const inLab = hubCaller(t.root, await t.scopeOf(switched.session?.token as string));

    expect(before).toEqual({
      email: 'ada@example.test',
      current: 'hub',
      realms: [
        { slug: 'hub', name: 'Hub', role: 'admin', instance: null, available: true },
        { slug: 'lab', name: 'Lab', role: 'viewer', instance: null, available: true },
      ],
      mayReadInstances: true,
    });
    expect(switched.realm).toMatchObject({ slug: 'lab', name: 'Lab' });
    expect((await inLab.platform.realms.list.query()).current).toBe('lab');
    expect(await inLab.platform.whoami.query()).toMatchObject({ realm: { slug: 'lab' }, role: 'viewer' });
    expect((await inLab.page.tokens.query()).tokens).toEqual([]);
  });

  it('shows the realm’s SCIM tokens, never the token, to its admin only, with the base URL to give a provider', async () => {
    const t = await setup();
    const ada = await t.callerOf('ada@example.test');
    const created = await ada.platform.scimTokens.create.mutate({ name: 'okta', defaultRole: 'editor' });

    const admin = await ada.page.tokens.query();
    const viewer = await (await t.callerOf('vic@example.test')).page.tokens.query();

    expect(admin.scim).toEqual({
      tokens: [
        {
          id: created.id,
          name: 'okta',
          prefix: created.prefix,
          defaultRole: 'editor',
          createdAt: expect.any(Date),
          lastUsedAt: null,
          revokedAt: null,
        },
      ],
      // Without NHI_PUBLIC_URL the page completes the path with the address it was loaded from.
      baseUrl: '/scim/v2',
    });
    expect(JSON.stringify(admin)).not.toContain(created.token);
    expect(viewer.scim).toBeNull();
  });
});
