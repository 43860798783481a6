import { expect, it } from 'vitest';
import { setupHub } from '../auth/auth-test-setup.ts';
import { realmCreatedEvent } from '../auth/realm-admin-writes.ts';
import { RealmDb } from '../database/realm-db.ts';
import { JobQueue } from '../jobs/job-queue.ts';
import { createLogger } from '../logging/logger.ts';
import { describeEachDatabase } from '../testing/describe-each-database.ts';
import { type DomainEventJobPayload, DomainEventRelay } from './domain-event-relay.ts';
import { publishDomainEvent } from './domain-events.ts';

describeEachDatabase('Domain events', (_kind, newDatabase) => {
  async function setup() {
    const hub = await setupHub(() => newDatabase());
    const realm = await hub.realm('hub', 'Hub');
    const other = await hub.realm('other', 'Other');
    const logger = createLogger({ level: 'silent' });
    const jobs = new JobQueue(hub.db.jobStore, logger, { pollingIntervalSeconds: 0.5 });
    await jobs.start();
    const received: DomainEventJobPayload[] = [];
    let arrived: () => void = () => {};
    await jobs.register<DomainEventJobPayload>('test.on-change', async (job) => {
      received.push(job.payload);
      arrived();
    });
    const relay = new DomainEventRelay(hub.db, jobs, logger);
    const realmDb = new RealmDb(hub.db, realm.id);
    const nextJob = () => new Promise<void>((resolve) => (arrived = resolve));
    // The tests' own events: creating the two realms published theirs (tested below).
    const pending = () =>
      hub.db.systemPrisma.domainEvent.findMany({
        where: { type: { not: realmCreatedEvent } },
        select: { type: true, realmId: true, subjectIds: true },
      });
    return { ...hub, realm, other, jobs, relay, realmDb, received, nextJob, pending };
  }

  it('announces a new realm with its creation, in that realm, to whoever keeps per-realm schedules', async () => {
    const t = await setup();
    t.relay.subscribe(realmCreatedEvent, 'test.on-change');

    expect(await t.relay.relayOnce()).toBe(2);
    for (let i = 0; i < 200 && t.received.length < 2; i++) await new Promise((r) => setTimeout(r, 50));

    expect(
      t.received
        .map(({ realmId, types, subjectIds }) => ({ realmId, types, subjectIds }))
        .sort((a, b) => a.realmId.localeCompare(b.realmId)),
    ).toEqual(
      [
        { realmId: t.realm.id, types: [realmCreatedEvent], subjectIds: [t.realm.id] },
        { realmId: t.other.id, types: [realmCreatedEvent], subjectIds: [t.other.id] },
      ].sort((a, b) => a.realmId.localeCompare(b.realmId)),
    );
    await t.jobs.stop();
  });

  it('hands the events of a committed change to the subscribed job, merged per realm, once', async () => {
    const t = await setup();
    t.relay.subscribe('thing.changed', 'test.on-change');
    await t.realmDb.transaction((tx) => publishDomainEvent(tx, 'thing.changed', ['a', 'b']));
    await t.realmDb.transaction((tx) => publishDomainEvent(tx, 'thing.changed', ['b', 'c']));
    const arrived = t.nextJob();

    expect(await t.relay.relayOnce()).toBe(1);
    await arrived;

    expect(t.received).toEqual([
      { realmId: t.realm.id, types: ['thing.changed'], subjectIds: ['a', 'b', 'c'] },
    ]);
    expect(await t.pending()).toEqual([]);
    expect(await t.relay.relayOnce()).toBe(0);
    await t.jobs.stop();
  });

  it('publishes nothing when the change rolls back', async () => {
    const t = await setup();
    t.relay.subscribe('thing.changed', 'test.on-change');

    await expect(
      t.realmDb.transaction(async (tx) => {
        await publishDomainEvent(tx, 'thing.changed', ['a']);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');

    expect(await t.pending()).toEqual([]);
    expect(await t.relay.relayOnce()).toBe(0);
    await t.jobs.stop();
  });

  it('keeps events nobody subscribed to yet, in their own realm', async () => {
    const t = await setup();
    await new RealmDb(t.db, t.other.id).transaction((tx) => publishDomainEvent(tx, 'later.type', ['x']));

    expect(await t.relay.relayOnce()).toBe(0);

    expect(await t.pending()).toEqual([{ type: 'later.type', realmId: t.other.id, subjectIds: ['x'] }]);
    const seenFromHub = await t.realmDb.transaction((tx) =>
      tx.domainEvent.count({ where: { type: 'later.type' } }),
    );
    expect(seenFromHub).toBe(0);
    await t.jobs.stop();
  });
});
