import { JOB_QUEUE, JobQueue, LOGGER, openRequestScope, type RealmSummary } from '@nhi/platform';
import { type NewTestDatabase, setupHub } from '@nhi/platform/testing';
import { onTestFinished } from 'vitest';
import type { ScanView } from '../api/scanner.schema.ts';
import { ScannerService } from '../service/scanner.service.ts';
import { registerScannerJobs } from '../service/scanner-jobs.ts';
import '../api/scanner.permissions.ts';

/**
 * A hub with realms `hub` (Ana admin, Vic viewer) and `other` (Oli admin), its job queue running
 * the scanner's jobs in-process, and the scanner service as each of them.
 */
export async function setupScanner(
  newDatabase: NewTestDatabase,
  options: { batchSize?: number; work?: boolean } = {},
) {
  const hub = await setupHub(() => newDatabase(), {});
  const hubRealm = await hub.realm('hub', 'Hub');
  const otherRealm = await hub.realm('other', 'Other');
  const ana = await hub.member('ana@example.com', 'hub', 'admin');
  const vic = await hub.member('vic@example.com', 'hub', 'viewer');
  const oli = await hub.member('oli@example.com', 'other', 'admin');
  const jobs = new JobQueue(hub.db.jobStore, hub.root.resolve(LOGGER), {
    pollingIntervalSeconds: 0.5,
    work: options.work,
  });
  await jobs.start();
  onTestFinished(() => jobs.stop());
  hub.root.register(JOB_QUEUE, { useValue: jobs });
  await registerScannerJobs(hub.root, { batchSize: options.batchSize ?? 2 });

  async function scannerOf(user: { id: string; email: string } = ana, realm: RealmSummary = hubRealm) {
    const scope = await openRequestScope(hub.root, {
      context: {
        requestId: `req-${user.email}`,
        realm,
        principal: { kind: 'user', userId: user.id, email: user.email, sessionId: 'test' },
        clock: hub.clock,
      },
      credential: 'bearer',
    });
    return scope.container.resolve(ScannerService);
  }

  /** Polls the scan until it has ended. */
  async function finished(scanner: ScannerService, scanId: string): Promise<ScanView> {
    const deadline = Date.now() + 100_000;
    while (Date.now() < deadline) {
      const scan = await scanner.getScan(scanId);
      if (['succeeded', 'failed', 'cancelled'].includes(scan.state)) return scan;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`scan ${scanId} did not finish`);
  }

  return { ...hub, hubRealm, otherRealm, ana, vic, oli, jobs, scannerOf, finished };
}
