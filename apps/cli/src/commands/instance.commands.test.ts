import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InstanceRegistry, loadConfig, type RealmSync, startPlatform } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it, onTestFinished } from 'vitest';
import { cliHarness } from '../testing/cli-harness.ts';

/** A local server in a worker's place: /readyz answers 200 with a version, or 503 once told. */
async function fakeWorker() {
  const worker = { ready: true, url: '' };
  const server = createServer((_request, response) => {
    response.writeHead(worker.ready ? 200 : 503, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify(worker.ready ? { status: 'ready', version: '1.4.2' } : { status: 'starting' }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => {
    server.closeAllConnections();
    server.close();
  });
  worker.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return worker;
}

/** A local server in a worker's place that takes the hub's realm syncs and keeps what it was sent. */
async function syncingWorker() {
  const worker = { url: '', accepting: true, received: [] as RealmSync[], tokens: [] as string[] };
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      if (request.url !== '/api/instance/sync' || !worker.accepting) {
        response.writeHead(503).end();
        return;
      }
      const sync = JSON.parse(body) as RealmSync;
      worker.received.push(sync);
      worker.tokens.push(String(request.headers['x-nhi-forward']));
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ created: worker.received.length === 1, members: sync.members.length }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => {
    server.closeAllConnections();
    server.close();
  });
  worker.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return worker;
}

describeEachDatabase('nhi instance', (kind, newDatabase) => {
  async function setup() {
    const { env, run } = await cliHarness(kind, newDatabase);
    /** Where each realm is served, read after the commands closed the database (one opening for all). */
    async function placementsOf(...slugs: string[]) {
      const runtime = await startPlatform({ config: loadConfig(env), firstStart: false });
      try {
        const placements: Record<string, string | null> = {};
        for (const slug of slugs) {
          const realm = await runtime.database.systemPrisma.realm.findUniqueOrThrow({
            where: { slug },
            select: { id: true },
          });
          placements[slug] =
            (await runtime.root.resolve(InstanceRegistry).placementOf(realm.id))?.name ?? null;
        }
        return placements;
      } finally {
        await runtime.shutdown();
      }
    }
    return { run, placementsOf };
  }

  it('adds, lists and removes instances', async () => {
    const { run } = await setup();

    expect(await run('instance', 'list')).toMatchObject({
      code: 0,
      stdout: 'No instances: the hub serves every realm itself.\n',
    });
    expect(await run('instance', 'add', 'worker-a', '--url', 'https://a.example.com/')).toMatchObject({
      code: 0,
      stdout: 'Added instance worker-a (https://a.example.com)\n',
    });
    expect(await run('instance', 'list')).toMatchObject({
      code: 0,
      stdout: 'worker-a\thttps://a.example.com\tactive\t0 realms\theartbeat never\tversion unknown\n',
    });
    expect(await run('instance', 'remove', 'worker-a')).toMatchObject({
      code: 0,
      stdout: 'Removed instance worker-a\n',
    });
    expect((await run('instance', 'list')).stdout).toMatch(/^No instances/);
  });

  it('creates a realm on an instance and refuses to remove the instance while it serves the realm', async () => {
    const { run, placementsOf } = await setup();
    // Nothing listens there: the realm is recorded, and the CLI warns that the worker has not got it yet.
    await run('instance', 'add', 'worker-a', '--url', 'http://127.0.0.1:9');

    const created = await run('realm', 'create', '--slug', 'payments', '--instance', 'worker-a');
    const local = await run('realm', 'create', '--slug', 'ops');

    expect(created).toMatchObject({ code: 0, stdout: expect.stringMatching(/on instance worker-a\n$/) });
    expect(created.stderr).toMatch(/worker-a did not take realm payments[\s\S]*nhi instance sync worker-a/);
    expect(local).toMatchObject({ code: 0, stdout: expect.not.stringMatching(/instance/) });
    expect(await placementsOf('payments', 'ops')).toEqual({ payments: 'worker-a', ops: null });
    expect((await run('instance', 'list')).stdout).toContain('\t1 realm\t');
    expect(await run('instance', 'remove', 'worker-a')).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/worker-a.*1 realm/),
    });
  });

  it('sends the worker its realm and members on create, on a new member and on `instance sync`', async () => {
    const { run } = await setup();
    const worker = await syncingWorker();
    await run('instance', 'add', 'worker-a', '--url', worker.url);

    expect(await run('realm', 'create', '--slug', 'payments', '--instance', 'worker-a')).toMatchObject({
      code: 0,
    });
    expect(worker.received.at(-1)).toMatchObject({ realm: { slug: 'payments' }, members: [] });
    await run('user', 'create', '--email', 'ana@example.com', '--realm', 'payments', '--role', 'editor');
    expect(worker.received.at(-1)?.members).toEqual([
      expect.objectContaining({ email: 'ana@example.com', role: 'editor', disabled: false }),
    ]);
    // The token says it is the hub's own call, for this instance.
    expect(worker.tokens.at(-1)).toMatch(/^ey/);

    expect(await run('instance', 'sync', 'worker-a')).toMatchObject({
      code: 0,
      stdout: 'payments\tupdated\t1 member\n',
    });
    worker.accepting = false;
    expect(await run('instance', 'sync', 'worker-a')).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('1 of 1 realm(s) not synchronised'),
    });
    expect(await run('instance', 'sync', 'nowhere')).toMatchObject({ code: 1 });
  });

  it('checks instances now, prints what each answered and records it for the list', async () => {
    const { run } = await setup();
    const worker = await fakeWorker();
    await run('instance', 'add', 'worker-a', '--url', worker.url);

    const checked = await run('instance', 'check');
    const listed = await run('instance', 'list');

    expect(checked).toMatchObject({
      code: 0,
      stdout: `worker-a\t${worker.url}\tup, version 1.4.2\tstatus active\n`,
    });
    expect(listed.stdout).toMatch(/\tactive\t0 realms\theartbeat \d{4}-\d\d-\d\dT[^\t]+\tversion 1\.4\.2\n$/);
  });

  it('exits 1 when the instance checked does not answer ready, and marks it down', async () => {
    const { run } = await setup();
    const worker = await fakeWorker();
    await run('instance', 'add', 'worker-a', '--url', worker.url);
    await run('instance', 'add', 'worker-b', '--url', 'https://b.example.com');
    worker.ready = false;

    const checked = await run('instance', 'check', 'worker-a');

    expect(checked).toMatchObject({
      code: 1,
      stdout: `worker-a\t${worker.url}\tdown (HTTP 503)\tstatus down\n`,
      stderr: 'error: 1 of 1 instance(s) did not answer ready\n',
    });
    expect((await run('instance', 'list')).stdout).toMatch(
      /^worker-a\t\S+\tdown\t.*\nworker-b\t\S+\tactive\t/,
    );
    expect(await run('instance', 'check', 'nowhere')).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/nowhere/),
    });
  });

  it('says so when there is no instance to check', async () => {
    const { run } = await setup();

    expect(await run('instance', 'check')).toMatchObject({
      code: 0,
      stdout: 'No instances: the hub serves every realm itself.\n',
    });
  });

  it('explains mistakes with a message and a non-zero exit code', async () => {
    const { run } = await setup();
    await run('instance', 'add', 'worker-a', '--url', 'https://a.example.com');

    expect(await run('instance', 'add', 'worker-a', '--url', 'https://b.example.com')).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/worker-a/),
    });
    expect(await run('instance', 'add', 'Worker B', '--url', 'https://b.example.com')).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/name/),
    });
    expect(await run('instance', 'add', 'worker-b', '--url', 'not a url')).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/baseUrl/),
    });
    expect((await run('instance', 'add', 'worker-b')).code).toBe(2);
    expect(await run('instance', 'remove', 'nowhere')).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/nowhere/),
    });
    expect(await run('realm', 'create', '--slug', 'payments', '--instance', 'nowhere')).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/nowhere/),
    });
  });
});
