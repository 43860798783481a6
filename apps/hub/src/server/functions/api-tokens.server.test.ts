import { authenticateRequest, SESSION_COOKIE } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { setupHub } from '../../../test/support/hub-setup.ts';
import { apiTokensPageOf, createMyApiToken } from './api-tokens.server.ts';

describeEachDatabase('API tokens page', (_kind, newDatabase) => {
  async function setup() {
    const hub = await setupHub(newDatabase);
    await hub.realm('hub', 'Hub');
    await hub.member('ada@example.test', 'hub', 'admin');
    await hub.member('vic@example.test', 'hub', 'viewer');
    async function scopeOf(email: string) {
      const { token } = await hub.logIn(email);
      return authenticateRequest(hub.root, {
        headers: new Headers({ cookie: `${SESSION_COOKIE}=${token}` }),
        requestId: 'test',
      });
    }
    return { ...hub, scopeOf };
  }

  it('offers a new token only the permissions the caller holds in the realm', async () => {
    const t = await setup();

    const viewer = await apiTokensPageOf(await t.scopeOf('vic@example.test'));
    const admin = await apiTokensPageOf(await t.scopeOf('ada@example.test'));

    expect(viewer.grantable.map((p) => p.key)).toEqual(['realm:read', 'token:manage']);
    expect(admin.grantable.map((p) => p.key)).toEqual([
      'audit:read',
      'member:manage',
      'realm:read',
      'token:manage',
    ]);
    expect(admin.grantable.every((p) => p.description.length > 0)).toBe(true);
  });

  it('lists the caller’s own tokens with their status, never the token itself', async () => {
    const t = await setup();
    const ada = await t.scopeOf('ada@example.test');
    const created = await createMyApiToken(ada, { name: 'ci', expiresInDays: 30 });
    await createMyApiToken(await t.scopeOf('vic@example.test'), { name: 'vic’s' });

    const page = await apiTokensPageOf(ada);

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
});
