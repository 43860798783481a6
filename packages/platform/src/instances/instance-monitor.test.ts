import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, it, onTestFinished } from 'vitest';
import { setupHub } from '../auth/auth-test-setup.ts';
import { NotFoundError } from '../errors/domain-errors.ts';
import { createLogger } from '../logging/logger.ts';
import { HUB_METRICS, HubMetrics } from '../metrics/metrics.ts';
import type { NewTestDatabase } from '../testing/describe-each-database.ts';
import { describeEachDatabase } from '../testing/describe-each-database.ts';
import { InstanceMonitor } from './instance-monitor.ts';
import { InstanceRegistry } from './instance-registry.ts';

type Answer = (request: IncomingMessage, response: ServerResponse) => void;

const ready =
  (version?: string): Answer =>
  (_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ status: 'ready', ...(version ? { version } : {}) }));
  };

/** Takes the request and never answers, like a worker stuck behind its load. */
const silent: Answer = () => {};

const unavailable: Answer = (_request, response) => {
  response.writeHead(503, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ status: 'unavailable', reason: 'database' }));
};

/** A local HTTP server in a worker's place: answers /readyz as told, counts the probes. */
async function fakeWorker(answer: Answer = ready('1.4.2')) {
  const worker = { answer, probes: 0, url: '', close: async () => {} };
  const server = createServer((request, response) => {
    if (request.url !== '/readyz') {
      response.writeHead(404).end();
      return;
    }
    worker.probes += 1;
    worker.answer(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  worker.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let closed = false;
  worker.close = async () => {
    if (closed) return;
    closed = true;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  onTestFinished(() => worker.close());
  return worker;
}

/** A URL on which nothing listens: a port that was just given up. */
async function closedPortUrl(): Promise<string> {
  const worker = await fakeWorker();
  await worker.close();
  return worker.url;
}

/** Metrics whose gauge update fails once: a round that fails half-way, as with the database away. */
class FailingOnceMetrics extends HubMetrics {
  private failed = false;

  override retainInstances(registered: Iterable<string>): void {
    if (!this.failed) {
      this.failed = true;
      throw new Error('metrics unavailable');
    }
    super.retainInstances(registered);
  }
}

async function setup(
  newDatabase: NewTestDatabase,
  options: { env?: Record<string, string>; metrics?: HubMetrics } = {},
) {
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => lines.push(line) } });
  const hub = await setupHub(newDatabase, options.env, { logger });
  const metrics = options.metrics ?? new HubMetrics();
  hub.root.register(HUB_METRICS, { useValue: metrics });
  const registry = hub.root.resolve(InstanceRegistry);
  const monitor = hub.root.resolve(InstanceMonitor);
  onTestFinished(() => monitor.stop());
  async function instance(name: string) {
    return (await registry.list()).find((listed) => listed.name === name);
  }
  function logged(...messages: string[]) {
    return lines
      .map((line) => JSON.parse(line) as { msg: string; level: string; instance?: string })
      .filter((entry) => messages.includes(entry.msg))
      .map(({ msg, level, instance }) => ({ msg, level, instance }));
  }
  async function setDraining(name: string) {
    await hub.db.systemPrisma.instance.update({ where: { name }, data: { status: 'draining' } });
  }
  return { ...hub, metrics, registry, monitor, instance, logged, setDraining };
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describeEachDatabase('instance monitor', (_kind, newDatabase) => {
  it('records an instance that answers 200 as active, with the heartbeat time and the version it reports', async () => {
    const { registry, monitor, instance, clock } = await setup(newDatabase);
    const worker = await fakeWorker(ready('1.4.2'));
    await registry.add({ name: 'worker-a', baseUrl: worker.url });

    const [check] = await monitor.check();

    expect(check).toEqual({
      name: 'worker-a',
      baseUrl: worker.url,
      up: true,
      status: 'active',
      version: '1.4.2',
      lastHeartbeatAt: clock.now(),
    });
    expect(await instance('worker-a')).toMatchObject({
      status: 'active',
      version: '1.4.2',
      lastHeartbeatAt: clock.now(),
    });
  });

  it('marks an instance down when it answers 503 or stops answering, keeping its last heartbeat', async () => {
    const { registry, monitor, instance, clock } = await setup(newDatabase);
    const worker = await fakeWorker(ready('1.4.2'));
    await registry.add({ name: 'worker-a', baseUrl: worker.url });
    await monitor.check();
    const heartbeat = clock.now();
    clock.advanceSeconds(15);

    worker.answer = unavailable;
    const [refusing] = await monitor.check();
    await worker.close();
    clock.advanceSeconds(15);
    const [gone] = await monitor.check();

    expect(refusing).toMatchObject({ up: false, status: 'down', problem: 'HTTP 503' });
    expect(gone).toMatchObject({ up: false, status: 'down', problem: expect.any(String) });
    expect(await instance('worker-a')).toMatchObject({
      status: 'down',
      version: '1.4.2',
      lastHeartbeatAt: heartbeat,
    });
  });

  it('brings a down instance back to active once it answers again', async () => {
    const { registry, monitor, instance } = await setup(newDatabase);
    const worker = await fakeWorker(unavailable);
    await registry.add({ name: 'worker-a', baseUrl: worker.url });
    await monitor.check();

    worker.answer = ready('1.5.0');
    await monitor.check();

    expect(await instance('worker-a')).toMatchObject({ status: 'active', version: '1.5.0' });
  });

  it('keeps an instance an operator set draining draining, answering or not', async () => {
    const { registry, monitor, instance, setDraining, clock } = await setup(newDatabase);
    const worker = await fakeWorker(ready('1.4.2'));
    await registry.add({ name: 'worker-a', baseUrl: worker.url });
    await setDraining('worker-a');

    const [answering] = await monitor.check();
    worker.answer = unavailable;
    const [refusing] = await monitor.check();

    expect(answering).toMatchObject({ up: true, status: 'draining', lastHeartbeatAt: clock.now() });
    expect(refusing).toMatchObject({ up: false, status: 'draining' });
    expect(await instance('worker-a')).toMatchObject({
      status: 'draining',
      version: '1.4.2',
      lastHeartbeatAt: clock.now(),
    });
  });

  it('logs each transition once over two rounds: info when an instance comes up, warn when it goes down', async () => {
    const { registry, monitor, logged } = await setup(newDatabase);
    const worker = await fakeWorker(ready('1.4.2'));
    await registry.add({ name: 'worker-a', baseUrl: worker.url });

    await monitor.check();
    await monitor.check();
    worker.answer = unavailable;
    await monitor.check();
    await monitor.check();

    expect(logged('instance up', 'instance down')).toEqual([
      { msg: 'instance up', level: 'info', instance: 'worker-a' },
      { msg: 'instance down', level: 'warn', instance: 'worker-a' },
    ]);
  });

  it('does not log again after a restart what the registry already records', async () => {
    const { registry, monitor, logged, root } = await setup(newDatabase);
    const worker = await fakeWorker(ready('1.4.2'));
    await registry.add({ name: 'worker-a', baseUrl: worker.url });
    await monitor.check();

    const restarted = root.resolve(InstanceMonitor);
    await restarted.check();

    expect(logged('instance up', 'instance down')).toHaveLength(1);
  });

  it('counts an unreachable URL as down without throwing, and checks one instance by name', async () => {
    const { registry, monitor, instance } = await setup(newDatabase);
    const worker = await fakeWorker(ready('1.4.2'));
    await registry.add({ name: 'worker-a', baseUrl: worker.url });
    await registry.add({ name: 'worker-b', baseUrl: await closedPortUrl() });

    const checks = await monitor.check('worker-b');

    expect(checks).toEqual([
      expect.objectContaining({ name: 'worker-b', up: false, status: 'down', problem: 'ECONNREFUSED' }),
    ]);
    expect(worker.probes).toBe(0);
    expect(await instance('worker-a')).toMatchObject({ status: 'active', lastHeartbeatAt: null });
    await expect(monitor.check('nowhere')).rejects.toThrow(NotFoundError);
  });

  it('ignores a reported version that is not a short printable string', async () => {
    const { registry, monitor } = await setup(newDatabase);
    const worker = await fakeWorker(ready(`1.0.0 ${'x'.repeat(100)}`));
    await registry.add({ name: 'worker-a', baseUrl: worker.url });

    const [check] = await monitor.check();

    expect(check).toMatchObject({ up: true, version: null });
  });

  it('exposes each instance as nhi_instance_up on the metrics, dropping removed instances', async () => {
    const { registry, monitor, metrics } = await setup(newDatabase);
    const worker = await fakeWorker(ready('1.4.2'));
    await registry.add({ name: 'worker-a', baseUrl: worker.url });
    await registry.add({ name: 'worker-b', baseUrl: await closedPortUrl() });
    await monitor.check();
    const before = (await metrics.render()).body;

    await registry.remove('worker-b');
    await monitor.check();
    const after = (await metrics.render()).body;

    expect(before).toContain('nhi_instance_up{instance="worker-a"} 1');
    expect(before).toContain('nhi_instance_up{instance="worker-b"} 0');
    expect(after).toContain('nhi_instance_up{instance="worker-a"} 1');
    expect(after).not.toContain('worker-b');
  });

  it('checks in the background from start() until stop(), through a round that fails', async () => {
    const { registry, monitor, instance, logged } = await setup(newDatabase, {
      env: { NHI_INSTANCE_HEARTBEAT_SECONDS: '1' },
      metrics: new FailingOnceMetrics(),
    });
    const worker = await fakeWorker(ready('1.4.2'));
    await registry.add({ name: 'worker-a', baseUrl: worker.url });

    monitor.start();
    await until(() => worker.probes >= 2);
    await until(() => logged('instance heartbeats recorded again').length === 1);
    await monitor.stop();
    const probesAtStop = worker.probes;
    await new Promise((resolve) => setTimeout(resolve, 1200));

    expect(logged('instance heartbeat round failed')).toEqual([
      { msg: 'instance heartbeat round failed', level: 'warn', instance: undefined },
    ]);
    expect(await instance('worker-a')).toMatchObject({ status: 'active', version: '1.4.2' });
    expect(worker.probes).toBe(probesAtStop);
  });

  it('stops at once during a round, abandoning its probes and recording nothing of them', async () => {
    const { registry, monitor, instance, logged } = await setup(newDatabase);
    const worker = await fakeWorker(silent);
    await registry.add({ name: 'worker-a', baseUrl: worker.url });
    monitor.start();
    await until(() => worker.probes === 1);

    const startedAt = Date.now();
    await monitor.stop();

    expect(Date.now() - startedAt).toBeLessThan(1000);
    expect(await instance('worker-a')).toMatchObject({ status: 'active', lastHeartbeatAt: null });
    expect(logged('instance up', 'instance down', 'instance heartbeat round failed')).toEqual([]);
  });
});
