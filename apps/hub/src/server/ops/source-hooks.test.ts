import { createHmac, randomUUID } from 'node:crypto';
import { JOB_QUEUE, JobQueue, LOGGER, openRequestScope, RealmDb } from '@nhi/platform';
import { describeEachDatabase, setupHub } from '@nhi/platform/testing';
import { maxEventBodyBytes, ScannerService } from '@nhi/scanner';
import { expect, it, onTestFinished } from 'vitest';
import { sourceHookResponse } from './source-hooks.ts';

const webhookSecret = 'hook-secret-of-the-route-test';

describeEachDatabase('POST /api/hooks/sources/<realm>/<source>', (_kind, newDatabase) => {
  async function setup() {
    const hub = await setupHub(() => newDatabase(), {});
    const realm = await hub.realm('hub', 'Hub');
    const ana = await hub.member('ana@example.com', 'hub', 'admin');
    const jobs = new JobQueue(hub.db.jobStore, hub.root.resolve(LOGGER), { work: false });
    await jobs.start();
    onTestFinished(() => jobs.stop());
    hub.root.register(JOB_QUEUE, { useValue: jobs });
    const scope = await openRequestScope(hub.root, {
      context: {
        requestId: 'req-hook',
        realm,
        principal: { kind: 'user', userId: ana.id, email: ana.email, sessionId: 'test' },
        clock: hub.clock,
      },
      credential: 'bearer',
    });
    const source = await scope.container.resolve(ScannerService).createSource({
      type: 'github',
      name: 'acme org',
      settings: { organization: 'acme' },
      secrets: { token: 'ghs_routeTestToken', webhookSecret },
    });
    const post = (body: string, headers: Record<string, string>, sourceId = source.id) =>
      sourceHookResponse(
        new Request(`http://hub.test/api/hooks/sources/hub/${sourceId}`, { method: 'POST', body, headers }),
        { realm: 'hub', sourceId },
        { root: hub.root, logger: hub.root.resolve(LOGGER) },
      );
    const signed = (body: string, event: string) => ({
      'x-github-event': event,
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': `sha256=${createHmac('sha256', webhookSecret).update(body).digest('hex')}`,
    });
    const scans = () =>
      new RealmDb(hub.db, realm.id).transaction((tx) =>
        tx.scan.findMany({ select: { id: true, input: true, state: true } }),
      );
    return { source, post, signed, scans };
  }

  it('answers 202 and queues a scan for a signed event, without running it', async () => {
    const t = await setup();
    const body = JSON.stringify({ action: 'created', installation: { id: 1 } });

    const response = await t.post(body, t.signed(body, 'installation'));
    const answer = await response.json();

    expect(response.status).toBe(202);
    expect(await t.scans()).toEqual([{ id: answer.scanId, input: 'github.live', state: 'queued' }]);
  });

  it('answers 401 alike to a bad signature and to an unknown source', async () => {
    const t = await setup();
    const body = JSON.stringify({ action: 'created' });
    const forged = { ...t.signed(body, 'installation'), 'x-hub-signature-256': 'sha256=00' };

    const responses = [
      await t.post(body, forged),
      await t.post(body, t.signed(body, 'installation'), randomUUID()),
    ];

    expect(responses.map((r) => r.status)).toEqual([401, 401]);
    expect(await Promise.all(responses.map((r) => r.text()))).toEqual([
      '{"error":"bad signature"}',
      '{"error":"bad signature"}',
    ]);
    expect(await t.scans()).toEqual([]);
  });

  it('answers 413 to a body over the cap', async () => {
    const t = await setup();
    const body = 'x'.repeat(maxEventBodyBytes + 1);

    const response = await t.post(body, t.signed(body, 'push'));

    expect(response.status).toBe(413);
    expect(await t.scans()).toEqual([]);
  });
});
