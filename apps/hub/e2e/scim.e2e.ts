import { generateApiToken, hashApiToken, RealmAdminService, ScimTokens } from '@nhi/platform';
import { describe, expect, it } from 'vitest';
import { seededDataDir, withSeedingRuntime } from './support/seed.ts';
import { logIn, openPage, startReadyHub } from './support/session.ts';

const userSchema = 'urn:ietf:params:scim:schemas:core:2.0:User';
const groupSchema = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const patchOp = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const errorSchema = 'urn:ietf:params:scim:api:messages:2.0:Error';

const bjensen = { email: 'bjensen@example.com', password: 'e2e-bjensen-password' };

interface Seeded {
  /** SCIM tokens of realm `hub` (a) and realm `ops` (b). */
  a: string;
  b: string;
  /** bjensen's API token in `hub`, and an admin API token there to read alerts with. */
  apiToken: string;
  adminToken: string;
  bjensenId: string;
  nhiId: string;
}

/**
 * First start, realm `ops`, a SCIM token for each realm, and bjensen: a member of `hub` only, with
 * a password (to hold a session), an API token, and a machine identity she owns.
 */
async function seedScim(dataDir: string): Promise<Seeded> {
  return withSeedingRuntime(dataDir, async (runtime) => {
    const admin = runtime.root.resolve(RealmAdminService);
    const ops = await admin.createRealm({ slug: 'ops', name: 'Operations' });
    const created = await admin.createUser({
      email: bjensen.email,
      realmSlug: 'hub',
      role: 'editor',
      password: bjensen.password,
    });
    const tokens = runtime.root.resolve(ScimTokens);
    const operator = { kind: 'system', name: 'e2e' } as const;
    const a = await tokens.create({ realmId: created.realm.id, name: 'Entra ID' }, operator);
    const b = await tokens.create({ realmId: ops.id, name: 'Okta' }, operator);
    const prisma = runtime.database.systemPrisma;
    const apiTokenFor = async (userId: string) => {
      const token = generateApiToken();
      await prisma.apiToken.create({
        data: {
          realmId: created.realm.id,
          userId,
          name: 'e2e',
          prefix: token.slice(0, 12),
          tokenHash: hashApiToken(token),
          permissions: [],
        },
      });
      return token;
    };
    const adminUser = await prisma.user.findUniqueOrThrow({ where: { email: 'admin@nhi.local' } });
    const nhi = await prisma.nhi.create({
      data: {
        realmId: created.realm.id,
        kind: 'service_account',
        provider: 'aws',
        externalId: 'arn:aws:iam::123456789012:user/deployer',
        name: 'deployer',
        ownerUserId: created.user.id,
      },
    });
    return {
      a: a.token,
      b: b.token,
      apiToken: await apiTokenFor(created.user.id),
      adminToken: await apiTokenFor(adminUser.id),
      bjensenId: created.user.id,
      nhiId: nhi.id,
    };
  });
}

/** What the tests read of a SCIM answer; the rest is matched as a whole. */
interface ScimBody {
  id: string;
  Resources: { id: string }[];
  members: { value: string }[];
  totalResults: number;
  [attribute: string]: unknown;
}

function scimClient(url: string, token: string) {
  return async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}/scim/v2${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/scim+json',
        ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      location: response.headers.get('location'),
      json: (text ? JSON.parse(text) : undefined) as ScimBody,
    };
  };
}

describe('SCIM 2.0 provisioning', () => {
  it('replays the RFC 7644 examples and stops a deactivated user’s session and API token at once', async () => {
    const { dataDir, value: seeded } = await seededDataDir(seedScim);
    const hub = await startReadyHub(dataDir);
    const scim = scimClient(hub.url, seeded.a);

    const config = await scim('GET', '/ServiceProviderConfig');
    expect(config).toMatchObject({
      status: 200,
      json: { patch: { supported: true }, filter: { supported: true } },
    });
    expect(config.type).toContain('application/scim+json');
    expect((await scim('GET', '/ResourceTypes')).json.Resources.map((r: { id: string }) => r.id)).toEqual([
      'User',
      'Group',
    ]);
    expect((await scim('GET', `/Schemas/${userSchema}`)).status).toBe(200);

    // RFC 7644 §3.3: creating a user.
    const created = await scim('POST', '/Users', {
      schemas: [userSchema],
      userName: 'Bob.Smith@example.com',
      externalId: 'bsmith',
      name: { formatted: 'Mr. Bob Smith', familyName: 'Smith', givenName: 'Bob' },
      emails: [{ value: 'bob.smith@example.com', type: 'work', primary: true }],
    });
    expect(created).toMatchObject({
      status: 201,
      json: {
        userName: 'bob.smith@example.com',
        externalId: 'bsmith',
        active: true,
        meta: { resourceType: 'User' },
      },
    });
    const bobId = created.json.id;
    expect(created.location).toBe(`${hub.url}/scim/v2/Users/${bobId}`);
    expect(
      (await scim('POST', '/Users', { schemas: [userSchema], userName: 'bob.smith@example.com' })).json,
    ).toMatchObject({ schemas: [errorSchema], status: '409', scimType: 'uniqueness' });

    // RFC 7644 §3.4.2: filtering, with pagination.
    const found = await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${bjensen.email}"`)}`);
    expect(found.json).toMatchObject({ totalResults: 1, startIndex: 1, itemsPerPage: 1 });
    expect(found.json.Resources[0]).toMatchObject({ id: seeded.bjensenId, active: true });
    const page = await scim('GET', '/Users?startIndex=2&count=1');
    expect(page.json).toMatchObject({ totalResults: 3, startIndex: 2, itemsPerPage: 1 });
    expect((await scim('GET', '/Users?filter=title%20co%20%22x%22')).json).toMatchObject({
      scimType: 'invalidFilter',
    });

    // RFC 7644 §3.5.1: replacing a user.
    const replaced = await scim('PUT', `/Users/${bobId}`, {
      schemas: [userSchema],
      userName: 'bob.smith@example.com',
      externalId: 'bsmith',
      displayName: 'Robert Smith',
      name: { familyName: 'Smith', givenName: 'Robert' },
      active: true,
    });
    expect(replaced).toMatchObject({ status: 200, json: { displayName: 'Robert Smith' } });

    // Groups map to top-level policy groups; members are added and removed as Entra ID sends them.
    const group = await scim('POST', '/Groups', {
      schemas: [groupSchema],
      displayName: 'Tour Guides',
      members: [{ value: bobId }],
    });
    expect(group.status).toBe(201);
    const groupId = group.json.id;
    const patchedGroup = await scim('PATCH', `/Groups/${groupId}`, {
      schemas: [patchOp],
      Operations: [
        { op: 'add', path: 'members', value: [{ value: seeded.bjensenId }] },
        { op: 'remove', path: `members[value eq "${bobId}"]` },
      ],
    });
    expect(patchedGroup.json.members.map((m: { value: string }) => m.value)).toEqual([seeded.bjensenId]);
    expect(
      (await scim('GET', `/Groups?filter=${encodeURIComponent('displayName eq "Tour Guides"')}`)).json
        .totalResults,
    ).toBe(1);

    // bjensen signs in and holds an API token; both work before the deactivation.
    const browser = await openPage(hub);
    await logIn(browser, bjensen.email, bjensen.password);
    const cookie = (await browser.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const whoami = (headers: Record<string, string>) =>
      fetch(`${hub.url}/api/trpc/platform.whoami`, {
        headers: { 'sec-fetch-site': 'same-origin', ...headers },
      });
    expect((await whoami({ cookie })).status).toBe(200);
    expect((await whoami({ authorization: `Bearer ${seeded.apiToken}` })).status).toBe(200);

    // RFC 7644 §3.5.2.3 as Okta and Entra ID send it: replace active with false, no path.
    const deactivated = await scim('PATCH', `/Users/${seeded.bjensenId}`, {
      schemas: [patchOp],
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    expect(deactivated).toMatchObject({ status: 200, json: { active: false } });
    expect((await whoami({ cookie })).status).toBe(401);
    expect((await whoami({ authorization: `Bearer ${seeded.apiToken}` })).status).toBe(401);

    // nhi1.owner_inactive fires for the identity she owns without waiting for the hourly pass.
    await expect
      .poll(
        async () => {
          const input = encodeURIComponent(
            JSON.stringify({ ruleId: 'nhi1.owner_inactive', nhiId: seeded.nhiId }),
          );
          const response = await fetch(`${hub.url}/api/trpc/alert.list?input=${input}`, {
            headers: { authorization: `Bearer ${seeded.adminToken}` },
          });
          return ((await response.json()) as { result?: { data?: { items?: unknown[] } } }).result?.data
            ?.items?.length;
        },
        { timeout: 60_000, interval: 1000 },
      )
      .toBe(1);

    // RFC 7644 §3.6: deleting a user.
    expect((await scim('DELETE', `/Users/${bobId}`)).status).toBe(204);
    expect((await scim('GET', `/Users/${bobId}`)).json).toMatchObject({
      schemas: [errorSchema],
      status: '404',
    });

    // Another realm's token sees none of this realm's users or groups.
    const other = scimClient(hub.url, seeded.b);
    expect((await other('GET', `/Users/${seeded.bjensenId}`)).status).toBe(404);
    expect(
      (
        await other('PATCH', `/Users/${seeded.bjensenId}`, {
          schemas: [patchOp],
          Operations: [{ op: 'replace', path: 'active', value: true }],
        })
      ).status,
    ).toBe(404);
    expect((await other('DELETE', `/Users/${seeded.bjensenId}`)).status).toBe(404);
    expect((await other('GET', `/Groups/${groupId}`)).status).toBe(404);
    expect(
      (await other('PUT', `/Groups/${groupId}`, { schemas: [groupSchema], displayName: 'Taken' })).status,
    ).toBe(404);
    expect((await other('DELETE', `/Groups/${groupId}`)).status).toBe(404);
    expect(
      (await other('GET', `/Users?filter=${encodeURIComponent(`userName eq "${bjensen.email}"`)}`)).json
        .totalResults,
    ).toBe(0);

    // A SCIM token is no API token and an API token no SCIM token.
    expect((await whoami({ authorization: `Bearer ${seeded.a}` })).status).toBe(401);
    const withApiToken = await scimClient(hub.url, seeded.adminToken)('GET', '/Users');
    expect(withApiToken).toMatchObject({ status: 401, json: { schemas: [errorSchema], status: '401' } });
    expect((await fetch(`${hub.url}/scim/v2/Users`)).status).toBe(401);

    await hub.stop();
    await withSeedingRuntime(dataDir, async (runtime) => {
      const prisma = runtime.database.systemPrisma;
      const user = await prisma.user.findUniqueOrThrow({ where: { id: seeded.bjensenId } });
      expect(user.disabledAt).not.toBeNull();
      expect(await prisma.session.count({ where: { userId: seeded.bjensenId, revokedAt: null } })).toBe(0);
      expect(await prisma.apiToken.count({ where: { userId: seeded.bjensenId, revokedAt: null } })).toBe(0);
      expect(await prisma.user.findUnique({ where: { email: 'bob.smith@example.com' } })).toMatchObject({
        displayName: 'Robert Smith',
      });
      expect(
        await prisma.realmMembership.count({ where: { user: { email: 'bob.smith@example.com' } } }),
      ).toBe(0);
      const group = await prisma.policyGroup.findUniqueOrThrow({
        where: { id: groupId },
        include: { members: true },
      });
      expect(group).toMatchObject({ parentId: null, name: 'Tour Guides' });
      expect(group.members.map((m) => m.userId)).toEqual([seeded.bjensenId]);
      const actions = await prisma.auditLog.findMany({
        where: { actorId: { startsWith: 'scim:' } },
        select: { action: true },
        orderBy: { createdAt: 'asc' },
      });
      expect(actions.map((row) => row.action)).toEqual(
        expect.arrayContaining([
          'scim.user.create',
          'scim.user.replace',
          'scim.user.patch',
          'scim.user.deactivate',
          'scim.user.delete',
        ]),
      );
    });
  }, 240_000);
});
