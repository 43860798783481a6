import { describe, expect, it } from 'vitest';
import { generateApiToken, hashApiToken } from '../auth/api-token-format.ts';
import { setupHub } from '../auth/auth-test-setup.ts';
import { describeEachDatabase } from '../testing/describe-each-database.ts';
import { memberDeactivatedEvent } from './member-deactivated.ts';
import { ScimError } from './scim-error.ts';
import { parseScimFilter } from './scim-filter.ts';
import { ScimGroups } from './scim-groups.ts';
import { applyPatch, patchOpSchema } from './scim-patch.ts';
import { ScimTokens } from './scim-tokens.ts';
import { userAttributes, userSchema } from './scim-user-mapping.ts';
import { type ScimRequest, ScimUsers } from './scim-users.ts';

const operator = { kind: 'system', name: 'test' } as const;
const baseUrl = 'https://hub.example.test/scim/v2';

/** RFC 7644 §3.3's example user, with the product's email as userName. */
function babs(overrides: Record<string, unknown> = {}) {
  return {
    schemas: [userSchema],
    userName: 'Bjensen@Example.com',
    externalId: 'bjensen',
    name: { formatted: 'Ms. Barbara J Jensen III', familyName: 'Jensen', givenName: 'Barbara' },
    emails: [{ value: 'bjensen@example.com', type: 'work', primary: true }],
    ...overrides,
  };
}

const patch = (...Operations: unknown[]) => ({ schemas: [patchOpSchema], Operations });

async function setup(newDatabase: Parameters<typeof setupHub>[0]) {
  const hub = await setupHub(newDatabase);
  const alpha = await hub.realm('alpha');
  const beta = await hub.realm('beta');
  const tokens = hub.root.resolve(ScimTokens);
  const users = hub.root.resolve(ScimUsers);
  const groups = hub.root.resolve(ScimGroups);
  async function requestFor(realmId: string): Promise<ScimRequest> {
    const created = await tokens.create({ realmId, name: 'idp' }, operator);
    return { caller: await tokens.authenticate(`Bearer ${created.token}`), baseUrl };
  }
  const a = await requestFor(alpha.id);
  const b = await requestFor(beta.id);
  async function apiTokenOf(userId: string, realmId: string): Promise<string> {
    const token = generateApiToken();
    await hub.db.systemPrisma.apiToken.create({
      data: {
        realmId,
        userId,
        name: 'cli',
        prefix: token.slice(0, 12),
        tokenHash: hashApiToken(token),
        permissions: [],
      },
    });
    return token;
  }
  return { ...hub, alpha, beta, tokens, users, groups, a, b, apiTokenOf };
}

async function scimError(promise: Promise<unknown>): Promise<{ status: number; scimType?: string }> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof ScimError)) throw new Error(`expected a ScimError, got ${String(error)}`);
  return { status: error.status, ...(error.scimType ? { scimType: error.scimType } : {}) };
}

describe('SCIM filters and patch operations', () => {
  it('reads attribute eq "value", with escapes, and refuses any other filter', () => {
    expect(parseScimFilter('userName eq "bjensen@example.com"', ['userName'])).toEqual({
      attribute: 'userName',
      value: 'bjensen@example.com',
    });
    expect(parseScimFilter('USERNAME Eq "a\\"b"', ['userName'])).toEqual({
      attribute: 'userName',
      value: 'a"b',
    });
    for (const filter of [
      'userName co "b"',
      'title eq "x"',
      'userName eq bjensen',
      'userName eq "a" or id eq "b"',
    ]) {
      expect(() => parseScimFilter(filter, ['userName'])).toThrow(
        expect.objectContaining({ scimType: 'invalidFilter' }),
      );
    }
  });

  it('applies path-less value objects, sub-attribute paths and filtered list paths as Entra ID and Okta send them', () => {
    const user = { userName: 'a@example.com', active: true, name: { givenName: 'A' }, emails: [] };

    const patched = applyPatch(
      user,
      patch(
        { op: 'replace', value: { active: false, 'name.familyName': 'Jensen', title: 'ignored' } },
        { op: 'Add', path: 'emails[type eq "work"].value', value: 'b@example.com' },
        { op: 'Replace', path: 'urn:ietf:params:scim:schemas:core:2.0:User:displayName', value: 'Babs' },
        {
          op: 'add',
          path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department',
          value: 'x',
        },
      ),
      userAttributes,
      userSchema,
    );

    expect(patched).toEqual({
      userName: 'a@example.com',
      active: false,
      displayName: 'Babs',
      name: { givenName: 'A', familyName: 'Jensen' },
      emails: [{ type: 'work', value: 'b@example.com' }],
    });
  });

  it('refuses a request that is not a PatchOp, an unknown op and an unreadable path', () => {
    const attempt = (body: unknown) => () => applyPatch({}, body, userAttributes, userSchema);
    expect(attempt({ Operations: [] })).toThrow(expect.objectContaining({ scimType: 'invalidSyntax' }));
    expect(attempt(patch({ op: 'move', path: 'active', value: 1 }))).toThrow(
      expect.objectContaining({ scimType: 'invalidSyntax' }),
    );
    expect(attempt(patch({ op: 'replace', path: 'emails[', value: 1 }))).toThrow(
      expect.objectContaining({ scimType: 'invalidPath' }),
    );
    expect(attempt(patch({ op: 'remove' }))).toThrow(expect.objectContaining({ scimType: 'noTarget' }));
  });
});

describeEachDatabase('SCIM provisioning', (_kind, newDatabase) => {
  it('keeps only a hash of a SCIM token, refuses it once revoked, and keeps it apart from API tokens', async () => {
    const { tokens, alpha, db, auth, member, apiTokenOf } = await setup(newDatabase);
    const created = await tokens.create(
      { realmId: alpha.id, name: 'Entra', defaultRole: 'editor' },
      operator,
    );

    const stored = await db.systemPrisma.scimToken.findUniqueOrThrow({ where: { id: created.id } });
    expect(stored.tokenHash).toBe(hashApiToken(created.token));
    expect(JSON.stringify(stored)).not.toContain(created.token);
    await expect(tokens.authenticate(`Bearer ${created.token}`)).resolves.toMatchObject({
      realm: { id: alpha.id },
      defaultRole: 'editor',
    });
    await expect(auth.authenticate({ bearerToken: created.token })).rejects.toThrow();
    const user = await member('ana@example.com', 'alpha', 'admin');
    expect(await scimError(tokens.authenticate(`Bearer ${await apiTokenOf(user.id, alpha.id)}`))).toEqual({
      status: 401,
    });

    await tokens.revoke({ realmId: alpha.id, tokenId: created.id }, operator);
    expect(await scimError(tokens.authenticate(`Bearer ${created.token}`))).toEqual({ status: 401 });
    const audit = await db.systemPrisma.auditLog.findMany({
      where: { realmId: alpha.id, entityId: created.id },
      select: { action: true },
      orderBy: { createdAt: 'asc' },
    });
    expect(audit.map((row) => row.action)).toEqual(['scim_token.create', 'scim_token.revoke']);
  });

  it('creates a user as a viewer of the token’s realm, identified by userName and externalId', async () => {
    const { users, a, alpha, db } = await setup(newDatabase);

    const created = await users.create(a, babs());

    expect(created).toMatchObject({
      userName: 'bjensen@example.com',
      externalId: 'bjensen',
      displayName: 'Ms. Barbara J Jensen III',
      active: true,
      meta: { resourceType: 'User', location: `${baseUrl}/Users/${created.id}` },
    });
    const user = await db.systemPrisma.user.findUniqueOrThrow({
      where: { id: created.id as string },
      include: { memberships: true, scimUsers: true },
    });
    expect(user.memberships).toEqual([expect.objectContaining({ realmId: alpha.id, role: 'viewer' })]);
    expect(user.scimUsers).toEqual([expect.objectContaining({ realmId: alpha.id, externalId: 'bjensen' })]);
    expect(await scimError(users.create(a, babs({ externalId: 'other' })))).toEqual({
      status: 409,
      scimType: 'uniqueness',
    });
    const audit = await db.systemPrisma.auditLog.findMany({
      where: { realmId: alpha.id, entityId: created.id as string },
      select: { action: true, actorId: true },
      orderBy: { createdAt: 'asc' },
    });
    expect(audit.map((row) => row.action)).toEqual(['user.create', 'member.add', 'scim.user.create']);
    expect(audit.every((row) => row.actorId?.startsWith('scim:'))).toBe(true);
  });

  it('filters by userName and externalId and pages with startIndex and count', async () => {
    const { users, a } = await setup(newDatabase);
    for (const n of [1, 2, 3])
      await users.create(a, babs({ userName: `u${n}@example.com`, externalId: `u${n}` }));

    const byName = await users.list(a, {
      filter: 'userName eq "U2@example.com"',
      page: { startIndex: 1, count: 10 },
    });
    const byExternal = await users.list(a, {
      filter: 'externalId eq "u3"',
      page: { startIndex: 1, count: 10 },
    });
    const second = await users.list(a, { page: { startIndex: 2, count: 1 } });

    expect(byName.Resources.map((user) => user.userName)).toEqual(['u2@example.com']);
    expect(byExternal.Resources.map((user) => user.userName)).toEqual(['u3@example.com']);
    expect(second).toMatchObject({ totalResults: 3, startIndex: 2, itemsPerPage: 1 });
    expect(second.Resources.map((user) => user.userName)).toEqual(['u2@example.com']);
  });

  it('deactivating a user of this realm only disables the account and stops its sessions and API tokens at once', async () => {
    const { users, a, alpha, db, auth, apiTokenOf } = await setup(newDatabase);
    const created = await users.create(a, babs());
    const id = created.id as string;
    const owned = await db.systemPrisma.nhi.create({
      data: {
        realmId: alpha.id,
        kind: 'api_key',
        provider: 'github',
        externalId: 'k1',
        name: 'deploy key',
        ownerUserId: id,
      },
    });
    const apiToken = await apiTokenOf(id, alpha.id);
    await expect(auth.authenticate({ bearerToken: apiToken })).resolves.toBeTruthy();

    const patched = await users.patch(a, id, patch({ op: 'replace', value: { active: false } }));

    expect(patched.active).toBe(false);
    await expect(auth.authenticate({ bearerToken: apiToken })).rejects.toThrow();
    const user = await db.systemPrisma.user.findUniqueOrThrow({ where: { id } });
    expect(user.disabledAt).not.toBeNull();
    expect(await db.systemPrisma.realmMembership.count({ where: { userId: id, realmId: alpha.id } })).toBe(1);
    const event = await db.systemPrisma.domainEvent.findFirstOrThrow({
      where: { realmId: alpha.id, type: memberDeactivatedEvent },
    });
    expect(event.subjectIds).toEqual([owned.id]);
    const audit = await db.systemPrisma.auditLog.findFirstOrThrow({
      where: { realmId: alpha.id, action: 'scim.user.deactivate', entityId: id },
    });
    expect(audit.after).toMatchObject({ active: false, scope: 'account', apiTokensRevoked: 1 });

    const again = await users.patch(a, id, patch({ op: 'Replace', path: 'active', value: 'True' }));
    expect(again.active).toBe(true);
    expect((await db.systemPrisma.user.findUniqueOrThrow({ where: { id } })).disabledAt).toBeNull();
  });

  it('revokes the sessions of a deactivated user', async () => {
    const { users, a, auth, loggedIn, member } = await setup(newDatabase);
    const user = await member('ana@example.com', 'alpha', 'editor');
    const login = await loggedIn('ana@example.com');
    await expect(auth.authenticate({ sessionToken: login.token })).resolves.toBeTruthy();

    await users.patch(a, user.id, patch({ op: 'replace', path: 'active', value: false }));

    await expect(auth.authenticate({ sessionToken: login.token })).rejects.toThrow();
  });

  it('deactivating a user who belongs to other realms takes back this realm’s membership only, and reactivation restores it', async () => {
    const { users, a, alpha, beta, db, member, auth, apiTokenOf } = await setup(newDatabase);
    const user = await member('ana@example.com', 'alpha', 'editor');
    await member('ana@example.com', 'beta', 'viewer');
    const alphaToken = await apiTokenOf(user.id, alpha.id);
    const betaToken = await apiTokenOf(user.id, beta.id);

    const deactivated = await users.replace(a, user.id, babs({ userName: 'ana@example.com', active: false }));

    expect(deactivated.active).toBe(false);
    expect((await db.systemPrisma.user.findUniqueOrThrow({ where: { id: user.id } })).disabledAt).toBeNull();
    expect(
      await db.systemPrisma.realmMembership.findMany({
        where: { userId: user.id },
        select: { realmId: true },
      }),
    ).toEqual([{ realmId: beta.id }]);
    await expect(auth.authenticate({ bearerToken: alphaToken })).rejects.toThrow();
    await expect(auth.authenticate({ bearerToken: betaToken })).resolves.toBeTruthy();
    expect(await users.get(a, user.id)).toMatchObject({ active: false });
    // The same removal a realm admin makes on the Users page, recorded the same way.
    expect(
      await db.systemPrisma.auditLog.findMany({
        where: { action: 'member.remove', entityId: user.id },
        select: { realmId: true, before: true, after: true },
      }),
    ).toEqual([
      { realmId: alpha.id, before: { userId: user.id, role: 'editor' }, after: { apiTokensRevoked: 1 } },
    ]);

    await users.patch(a, user.id, patch({ op: 'replace', path: 'active', value: true }));

    expect(
      await db.systemPrisma.realmMembership.findUnique({
        where: { realmId_userId: { realmId: alpha.id, userId: user.id } },
        select: { role: true },
      }),
    ).toEqual({ role: 'editor' });
  });

  it('deletes a member the client never created, found by userName', async () => {
    const { users, a, alpha, member, db } = await setup(newDatabase);
    const user = await member('ana@example.com', 'alpha', 'editor');

    await users.remove(a, user.id);

    expect(
      await db.systemPrisma.realmMembership.count({ where: { userId: user.id, realmId: alpha.id } }),
    ).toBe(0);
    expect(
      (await db.systemPrisma.user.findUniqueOrThrow({ where: { id: user.id } })).disabledAt,
    ).not.toBeNull();
    expect(await scimError(users.get(a, user.id))).toEqual({ status: 404 });
  });

  it('never deactivates or deletes the break-glass administrator', async () => {
    const { users, a, member, db } = await setup(newDatabase);
    const admin = await member('admin@nhi.local', 'alpha', 'admin');

    expect(
      await scimError(users.patch(a, admin.id, patch({ op: 'replace', value: { active: false } }))),
    ).toEqual({
      status: 400,
      scimType: 'mutability',
    });
    expect(await scimError(users.remove(a, admin.id))).toEqual({ status: 400, scimType: 'mutability' });
    expect((await db.systemPrisma.user.findUniqueOrThrow({ where: { id: admin.id } })).disabledAt).toBeNull();
  });

  it('refuses to change the email of a user who belongs to other realms', async () => {
    const { users, a, member } = await setup(newDatabase);
    const user = await member('ana@example.com', 'alpha', 'viewer');
    await member('ana@example.com', 'beta', 'viewer');

    expect(
      await scimError(
        users.patch(a, user.id, patch({ op: 'replace', path: 'userName', value: 'x@example.com' })),
      ),
    ).toEqual({
      status: 400,
      scimType: 'mutability',
    });
  });

  it('deletes a user from the realm: gone from SCIM, membership removed, account disabled when it had no other realm', async () => {
    const { users, a, db } = await setup(newDatabase);
    const created = await users.create(a, babs());
    const id = created.id as string;

    await users.remove(a, id);

    expect(await scimError(users.get(a, id))).toEqual({ status: 404 });
    expect(await db.systemPrisma.realmMembership.count({ where: { userId: id } })).toBe(0);
    expect((await db.systemPrisma.user.findUniqueOrThrow({ where: { id } })).disabledAt).not.toBeNull();
  });

  it('maps groups to top-level policy groups and their members', async () => {
    const { users, groups, a, alpha, db } = await setup(newDatabase);
    const ana = (await users.create(a, babs({ userName: 'ana@example.com', externalId: 'ana' })))
      .id as string;
    const bob = (await users.create(a, babs({ userName: 'bob@example.com', externalId: 'bob' })))
      .id as string;

    const created = await groups.create(a, { displayName: 'Tour Guides', members: [{ value: ana }] });
    const id = created.id as string;
    await groups.patch(
      a,
      id,
      patch(
        { op: 'Add', path: 'members', value: [{ value: bob }] },
        { op: 'Remove', path: `members[value eq "${ana}"]` },
        { op: 'Replace', value: { id, displayName: 'Guides' } },
      ),
    );

    const group = await db.systemPrisma.policyGroup.findUniqueOrThrow({
      where: { id },
      include: { members: true },
    });
    expect(group).toMatchObject({ realmId: alpha.id, parentId: null, name: 'Guides' });
    expect(group.members.map((member) => member.userId)).toEqual([bob]);
    const found = await groups.list(a, {
      filter: 'displayName eq "guides"',
      page: { startIndex: 1, count: 10 },
      withMembers: false,
    });
    expect(found.Resources).toEqual([expect.objectContaining({ id, displayName: 'Guides' })]);
    expect(found.Resources[0]).not.toHaveProperty('members');
    expect(await scimError(groups.create(a, { displayName: 'Guides' }))).toEqual({
      status: 409,
      scimType: 'uniqueness',
    });
    expect(await scimError(groups.create(a, { displayName: 'Security/Oncall' }))).toEqual({
      status: 400,
      scimType: 'invalidValue',
    });

    await groups.remove(a, id);
    expect(await db.systemPrisma.policyGroup.count({ where: { id } })).toBe(0);
  });

  it('answers another realm’s users and groups as if they did not exist, and leaves them as they were', async () => {
    const { users, groups, a, b, db } = await setup(newDatabase);
    const theirs = (await users.create(b, babs())).id as string;
    const theirGroup = (await groups.create(b, { displayName: 'Beta team', members: [{ value: theirs }] }))
      .id as string;

    for (const attempt of [
      () => users.get(a, theirs),
      () => users.replace(a, theirs, babs({ active: false })),
      () => users.patch(a, theirs, patch({ op: 'replace', value: { active: false } })),
      () => users.remove(a, theirs),
      () => groups.get(a, theirGroup),
      () => groups.patch(a, theirGroup, patch({ op: 'replace', path: 'displayName', value: 'x' })),
      () => groups.remove(a, theirGroup),
    ]) {
      expect(await scimError(attempt())).toEqual({ status: 404 });
    }
    expect(
      (
        await users.list(a, {
          filter: 'userName eq "bjensen@example.com"',
          page: { startIndex: 1, count: 10 },
        })
      ).totalResults,
    ).toBe(0);
    expect(
      await scimError(groups.create(a, { displayName: 'Alpha team', members: [{ value: theirs }] })),
    ).toEqual({
      status: 400,
      scimType: 'invalidValue',
    });
    expect((await db.systemPrisma.user.findUniqueOrThrow({ where: { id: theirs } })).disabledAt).toBeNull();
    expect(await db.systemPrisma.policyGroup.findUniqueOrThrow({ where: { id: theirGroup } })).toMatchObject({
      name: 'Beta team',
    });
  });
});
