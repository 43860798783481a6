import { expect, it } from 'vitest';
import { openRequestScope } from '../guards/request-scope.ts';
import { describeEachDatabase } from '../testing/describe-each-database.ts';
import { registerScopedMembers } from '../testing/scoped-members.ts';
import { WhoAmIService } from '../whoami/whoami.service.ts';
import { setupHub } from './auth-test-setup.ts';
import { myRealmsOf } from './my-realms.ts';

describeEachDatabase('the scope a page header names', (_kind, newDatabase) => {
  /** Sam reads identities of Payments only; Ana reads the whole realm. */
  async function setup() {
    const hub = await setupHub(newDatabase);
    const realm = await hub.realm('hub', 'Hub');
    const ana = await hub.member('ana@example.com', 'hub', 'admin');
    const sam = await hub.member('sam@example.com', 'hub', 'viewer');
    const group = (name: string) =>
      hub.db.systemPrisma.policyGroup.create({ data: { realmId: realm.id, name }, select: { id: true } });
    const payments = await group('Payments');
    await group('Identity');
    registerScopedMembers(hub.root, [
      { userId: sam.id, permissions: ['realm:read', 'nhi:read'], groupIds: [payments.id] },
    ]);
    const scopeOf = (user: { id: string; email: string }) =>
      openRequestScope(hub.root, {
        context: {
          requestId: `req-${user.email}`,
          realm,
          principal: { kind: 'user', userId: user.id, email: user.email, sessionId: 'test' },
          clock: hub.clock,
        },
        credential: 'session',
      });
    return { payments, asSam: await scopeOf(sam), asAna: await scopeOf(ana) };
  }

  it('names the teams of a scoped member, with the realm they work in and who they are', async () => {
    const t = await setup();

    const realms = await myRealmsOf(t.asSam);
    const me = await t.asSam.container.resolve(WhoAmIService).whoami();

    expect(realms.scope).toEqual({ groups: [{ id: t.payments.id, name: 'Payments' }] });
    expect(me.scope).toEqual(realms.scope);
  });

  it('names no scope for a member who sees the whole realm', async () => {
    const t = await setup();

    const realms = await myRealmsOf(t.asAna);
    const me = await t.asAna.container.resolve(WhoAmIService).whoami();

    expect(realms).not.toHaveProperty('scope');
    expect(me).not.toHaveProperty('scope');
  });
});
