import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { setupHub } from '../auth/auth-test-setup.ts';
import { ConflictError } from '../errors/domain-errors.ts';
import { describeEachDatabase, type NewTestDatabase } from '../testing/describe-each-database.ts';
import { startTestWorker } from '../testing/test-worker.ts';
import { InstanceRegistry } from './instance-registry.ts';
import { RealmMover } from './realm-move.ts';
import { RealmStore, type RealmStore as RealmStoreType } from './realm-store.ts';

/** A realm with a bit of everything: identities, credentials, a finished scan, alerts, policies, audit. */
async function seedRealm(hub: Awaited<ReturnType<typeof setupHub>>) {
  const realm = await hub.realm('payments');
  const owner = await hub.member('owner@example.com', 'payments', 'admin');
  const prisma = hub.db.systemPrisma;
  const realmId = realm.id;
  const team = await prisma.policyGroup.create({ data: { realmId, name: 'Platform team' } });
  const subTeam = await prisma.policyGroup.create({
    data: { realmId, name: 'Payments on-call', parentId: team.id },
  });
  await prisma.policyGroupMember.create({ data: { realmId, groupId: subTeam.id, userId: owner.id } });
  const policy = await prisma.policy.create({
    data: { realmId, name: 'Rotate keys', permissions: ['nhi:read', 'nhi:write'] },
  });
  await prisma.policyAssignment.create({
    data: { realmId, policyId: policy.id, groupId: subTeam.id, assignedByType: 'user', reason: 'on-call' },
  });
  const nhis = [];
  for (let index = 0; index < 7; index += 1) {
    nhis.push(
      await prisma.nhi.create({
        data: {
          realmId,
          kind: 'access_key',
          provider: 'aws',
          externalId: `AKIA${index}`,
          name: `deploy-${index} “quoted” \\ ${'ü'.repeat(index)}`,
          ownerUserId: owner.id,
          ownerGroupId: index === 0 ? team.id : null,
          environment: 'production',
          tags: ['ci', `t${index}`],
          permissions: [{ action: 's3:*', resource: '*' }],
          metadata: { nested: { list: [1, 2.5, null, 'x'] }, big: 2 ** 53 + index },
          providerCreatedAt: new Date('2025-01-02T03:04:05.678Z'),
        },
      }),
    );
  }
  for (const nhi of nhis) {
    await prisma.credential.create({
      data: {
        realmId,
        nhiId: nhi.id,
        kind: 'access_key',
        fingerprint: `fp-${nhi.id}`,
        expiresAt: new Date(),
      },
    });
    await prisma.nhiVersion.create({
      data: {
        realmId,
        nhiId: nhi.id,
        version: 1,
        snapshot: { name: nhi.name },
        changes: {},
        actorType: 'user',
      },
    });
  }
  const source = await prisma.source.create({
    data: {
      realmId,
      type: 'aws_iam',
      name: 'prod account',
      settings: { region: 'eu-west-1' },
      encryptedSecrets: 'enc:abc',
    },
  });
  const scan = await prisma.scan.create({
    data: {
      realmId,
      sourceId: source.id,
      input: 'aws.credential_report',
      state: 'succeeded',
      warnings: [{ item: 'x', message: 'unreadable' }],
      uploadEncrypted: new Uint8Array([0, 1, 2, 254, 255]),
      triggeredByType: 'user',
      finishedAt: new Date(),
    },
  });
  const first = nhis[0];
  if (!first) throw new Error('no NHI');
  await prisma.sourceItem.create({
    data: {
      realmId,
      sourceId: source.id,
      input: scan.input,
      nhiId: first.id,
      contentHash: 'h',
      lastScanId: scan.id,
    },
  });
  await prisma.scanFact.create({
    data: {
      realmId,
      sourceId: source.id,
      nhiId: first.id,
      kind: 'aws.admin',
      subject: 's',
      evidence: { a: 1 },
    },
  });
  await prisma.leak.create({
    data: {
      realmId,
      sourceId: source.id,
      scanId: scan.id,
      rule: 'aws',
      file: 'a.env',
      maskedMatch: 'AKIA****',
      fingerprint: 'f',
      locationKey: 'k',
    },
  });
  const now = new Date();
  const alert = await prisma.alert.create({
    data: {
      realmId,
      fingerprint: 'rule:x',
      ruleId: 'stale-key',
      owaspId: 'NHI2',
      severity: 'high',
      nhiId: first.id,
      subject: first.id,
      firstSeenAt: now,
      lastSeenAt: now,
      stateChangedAt: now,
    },
  });
  await prisma.alertEvent.create({
    data: { realmId, alertId: alert.id, toState: 'open', actorType: 'system', notify: true },
  });
  await prisma.nhiRiskScore.create({
    data: { realmId, nhiId: first.id, score: 70, level: 'high', computedAt: now, factors: [{ rule: 'x' }] },
  });
  await prisma.alertRuleSetting.create({ data: { realmId, ruleId: 'stale-key', thresholds: { days: 90 } } });
  const channel = await prisma.alertChannel.create({
    data: {
      realmId,
      type: 'webhook',
      name: 'ops hook',
      severities: ['high', 'critical'],
      environments: ['production'],
      ruleIds: ['stale-key'],
    },
  });
  const notification = await prisma.alertNotification.create({
    data: { realmId, channelId: channel.id, kind: 'alert', payload: { a: 1 }, nextAttemptAt: now },
  });
  await prisma.alertDeliveryAttempt.create({
    data: { realmId, notificationId: notification.id, attempt: 1, ok: false, status: 500, durationMs: 12 },
  });
  await prisma.dashboardSnapshot.create({
    data: {
      realmId,
      day: new Date('2026-12-01'),
      openAlerts: 1,
      riskScore: 0.1 + 0.2,
      figures: { total: 7 },
      takenAt: now,
    },
  });
  await prisma.domainEvent.create({ data: { realmId, type: 'nhi.changed', subjectIds: [first.id] } });
  return { realm, owner };
}

/**
 * Every row of the realm per table, as JSON objects in primary-key order. The policy epoch is left
 * out: the move moves it on purpose, so cached decisions are made again.
 */
async function rowsOf(store: RealmStoreType, realmId: string) {
  const all: Record<string, unknown[]> = {};
  for (const table of await store.tables()) {
    if (table.name === 'PolicyEpoch') continue;
    const page = await store.exportPage(realmId, table.name, null, 10_000);
    all[table.name] = JSON.parse(page.rows) as unknown[];
  }
  return all;
}

async function setup(newDatabase: NewTestDatabase) {
  const hub = await setupHub(newDatabase);
  const worker = await startTestWorker();
  await hub.root.resolve(InstanceRegistry).add({ name: 'worker-a', baseUrl: worker.url });
  const seeded = await seedRealm(hub);
  const hubStore = new RealmStore(hub.db);
  const mover = hub.root.resolve(RealmMover);
  const steps: string[] = [];
  const move = (to: string, options = {}) =>
    mover.move('payments', to, { onStep: (step) => steps.push(step), ...options });
  return { hub, worker, hubStore, mover, move, steps, ...seeded };
}

/** Rows that the move itself adds: the worker's realm creation and the `realm.created` where it lands. */
function withoutMoveTraces(rows: Record<string, unknown[]>) {
  const trace = (row: unknown) => {
    const r = row as { type?: string; action?: string };
    return r.type === 'realm.created' || r.action === 'realm.move' || r.action === 'realm.create';
  };
  return Object.fromEntries(
    Object.entries(rows)
      .filter(([table]) => table !== 'PolicyEpoch')
      .map(([table, list]) => [table, list.filter((row) => !trace(row))]),
  );
}

describeEachDatabase('realm move', (_kind, newDatabase) => {
  it('moves every row of the realm to a worker and back, each present once and unchanged', async () => {
    const { hub, worker, hubStore, move, realm, steps } = await setup(newDatabase);
    const before = await rowsOf(hubStore, realm.id);

    // Small pages: several per table, and pages over the byte limit asked for again, smaller.
    const there = await move('worker-a', { pageRows: 3, pageBytes: 2500 });

    expect(there).toMatchObject({ realm: 'payments', from: 'hub', to: 'worker-a', warnings: [] });
    expect(there.tables.find((t) => t.table === 'Nhi')).toMatchObject({ source: 7, target: 7 });
    expect(steps).toEqual(expect.arrayContaining([expect.stringMatching(/^Copied Credential: 7 row/)]));
    const onWorker = await rowsOf(worker.store, realm.id);
    const moved = (await hubStore.tables()).filter((t) => t.role === 'moved').map((t) => t.name);
    for (const table of moved) expect(onWorker[table], table).toEqual(before[table]);
    expect(withoutMoveTraces(onWorker).Policy).toEqual(before.Policy);
    const placed = await hub.db.systemPrisma.realm.findUniqueOrThrow({
      where: { id: realm.id },
      select: { instance: { select: { name: true } }, movingTo: true },
    });
    expect(placed).toEqual({ instance: { name: 'worker-a' }, movingTo: null });
    const leftOnHub = await hubStore.counts(realm.id);
    for (const table of moved) expect(leftOnHub[table], table).toBe(0);
    // The worker serves the realm now, and has been told to schedule its jobs.
    const workerRealm = await worker.db.systemPrisma.realm.findUniqueOrThrow({ where: { id: realm.id } });
    expect(workerRealm.movingTo).toBeNull();

    const back = await move('hub');

    expect(back).toMatchObject({ from: 'worker-a', to: 'hub', warnings: [] });
    const after = await rowsOf(hubStore, realm.id);
    expect(withoutMoveTraces(after)).toEqual(withoutMoveTraces(before));
    expect(await worker.db.systemPrisma.realm.findUnique({ where: { id: realm.id } })).toBeNull();
    const home = await hub.db.systemPrisma.realm.findUniqueOrThrow({ where: { id: realm.id } });
    expect(home).toMatchObject({ instanceId: null, movingTo: null, movingSince: null });
  });

  it('removes the partial copy and leaves the source serving when the target fails half-way', async () => {
    const { hub, worker, hubStore, move, realm } = await setup(newDatabase);
    const before = await rowsOf(hubStore, realm.id);
    worker.failImportOf = 'Alert';

    await expect(move('worker-a')).rejects.toThrow(/worker-a refused import: disk full/);

    expect(await rowsOf(hubStore, realm.id)).toEqual(before);
    expect(await worker.db.systemPrisma.realm.findUnique({ where: { id: realm.id } })).toBeNull();
    const home = await hub.db.systemPrisma.realm.findUniqueOrThrow({ where: { id: realm.id } });
    expect(home).toMatchObject({ instanceId: null, movingTo: null });

    // Fixed, it goes through.
    worker.failImportOf = undefined;
    await expect(move('worker-a')).resolves.toMatchObject({ to: 'worker-a' });
  });

  it('brings a partial copy back to the hub and removes only what it brought when it fails', async () => {
    const { hub, worker, hubStore, move, realm } = await setup(newDatabase);
    await move('worker-a');
    const hubBefore = await rowsOf(hubStore, realm.id);
    const workerBefore = await rowsOf(worker.store, realm.id);
    // The worker refuses to export alerts: the copy to the hub stops half-way.
    const realExport = worker.store.exportPage.bind(worker.store);
    worker.store.exportPage = async (realmId, table, after, limit) => {
      if (table === 'Alert') throw new ConflictError('export refused');
      return realExport(realmId, table, after, limit);
    };

    await expect(move('hub')).rejects.toThrow(/export refused/);
    worker.store.exportPage = realExport;

    const hubAfter = await rowsOf(hubStore, realm.id);
    expect(withoutMoveTraces(hubAfter)).toEqual(withoutMoveTraces(hubBefore));
    expect(hubAfter.Policy?.length).toBe(hubBefore.Policy?.length);
    expect(await rowsOf(worker.store, realm.id)).toEqual(workerBefore);
    const placed = await hub.db.systemPrisma.realm.findUniqueOrThrow({ where: { id: realm.id } });
    expect(placed.movingTo).toBeNull();
    expect(
      (await worker.db.systemPrisma.realm.findUniqueOrThrow({ where: { id: realm.id } })).movingTo,
    ).toBeNull();
  });

  it('refuses to start while a scan of the realm runs past the wait, and moves nothing', async () => {
    const { hub, hubStore, move, realm } = await setup(newDatabase);
    const source = await hub.db.systemPrisma.source.findFirstOrThrow({ where: { realmId: realm.id } });
    await hub.db.systemPrisma.scan.create({
      data: {
        realmId: realm.id,
        sourceId: source.id,
        input: 'live',
        state: 'running',
        triggeredByType: 'system',
      },
    });
    const before = await rowsOf(hubStore, realm.id);

    await expect(move('worker-a', { waitSeconds: 1 })).rejects.toThrow(
      /1 scan\(s\) of realm payments still running after 1 s; nothing was moved/,
    );

    expect(await rowsOf(hubStore, realm.id)).toEqual(before);
    const home = await hub.db.systemPrisma.realm.findUniqueOrThrow({ where: { id: realm.id } });
    expect(home).toMatchObject({ instanceId: null, movingTo: null });
  });

  it('refuses a target that already holds rows of the realm, and an unknown instance', async () => {
    const { worker, move, realm, hubStore } = await setup(newDatabase);
    const rows = await hubStore.exportPage(realm.id, 'PolicyGroup', null, 1000);
    await worker.db.systemPrisma.realm.create({ data: { id: realm.id, slug: 'payments', name: 'payments' } });
    await worker.store.removeRows(realm.id, ['policy']);
    await worker.store.importPage(realm.id, 'PolicyGroup', rows.rows);
    const source = await worker.db.systemPrisma.source.create({
      data: { realmId: realm.id, type: 'github', name: 'left over' },
    });

    await expect(move('worker-a')).rejects.toThrow(/already holds rows of realm payments: Source \(1\)/);
    await expect(move('nowhere')).rejects.toThrow(/Instance nowhere was not found/);
    expect(source.id).toBeTruthy();
  });
});

describeEachDatabase('realm tables', (_kind, newDatabase) => {
  it('moves every model of the schema that carries realmId, or names why it stays with the hub', async () => {
    const db = await newDatabase();
    const schema = readFileSync(new URL('../../../../prisma/schema.prisma', import.meta.url), 'utf8');
    const realmModels = [...schema.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)]
      .filter(([, , body]) => /^\s+realmId\s/m.test(body ?? ''))
      .map(([, name]) => name)
      .sort();

    const tables = await new RealmStore(db).tables();

    expect(tables.map((t) => t.name).sort()).toEqual(realmModels);
    expect(
      tables
        .filter((t) => t.role === 'hub')
        .map((t) => t.name)
        .sort(),
    ).toEqual(['ApiToken', 'RealmMembership', 'ScimToken', 'ScimUser']);
    // Parents first: a page never arrives before the rows it points at.
    const order = tables.map((t) => t.name);
    expect(order.indexOf('Nhi')).toBeLessThan(order.indexOf('Credential'));
    expect(order.indexOf('PolicyGroup')).toBeLessThan(order.indexOf('Nhi'));
    expect(order.indexOf('Alert')).toBeLessThan(order.indexOf('AlertEvent'));
    expect(order.indexOf('AlertNotification')).toBeLessThan(order.indexOf('AlertDeliveryAttempt'));
  });
});
