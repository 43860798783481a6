import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import type { Principal, RealmRef } from '../context/request-context.ts';
import { realmDbProvider } from '../database/realm-db-provider.ts';
import { REALM_DB } from '../database/tokens.ts';
import { createRequestContainer } from '../di/container.ts';
import {
  AuthenticationError,
  NotFoundError,
  PermissionDeniedError,
  ValidationError,
} from '../errors/domain-errors.ts';
import { describeEachDatabase } from '../testing/describe-each-database.ts';
import { ApiTokenService } from './api-tokens.service.ts';
import { setupHub } from './auth-test-setup.ts';
import { PERMISSION_RESOLVER } from './permissions.ts';

describeEachDatabase('API tokens', (_kind, newDatabase) => {
  async function setup() {
    const hub = await setupHub(newDatabase);
    const hubRealm = await hub.realm('hub', 'Hub');
    const otherRealm = await hub.realm('other', 'Other');
    const admin = await hub.member('ana@example.com', 'hub', 'admin');
    const viewer = await hub.member('vic@example.com', 'hub', 'viewer');

    async function signedIn(email: string): Promise<{ principal: Principal; realm: RealmRef }> {
      const login = await hub.loggedIn(email);
      return hub.auth.authenticate({ sessionToken: login.token });
    }

    function tokenService(principal: Principal, realm: RealmRef = hubRealm): ApiTokenService {
      const container = createRequestContainer(hub.root, {
        requestId: 'req-1',
        realm,
        principal,
        clock: hub.clock,
      });
      container.register(REALM_DB, realmDbProvider);
      return container.resolve(ApiTokenService);
    }

    const permissionsOf = (principal: Principal, realm: RealmRef) =>
      hub.root.resolve(PERMISSION_RESOLVER).permissionsOf(principal, realm);

    return { ...hub, hubRealm, otherRealm, admin, viewer, signedIn, tokenService, permissionsOf };
  }

  it('are shown once and kept only as a hash', async () => {
    const t = await setup();
    const { principal } = await t.signedIn('ana@example.com');

    const created = await t.tokenService(principal).create({ name: 'deploy bot' });

    expect(created.token).toMatch(/^nhi_[0-9A-Za-z]{43}$/);
    expect(created.prefix).toBe(created.token.slice(0, 12));
    const rows =
      await t.db.systemPrisma.$queryRawUnsafe<Record<string, unknown>[]>('SELECT * FROM "ApiToken"');
    const audit =
      await t.db.systemPrisma.$queryRawUnsafe<Record<string, unknown>[]>('SELECT * FROM "AuditLog"');
    const secret = created.token.slice('nhi_'.length);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.tokenHash).toBe(createHash('sha256').update(created.token).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(secret);
    expect(JSON.stringify(audit)).not.toContain(secret);
    const listed = await t.tokenService(principal).list();
    expect(listed).toEqual([
      {
        id: created.id,
        userId: t.admin.id,
        name: 'deploy bot',
        prefix: created.prefix,
        permissions: [],
        expiresAt: null,
        lastUsedAt: null,
        revokedAt: null,
        createdAt: expect.any(Date),
      },
    ]);
    expect(JSON.stringify(listed)).not.toContain(secret);
  });

  it('write an audit row naming the creator, in the token’s realm', async () => {
    const t = await setup();
    const { principal } = await t.signedIn('ana@example.com');

    const created = await t.tokenService(principal).create({ name: 'ci', permissions: ['realm:read'] });

    const audit = await t.db.systemPrisma.auditLog.findFirstOrThrow({
      where: { action: 'api_token.create' },
    });
    expect(audit).toMatchObject({
      realmId: t.hubRealm.id,
      actorType: 'user',
      actorId: t.admin.id,
      entityType: 'ApiToken',
      entityId: created.id,
      requestId: 'req-1',
      after: {
        name: 'ci',
        prefix: created.prefix,
        permissions: ['realm:read'],
        userId: t.admin.id,
        expiresAt: null,
      },
    });
  });

  it('authenticate calls as their user in their realm, noting the last use at most once a minute', async () => {
    const t = await setup();
    const { principal } = await t.signedIn('ana@example.com');
    const created = await t.tokenService(principal).create({ name: 'ci', permissions: ['realm:read'] });
    const lastUsed = async () =>
      (await t.db.systemPrisma.apiToken.findUniqueOrThrow({ where: { id: created.id } })).lastUsedAt;

    const first = await t.auth.authenticate({ bearerToken: created.token });

    expect(first).toEqual({
      principal: {
        kind: 'token',
        userId: t.admin.id,
        email: 'ana@example.com',
        tokenId: created.id,
        tokenPermissions: ['realm:read'],
      },
      realm: { id: t.hubRealm.id, slug: 'hub' },
      policyEpoch: expect.any(BigInt),
    });
    const firstUse = t.clock.now();
    expect(await lastUsed()).toEqual(firstUse);
    t.clock.advanceSeconds(30);
    await t.auth.authenticate({ bearerToken: created.token });
    expect(await lastUsed()).toEqual(firstUse);
    t.clock.advanceSeconds(31);
    await t.auth.authenticate({ bearerToken: created.token });
    expect(await lastUsed()).toEqual(t.clock.now());
  });

  it('are refused when unknown or malformed', async () => {
    const t = await setup();
    for (const bearerToken of [`nhi_${'a'.repeat(43)}`, 'nhi_short', 'Bearer nonsense', '']) {
      await expect(t.auth.authenticate({ bearerToken })).rejects.toThrow(AuthenticationError);
    }
  });

  it('stop working when they expire', async () => {
    const t = await setup();
    const { principal } = await t.signedIn('ana@example.com');
    const expiresAt = new Date(t.clock.now().getTime() + 3600_000);
    const created = await t.tokenService(principal).create({ name: 'short-lived', expiresAt });
    expect(created.expiresAt).toEqual(expiresAt);
    t.clock.advanceSeconds(3599);
    await expect(t.auth.authenticate({ bearerToken: created.token })).resolves.toBeDefined();

    t.clock.advanceSeconds(1);
    await expect(t.auth.authenticate({ bearerToken: created.token })).rejects.toThrow('API token expired');
    await expect(
      t.tokenService(principal).create({ name: 'already over', expiresAt: t.clock.now() }),
    ).rejects.toThrow(ValidationError);
  });

  it('stop working when revoked, with an audit row', async () => {
    const t = await setup();
    const { principal } = await t.signedIn('ana@example.com');
    const service = t.tokenService(principal);
    const created = await service.create({ name: 'ci' });

    await service.revoke(created.id);
    await service.revoke(created.id);

    await expect(t.auth.authenticate({ bearerToken: created.token })).rejects.toThrow(AuthenticationError);
    expect((await service.list())[0]?.revokedAt).toEqual(t.clock.now());
    const audit = await t.db.systemPrisma.auditLog.findMany({ where: { action: 'api_token.revoke' } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      entityId: created.id,
      actorId: t.admin.id,
      before: { revokedAt: null },
    });
  });

  it('are managed by their owner only, and only within their realm', async () => {
    const t = await setup();
    const ana = (await t.signedIn('ana@example.com')).principal;
    const vic = (await t.signedIn('vic@example.com')).principal;
    const created = await t.tokenService(ana).create({ name: 'ana’s' });

    await expect(t.tokenService(vic).revoke(created.id)).rejects.toThrow(NotFoundError);
    expect(await t.tokenService(vic).list()).toEqual([]);
    await expect(t.tokenService(vic).create({ name: 'for ana', userId: t.admin.id })).rejects.toThrow(
      PermissionDeniedError,
    );
    const operator: Principal = { kind: 'system', name: 'cli' };
    await expect(t.tokenService(operator, t.otherRealm).revoke(created.id)).rejects.toThrow(NotFoundError);
    expect(await t.tokenService(operator, t.otherRealm).list()).toEqual([]);
    await expect(t.auth.authenticate({ bearerToken: created.token })).resolves.toBeDefined();
  });

  it('hold at most the permissions of their creator', async () => {
    const t = await setup();
    const vic = (await t.signedIn('vic@example.com')).principal;
    const ana = (await t.signedIn('ana@example.com')).principal;

    await expect(t.tokenService(vic).create({ name: 'x', permissions: ['member:manage'] })).rejects.toThrow(
      PermissionDeniedError,
    );
    await expect(t.tokenService(vic).create({ name: 'x', permissions: ['no:such'] })).rejects.toThrow(
      ValidationError,
    );
    const narrow = await t
      .tokenService(ana)
      .create({ name: 'narrow', permissions: ['realm:read', 'token:manage'] });
    const asToken = (await t.auth.authenticate({ bearerToken: narrow.token })).principal;

    await expect(
      t.tokenService(asToken).create({ name: 'wider', permissions: ['audit:read'] }),
    ).rejects.toThrow(PermissionDeniedError);
    const minted = await t.tokenService(asToken).create({ name: 'no wider by default' });
    expect(minted.permissions).toEqual(['realm:read', 'token:manage']);
  });

  it('lose what their user loses', async () => {
    const t = await setup();
    const ana = (await t.signedIn('ana@example.com')).principal;
    const chosen = await t
      .tokenService(ana)
      .create({ name: 'chosen', permissions: ['member:manage', 'realm:read'] });
    const everything = await t.tokenService(ana).create({ name: 'everything' });
    const chosenPrincipal = (await t.auth.authenticate({ bearerToken: chosen.token })).principal;
    const everythingPrincipal = (await t.auth.authenticate({ bearerToken: everything.token })).principal;
    expect([...(await t.permissionsOf(chosenPrincipal, t.hubRealm))].sort()).toEqual([
      'member:manage',
      'realm:read',
    ]);
    expect(await t.permissionsOf(everythingPrincipal, t.hubRealm)).toContain('audit:read');

    await t.realmAdmin.setRole({ email: 'ana@example.com', realmSlug: 'hub', role: 'viewer' });

    expect([...(await t.permissionsOf(chosenPrincipal, t.hubRealm))]).toEqual(['realm:read']);
    expect([...(await t.permissionsOf(everythingPrincipal, t.hubRealm))].sort()).toEqual([
      'account:manage',
      'realm:read',
      'token:manage',
    ]);
  });

  it('stop working when their user leaves the realm or is disabled', async () => {
    const t = await setup();
    const ana = (await t.signedIn('ana@example.com')).principal;
    const vic = (await t.signedIn('vic@example.com')).principal;
    const anas = await t.tokenService(ana).create({ name: 'ana' });
    const vics = await t.tokenService(vic).create({ name: 'vic' });

    await t.db.systemPrisma.realmMembership.delete({
      where: { realmId_userId: { realmId: t.hubRealm.id, userId: t.admin.id } },
    });
    await t.db.systemPrisma.user.update({ where: { id: t.viewer.id }, data: { disabledAt: t.clock.now() } });

    await expect(t.auth.authenticate({ bearerToken: anas.token })).rejects.toThrow(AuthenticationError);
    await expect(t.auth.authenticate({ bearerToken: vics.token })).rejects.toThrow(AuthenticationError);
  });

  it('are created by the operator for a named member of the realm', async () => {
    const t = await setup();
    const operator: Principal = { kind: 'system', name: 'cli' };

    const created = await t.tokenService(operator).create({ name: 'from cli', userId: t.viewer.id });

    expect((await t.auth.authenticate({ bearerToken: created.token })).principal).toMatchObject({
      kind: 'token',
      userId: t.viewer.id,
    });
    await expect(t.tokenService(operator).create({ name: 'whose?' })).rejects.toThrow(ValidationError);
    await expect(
      t.tokenService(operator, t.otherRealm).create({ name: 'x', userId: t.viewer.id }),
    ).rejects.toThrow(NotFoundError);
    await expect(
      t.tokenService(operator).create({ name: 'x', userId: t.viewer.id, permissions: ['audit:read'] }),
    ).rejects.toThrow(PermissionDeniedError);
  });
});
