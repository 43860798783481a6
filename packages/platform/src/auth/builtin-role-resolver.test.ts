import { expect, it } from 'vitest';
import type { Principal } from '../context/request-context.ts';
import { describeEachDatabase } from '../testing/describe-each-database.ts';
import { setupHub } from './auth-test-setup.ts';
import { PERMISSION_RESOLVER, permissionCatalogue } from './permissions.ts';

describeEachDatabase('built-in role permissions', (_kind, newDatabase) => {
  async function setup() {
    const hub = await setupHub(newDatabase);
    const hubRealm = await hub.realm('hub');
    const resolver = hub.root.resolve(PERMISSION_RESOLVER);
    const asUser = (userId: string): Principal => ({
      kind: 'user',
      userId,
      email: 'x@example.com',
      sessionId: 's',
    });
    const sorted = async (principal: Principal) =>
      [...(await resolver.permissionsOf(principal, hubRealm))].sort();
    return { ...hub, hubRealm, sorted, asUser };
  }

  it('follow the role of the membership in the realm', async () => {
    const { member, sorted, asUser } = await setup();
    const admin = await member('a@example.com', 'hub', 'admin');
    const editor = await member('e@example.com', 'hub', 'editor');
    const viewer = await member('v@example.com', 'hub', 'viewer');

    expect(await sorted(asUser(admin.id))).toEqual([
      'account:manage',
      'audit:read',
      'instance:read',
      'member:manage',
      'realm:read',
      'scim:manage',
      'token:manage',
      'user:manage',
    ]);
    expect(await sorted(asUser(editor.id))).toEqual(['account:manage', 'realm:read', 'token:manage']);
    expect(await sorted(asUser(viewer.id))).toEqual(['account:manage', 'realm:read', 'token:manage']);
  });

  it('are empty for someone who is a member of other realms only', async () => {
    const hub = await setup();
    await hub.realm('ops');
    const elsewhere = await hub.member('o@example.com', 'ops', 'admin');

    expect(await hub.sorted(hub.asUser(elsewhere.id))).toEqual([]);
  });

  it('are everything for system principals', async () => {
    const { sorted } = await setup();
    expect(await sorted({ kind: 'system', name: 'cli' })).toEqual(
      permissionCatalogue()
        .map((p) => p.key)
        .sort(),
    );
  });
});
