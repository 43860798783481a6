import { expect, it } from 'vitest';
import { createLogger } from '../logging/logger.ts';
import { describeEachDatabase, type NewTestDatabase } from '../testing/describe-each-database.ts';
import { JobQueue, type JobQueueOptions } from './job-queue.ts';

interface Greeting {
  realmId: string;
  text: string;
}

async function setup(
  newDatabase: NewTestDatabase,
  options: JobQueueOptions = {},
  database: { pgliteThread?: boolean } = {},
) {
  const db = await newDatabase(database);
  const queue = new JobQueue(db.jobStore, createLogger({ level: 'silent' }), {
    pollingIntervalSeconds: 0.5,
    ...options,
  });
  await queue.start();
  return { db, queue };
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

async function waitForState(queue: JobQueue, name: string, id: string, state: string) {
  const deadline = Date.now() + 25_000;
  while (Date.now() < deadline) {
    if ((await queue.jobState(name, id)) === state) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`job ${id} never reached ${state} (now ${await queue.jobState(name, id)})`);
}

describeEachDatabase('JobQueue', (_kind, newDatabase) => {
  it('runs an enqueued job with its realm payload and marks it completed', async () => {
    const { queue } = await setup(newDatabase);
    const seen = deferred<Greeting>();
    await queue.register<Greeting>('test.greet', async (job) => seen.resolve(job.payload));

    const id = await queue.enqueue<Greeting>('test.greet', { realmId: 'realm-1', text: 'hello' });

    expect(await seen.promise).toEqual({ realmId: 'realm-1', text: 'hello' });
    await waitForState(queue, 'test.greet', id, 'completed');
    await queue.stop();
  });

  it('runs a job only when its realm’s gate lets it: held jobs come back later, skipped ones do not', async () => {
    const gates = new Map<string, 'run' | 'hold' | 'skip'>([
      ['moving', 'hold'],
      ['elsewhere', 'skip'],
    ]);
    const { queue } = await setup(newDatabase, {
      realmGate: async (realmId) => gates.get(realmId) ?? 'run',
      holdSeconds: 1,
    });
    const ran: string[] = [];
    const here = deferred();
    const moved = deferred();
    await queue.register<Greeting>('test.gated', async (job) => {
      ran.push(job.payload.realmId);
      if (job.payload.realmId === 'here') here.resolve();
      if (job.payload.realmId === 'moving') moved.resolve();
    });

    const held = await queue.enqueue<Greeting>('test.gated', { realmId: 'moving', text: 'a' });
    const skipped = await queue.enqueue<Greeting>('test.gated', { realmId: 'elsewhere', text: 'b' });
    await queue.enqueue<Greeting>('test.gated', { realmId: 'here', text: 'c' });

    await here.promise;
    await waitForState(queue, 'test.gated', held, 'completed');
    await waitForState(queue, 'test.gated', skipped, 'completed');
    expect(ran).toEqual(['here']);

    // The move is over: the held job, sent again for later, runs now; the skipped one never does.
    gates.set('moving', 'run');
    await moved.promise;
    expect(ran).toEqual(['here', 'moving']);
    await queue.stop();
  });

  it('runs jobs on an embedded database in its own thread, as the hub runs it', async () => {
    const { queue } = await setup(newDatabase, {}, { pgliteThread: true });
    const seen = deferred<Greeting>();
    await queue.register<Greeting>('test.threaded', async (job) => seen.resolve(job.payload));

    const id = await queue.enqueue<Greeting>('test.threaded', { realmId: 'realm-1', text: 'hello' });

    expect(await seen.promise).toEqual({ realmId: 'realm-1', text: 'hello' });
    await waitForState(queue, 'test.threaded', id, 'completed');
    await queue.stop();
  });

  it('counts the handlers running in this process by job name, and forgets them once done', async () => {
    const { queue } = await setup(newDatabase);
    const running = deferred();
    const finish = deferred();
    await queue.register<Greeting>('test.counted', async () => {
      running.resolve();
      await finish.promise;
    });

    const id = await queue.enqueue<Greeting>('test.counted', { realmId: 'r', text: 'slow' });
    await running.promise;
    const during = new Map(queue.activeJobs());
    finish.resolve();
    await waitForState(queue, 'test.counted', id, 'completed');

    expect(during.get('test.counted')).toBe(1);
    expect(queue.activeJobs().get('test.counted')).toBe(0);
    await queue.stop();
  });

  it('runs jobs enqueued before the handler was registered', async () => {
    const { queue } = await setup(newDatabase);
    const id = await queue.enqueue<Greeting>('test.later', { realmId: 'r', text: 'queued first' });
    const seen = deferred<string>();

    await queue.register<Greeting>('test.later', async (job) => seen.resolve(job.payload.text));

    expect(await seen.promise).toBe('queued first');
    await waitForState(queue, 'test.later', id, 'completed');
    await queue.stop();
  });

  it('retries a failed job and fails it after the retry limit', async () => {
    const { queue } = await setup(newDatabase);
    const attempts: number[] = [];
    await queue.register(
      'test.flaky',
      async (job) => {
        attempts.push(job.retryCount);
        throw new Error('boom');
      },
      { retryLimit: 1, retryDelaySeconds: 1 },
    );

    const id = await queue.enqueue('test.flaky', { realmId: 'r' });

    await waitForState(queue, 'test.flaky', id, 'failed');
    expect(attempts).toEqual([0, 1]);
    await queue.stop();
  });

  it('does not start a job cancelled while queued', async () => {
    const { queue } = await setup(newDatabase);
    let ran = false;
    const id = await queue.enqueue(
      'test.cancelled',
      { realmId: 'r' },
      { startAfter: new Date(Date.now() + 1500) },
    );
    await queue.cancel('test.cancelled', id);
    await queue.register('test.cancelled', async () => {
      ran = true;
    });

    await new Promise((r) => setTimeout(r, 2500));

    expect(ran).toBe(false);
    expect(await queue.jobState('test.cancelled', id)).toBe('cancelled');
    await queue.stop();
  });

  it('rejects a payload without a realm', async () => {
    const { queue } = await setup(newDatabase);

    await expect(queue.enqueue('test.norealm', { realmId: '' })).rejects.toThrow(/realmId/);
    await queue.stop();
  });

  it('keeps one cron schedule per key and replaces it when scheduled again', async () => {
    const { queue } = await setup(newDatabase);

    await queue.schedule('test.cron', 'source-a', '*/5 * * * *', { realmId: 'r', text: 'a' });
    await queue.schedule('test.cron', 'source-b', '0 * * * *', { realmId: 'r', text: 'b' });
    await queue.schedule('test.cron', 'source-a', '0 3 * * *', { realmId: 'r', text: 'a2' });
    await queue.unschedule('test.cron', 'source-b');

    expect(await queue.schedules('test.cron')).toEqual([
      { key: 'source-a', cron: '0 3 * * *', payload: { realmId: 'r', text: 'a2' } },
    ]);
    await queue.stop();
  });

  it('lets an active job finish before stop() returns', async () => {
    const { queue } = await setup(newDatabase);
    const started = deferred();
    let finished = false;
    await queue.register('test.slow', async () => {
      started.resolve();
      await new Promise((r) => setTimeout(r, 300));
      finished = true;
    });
    await queue.enqueue('test.slow', { realmId: 'r' });
    await started.promise;

    await queue.stop();

    expect(finished).toBe(true);
  });
});
