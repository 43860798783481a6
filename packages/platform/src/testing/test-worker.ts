import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';
import { setupHub } from '../auth/auth-test-setup.ts';
import { isDomainError } from '../errors/domain-errors.ts';
import { toHttpStatus } from '../guards/http-status.ts';
import { realmMoveOpSchema, runRealmMoveOp } from '../instances/realm-move-ops.ts';
import { RealmStore } from '../instances/realm-store.ts';
import { RealmSyncReceiver, realmSyncPath, realmSyncSchema } from '../instances/realm-sync.ts';
import { createTestDatabase } from './test-database.ts';

/**
 * A worker process on its own PostgreSQL database, answering the hub's syncs and move steps over
 * HTTP as the worker's endpoints do. `failImportOf` makes it refuse pages of one table, as a
 * worker that falls over half-way.
 */
export async function startTestWorker() {
  const worker = await setupHub(() => createTestDatabase('postgres'));
  const store = new RealmStore(worker.db);
  const control = { failImportOf: undefined as string | undefined, url: '', store, db: worker.db };
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', async () => {
      const answer = (status: number, payload: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(payload));
      };
      try {
        if (request.url === realmSyncPath) {
          answer(
            200,
            await worker.root.resolve(RealmSyncReceiver).apply(realmSyncSchema.parse(JSON.parse(body))),
          );
          return;
        }
        const op = realmMoveOpSchema.parse(JSON.parse(body));
        if (op.op === 'import' && op.table === control.failImportOf) {
          answer(500, { error: 'disk full' });
          return;
        }
        const result = await runRealmMoveOp(store, op, { isHub: false, now: new Date() });
        answer(200, { result });
      } catch (error) {
        const status = isDomainError(error) ? toHttpStatus(error) : 500;
        answer(status, { error: error instanceof Error ? error.message : String(error) });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => {
    server.closeAllConnections();
    server.close();
  });
  control.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return control;
}
