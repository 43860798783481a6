import {
  ApiTokenService,
  type Logger,
  openRequestScope,
  type Principal,
  RealmDb,
  type RealmRef,
  type RealmSummary,
} from '@nhi/platform';
import { type NewTestDatabase, setupHub } from '@nhi/platform/testing';
import type { DependencyContainer } from 'tsyringe';
import type { CreateNhiInput } from '../api/nhi.schema.ts';
import { NhiService } from '../service/nhi.service.ts';
import { type SourcedNhi, type SourceSyncContext, syncSourcedNhis } from '../service/nhi-source-sync.ts';
import '../api/nhi.permissions.ts';

/**
 * A hub with two realms: `hub` (Ana admin, Eve editor, Vic viewer) and `other` (Oli admin, and
 * Ana as admin too), and ways to act in either as any of them.
 */
export async function setupInventory(newDatabase: NewTestDatabase, options: { logger?: Logger } = {}) {
  const hub = await setupHub(() => newDatabase(), {}, options);
  const hubRealm = await hub.realm('hub', 'Hub');
  const otherRealm = await hub.realm('other', 'Other');
  const ana = await hub.member('ana@example.com', 'hub', 'admin');
  const eve = await hub.member('eve@example.com', 'hub', 'editor');
  const vic = await hub.member('vic@example.com', 'hub', 'viewer');
  const oli = await hub.member('oli@example.com', 'other', 'admin');
  await hub.member('ana@example.com', 'other', 'admin');

  const userPrincipal = (user: { id: string; email: string }): Principal => ({
    kind: 'user',
    userId: user.id,
    email: user.email,
    sessionId: 'test-session',
  });

  /** A request container of the user in the realm, as guards build it. */
  async function scopeOf(
    user: { id: string; email: string } = ana,
    realm: RealmSummary = hubRealm,
  ): Promise<DependencyContainer> {
    const scope = await openRequestScope(hub.root, {
      context: { requestId: `req-${user.email}`, realm, principal: userPrincipal(user), clock: hub.clock },
      credential: 'bearer',
    });
    return scope.container;
  }

  async function nhiServiceOf(user?: { id: string; email: string }, realm?: RealmSummary) {
    return (await scopeOf(user, realm)).resolve(NhiService);
  }

  /** An API token of the user in the realm, for calls over /api/trpc. */
  async function bearerOf(user: { id: string; email: string }, realm: RealmRef = hubRealm): Promise<string> {
    const scope = await openRequestScope(hub.root, {
      context: {
        requestId: 'req-token',
        realm,
        principal: { kind: 'system', name: 'test' },
        clock: hub.clock,
      },
      credential: 'bearer',
    });
    const created = await scope.container.resolve(ApiTokenService).create({ userId: user.id, name: 'test' });
    return created.token;
  }

  return { ...hub, hubRealm, otherRealm, ana, eve, vic, oli, scopeOf, nhiServiceOf, bearerOf };
}

let serial = 0;

/** A valid create input; each call names a different identity. */
export function newNhi(overrides: Partial<CreateNhiInput> = {}): CreateNhiInput {
  serial += 1;
  return {
    kind: 'service_account',
    provider: 'aws',
    externalId: `arn:aws:iam::123456789012:user/deploy-${serial}`,
    name: `deploy-${serial}`,
    ...overrides,
  };
}

/**
 * An inventory with what a scanner's sync of it runs with: the realm's database and a sync of the
 * hub realm by one AWS source, at a fixed time.
 */
export async function setupSourceSync(newDatabase: NewTestDatabase) {
  const inventory = await setupInventory(newDatabase);
  const realmDb = new RealmDb(inventory.db, inventory.hubRealm.id);
  const sync: SourceSyncContext = {
    context: {
      realm: inventory.hubRealm,
      principal: { kind: 'system', name: 'scanner' },
      requestId: 'scan-1',
    },
    sourceType: 'scan:aws_iam',
    sourceRef: 'source-1',
    seenAt: new Date('2026-03-02T10:00:00.000Z'),
  };
  const run = (items: SourcedNhi[]) => realmDb.transaction((tx) => syncSourcedNhis(tx, sync, items));
  return { ...inventory, realmDb, sync, run };
}
