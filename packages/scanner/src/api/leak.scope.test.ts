import { ApiTokenService, openRequestScope, RealmDb, router } from '@nhi/platform';
import { describeEachDatabase, registerScopedMembers } from '@nhi/platform/testing';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { expect, it } from 'vitest';
import { setupScanner } from '../testing/scanner-test-setup.ts';
import { scannerRouter } from './scanner.procedures.ts';

const appRouter = router({ scanner: scannerRouter });

describeEachDatabase('scanner.leak.* for a member scoped to a team', (_kind, newDatabase) => {
  /**
   * Leaks of one source: two of payments' identity `ours` (one resolved, both seen a day ago), and,
   * seen since, one of identity's `theirs`, one of the unowned `stray` and one matched to no
   * identity. Sam reads leaks over payments only.
   */
  async function setup() {
    const hub = await setupScanner(newDatabase);
    const realmDb = new RealmDb(hub.db, hub.hubRealm.id);
    const sam = await hub.member('sam@example.com', 'hub', 'viewer');
    const seeded = await realmDb.transaction(async (tx) => {
      const group = (name: string) => tx.policyGroup.create({ data: { name }, select: { id: true } });
      const payments = await group('payments');
      const identity = await group('identity');
      const nhi = (name: string, ownerGroupId: string | null) =>
        tx.nhi.create({
          data: {
            kind: 'access_key',
            provider: 'aws',
            externalId: `arn:aws:iam::1:user/${name}`,
            name,
            ownerGroupId,
          },
          select: { id: true },
        });
      const ours = await nhi('ours', payments.id);
      const theirs = await nhi('theirs', identity.id);
      const stray = await nhi('stray', null);
      const source = await tx.source.create({
        data: { type: 'secrets', name: 'repos' },
        select: { id: true },
      });
      let line = 0;
      const now = hub.clock.now();
      const dayAgo = new Date(now.getTime() - 86_400_000);
      const leak = async (nhiId: string | null, fields: { resolvedAt?: Date; lastSeenAt?: Date } = {}) => {
        line += 1;
        return tx.leak.create({
          data: {
            sourceId: source.id,
            scanId: 'scan-1',
            rule: 'aws-access-token',
            file: 'deploy/.env',
            line,
            maskedMatch: 'AKIA…WXYZ',
            fingerprint: `fp-${line}`,
            locationKey: `loc-${line}`,
            nhiId,
            resolvedAt: fields.resolvedAt ?? null,
            lastSeenAt: fields.lastSeenAt ?? now,
          },
          select: { id: true },
        });
      };
      // The team's leaks were last seen before the others.
      const own = [
        await leak(ours.id, { lastSeenAt: dayAgo }),
        await leak(ours.id, { lastSeenAt: dayAgo, resolvedAt: now }),
      ];
      const other = await leak(theirs.id);
      await leak(stray.id);
      await leak(null);
      return { payments, ours, theirs, source, own, other };
    });
    registerScopedMembers(hub.root, [
      { userId: sam.id, permissions: ['leak:read', 'source:read'], groupIds: [seeded.payments.id] },
    ]);
    async function bearerOf(user: { id: string }) {
      const scope = await openRequestScope(hub.root, {
        context: {
          requestId: 'req-token',
          realm: hub.hubRealm,
          principal: { kind: 'system', name: 'test' },
          clock: hub.clock,
        },
        credential: 'bearer',
      });
      return (await scope.container.resolve(ApiTokenService).create({ userId: user.id, name: 'test' })).token;
    }
    const tokens = { sam: await bearerOf(sam), vic: await bearerOf(hub.vic) };
    /** A query's answer to the token's holder, as text. */
    async function query(bearer: string, path: string, input: Record<string, unknown>) {
      const response = await fetchRequestHandler({
        endpoint: '/api/trpc',
        req: new Request(
          `http://hub.test/api/trpc/scanner.${path}?input=${encodeURIComponent(JSON.stringify(input))}`,
          { headers: { authorization: `Bearer ${bearer}` } },
        ),
        router: appRouter,
        createContext: ({ req, resHeaders }) => ({ root: hub.root, requestId: 'req-http', req, resHeaders }),
      });
      return response.text();
    }
    /** The ids of the leaks `leak.list` answers the token's holder. */
    async function leakIds(bearer: string, input: Record<string, unknown> = {}) {
      const body = JSON.parse(await query(bearer, 'leak.list', input)) as {
        result: { data: { id: string }[] };
      };
      return body.result.data.map((leak) => leak.id).sort();
    }
    return { ...hub, ...seeded, tokens, query, leakIds };
  }

  it('lists the leaks of the team’s identities only, whatever the filter', async () => {
    const t = await setup();
    const [open, resolved] = t.own.map((leak) => leak.id);

    const seen = {
      all: await t.leakIds(t.tokens.sam),
      open: await t.leakIds(t.tokens.sam, { state: 'open' }),
      resolved: await t.leakIds(t.tokens.sam, { state: 'resolved' }),
      source: await t.leakIds(t.tokens.sam, { sourceId: t.source.id }),
      // The limit counts the caller's leaks: the newest of them, not the realm's newest.
      one: await t.leakIds(t.tokens.sam, { limit: 1 }),
      realmWide: (await t.leakIds(t.tokens.vic)).length,
    };

    expect(seen).toEqual({
      all: [open, resolved].sort(),
      open: [open],
      resolved: [resolved],
      source: [open, resolved].sort(),
      one: [open],
      realmWide: 5,
    });
  });

  it('draws an identity’s leaks in its access graph only within the leak coverage', async () => {
    const t = await setup();
    const [open] = t.own.map((leak) => leak.id);

    const ours = await t.query(t.tokens.sam, 'accessGraph', { nhiId: t.ours.id });
    const theirs = await t.query(t.tokens.sam, 'accessGraph', { nhiId: t.theirs.id });
    const realmWide = await t.query(t.tokens.vic, 'accessGraph', { nhiId: t.theirs.id });

    expect(ours).toContain(`file:${open}`);
    // Sam holds no nhi:read: the graph itself is shown, as the scanner shows identities to its readers.
    expect(theirs).toContain('"result"');
    expect(theirs).not.toContain(t.other.id);
    expect(realmWide).toContain(`file:${t.other.id}`);
  });
});
