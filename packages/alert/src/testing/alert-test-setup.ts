import { ApiTokenService, openRequestScope, type Principal, RealmDb, type RealmSummary } from '@nhi/platform';
import { type NewTestDatabase, setupHub } from '@nhi/platform/testing';
import type { DependencyContainer } from 'tsyringe';
import { AlertService } from '../service/alert.service.ts';
import { evaluateInTransaction } from '../service/alert-evaluation.ts';
import '../api/alert.permissions.ts';

const day = 86_400_000;

/**
 * A hub with realms `hub` (Ana admin, Eve editor, Vic viewer) and `other` (Oli admin), and ways to
 * write inventory rows and scanner facts directly, evaluate, and act as any of them. `env` adds
 * settings (a mail server).
 */
export async function setupAlerts(newDatabase: NewTestDatabase, env: Record<string, string> = {}) {
  const hub = await setupHub(() => newDatabase(), env);
  const hubRealm = await hub.realm('hub', 'Hub');
  const otherRealm = await hub.realm('other', 'Other');
  const ana = await hub.member('ana@example.com', 'hub', 'admin');
  const eve = await hub.member('eve@example.com', 'hub', 'editor');
  const vic = await hub.member('vic@example.com', 'hub', 'viewer');
  const oli = await hub.member('oli@example.com', 'other', 'admin');
  const realmDb = new RealmDb(hub.db, hubRealm.id);
  const now = () => hub.clock.now();
  const daysAgo = (days: number) => new Date(now().getTime() - days * day);
  const daysAhead = (days: number) => new Date(now().getTime() + days * day);
  let serial = 0;

  async function nhi(
    fields: {
      ownerUserId?: string | null;
      ownerGroupId?: string | null;
      environment?: 'production' | 'staging' | 'development' | 'unknown';
      status?: 'active' | 'disabled';
      provider?: 'aws' | 'github' | 'kubernetes';
      metadata?: Record<string, unknown>;
      realm?: RealmSummary;
    } = {},
  ) {
    serial += 1;
    const db = fields.realm ? new RealmDb(hub.db, fields.realm.id) : realmDb;
    const row = await db.transaction((tx) =>
      tx.nhi.create({
        data: {
          kind: 'service_account',
          provider: fields.provider ?? 'aws',
          metadata: (fields.metadata ?? {}) as never,
          externalId: `arn:aws:iam::123456789012:user/svc-${serial}`,
          name: `svc-${serial}`,
          ownerUserId: fields.ownerUserId === undefined ? ana.id : fields.ownerUserId,
          ownerGroupId: fields.ownerGroupId ?? null,
          environment: fields.environment ?? 'production',
          status: fields.status ?? 'active',
        },
        select: { id: true, name: true },
      }),
    );
    return row;
  }

  /**
   * A machine identity at work: an NHI with one active access key that no rule minds (recently
   * rotated, used yesterday, expiring in a year). Unowned, it is what nhi1.unowned flags.
   */
  async function machine(fields: Parameters<typeof nhi>[0] = {}) {
    const row = await nhi(fields);
    await credential(row.id);
    return row;
  }

  /** An active access key, recently rotated, used yesterday, expiring in a year, unless told otherwise. */
  async function credential(
    nhiId: string,
    fields: {
      kind?: 'access_key' | 'password' | 'token' | 'private_key';
      status?: 'active' | 'inactive' | 'revoked';
      fingerprint?: string | null;
      lastUsedAt?: Date | null;
      lastRotatedAt?: Date | null;
      createdAt?: Date;
      expiresAt?: Date | null;
    } = {},
  ) {
    return realmDb.transaction((tx) =>
      tx.credential.create({
        data: {
          nhiId,
          kind: fields.kind ?? 'access_key',
          status: fields.status ?? 'active',
          fingerprint: fields.fingerprint ?? null,
          hint: 'AKIA…WXYZ',
          lastUsedAt: fields.lastUsedAt === undefined ? daysAgo(1) : fields.lastUsedAt,
          lastRotatedAt: fields.lastRotatedAt === undefined ? daysAgo(10) : fields.lastRotatedAt,
          createdAt: fields.createdAt ?? daysAgo(10),
          expiresAt: fields.expiresAt === undefined ? daysAhead(365) : fields.expiresAt,
        },
        select: { id: true },
      }),
    );
  }

  let source: string | undefined;
  async function sourceId() {
    source ??= (
      await realmDb.transaction((tx) =>
        tx.source.create({ data: { type: 'aws_iam', name: 'prod account' }, select: { id: true } }),
      )
    ).id;
    return source;
  }

  async function fact(nhiId: string | null, kind: string, subject = `${kind}|${nhiId}`) {
    const id = await sourceId();
    await realmDb.transaction((tx) =>
      tx.scanFact.create({
        data: { nhiId, sourceId: id, kind, subject, evidence: { seen: kind } },
        select: { id: true },
      }),
    );
  }

  async function leak(
    fingerprint: string,
    credentialId: string | null = null,
    fields: { secretType?: string; verification?: string; line?: number; resolvedAt?: Date } = {},
  ) {
    const id = await sourceId();
    await realmDb.transaction((tx) =>
      tx.leak.create({
        data: {
          sourceId: id,
          scanId: 'scan-1',
          rule: 'aws-access-token',
          file: 'deploy/.env',
          line: fields.line ?? 3,
          maskedMatch: 'AKIA…WXYZ',
          fingerprint,
          locationKey: `${fingerprint}-loc-${fields.line ?? 3}`,
          credentialId,
          secretType: fields.secretType ?? 'aws_access_key_id',
          verification: fields.verification ?? null,
          resolvedAt: fields.resolvedAt ?? null,
        },
        select: { id: true },
      }),
    );
  }

  const evaluate = (nhiIds?: string[]) =>
    realmDb.transaction((tx) =>
      evaluateInTransaction(tx, hubRealm.id, now(), nhiIds ? { all: false, nhiIds } : { all: true }),
    );

  /** Alerts of the hub realm as `rule@nhi-or-credential state`, sorted, for readable assertions. */
  async function alerts() {
    return realmDb.transaction((tx) =>
      tx.alert.findMany({
        select: {
          id: true,
          ruleId: true,
          nhiId: true,
          credentialId: true,
          state: true,
          severity: true,
          owaspId: true,
          fingerprint: true,
          subject: true,
          evidence: true,
        },
        orderBy: [{ ruleId: 'asc' }, { fingerprint: 'asc' }],
      }),
    );
  }

  async function rulesFiring(filter: { nhiId?: string; credentialId?: string } = {}) {
    return (await alerts())
      .filter((a) => a.state !== 'resolved')
      .filter((a) => !filter.nhiId || a.nhiId === filter.nhiId)
      .filter((a) => !filter.credentialId || a.credentialId === filter.credentialId)
      .map((a) => a.ruleId);
  }

  const principalOf = (user: { id: string; email: string }): Principal => ({
    kind: 'user',
    userId: user.id,
    email: user.email,
    sessionId: 'test-session',
  });

  async function scopeOf(
    user: { id: string; email: string } = ana,
    realm: RealmSummary = hubRealm,
  ): Promise<DependencyContainer> {
    const scope = await openRequestScope(hub.root, {
      context: { requestId: `req-${user.email}`, realm, principal: principalOf(user), clock: hub.clock },
      credential: 'bearer',
    });
    return scope.container;
  }

  const serviceOf = async (user?: { id: string; email: string }, realm?: RealmSummary) =>
    (await scopeOf(user, realm)).resolve(AlertService);

  /** An API token of the user in the realm, for calls over /api/trpc. */
  async function bearerOf(user: { id: string }, realm: RealmSummary = hubRealm): Promise<string> {
    const scope = await openRequestScope(hub.root, {
      context: {
        requestId: 'req-token',
        realm,
        principal: { kind: 'system', name: 'test' },
        clock: hub.clock,
      },
      credential: 'bearer',
    });
    return (await scope.container.resolve(ApiTokenService).create({ userId: user.id, name: 'test' })).token;
  }

  /** A group of the realm, to own identities as a team. */
  function group(name: string) {
    return realmDb.transaction((tx) => tx.policyGroup.create({ data: { name }, select: { id: true } }));
  }

  return {
    ...hub,
    bearerOf,
    group,
    hubRealm,
    otherRealm,
    ana,
    eve,
    vic,
    oli,
    realmDb,
    daysAgo,
    daysAhead,
    nhi,
    credential,
    fact,
    leak,
    evaluate,
    alerts,
    rulesFiring,
    machine,
    scopeOf,
    serviceOf,
  };
}

export type AlertWorld = Awaited<ReturnType<typeof setupAlerts>>;
