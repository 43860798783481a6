/**
 * The code of the thread that owns the embedded database. It is plain JavaScript run from a
 * `data:` URL, not a module of this package: the hub is bundled, and a bundle has no file a worker
 * could be started from. It therefore imports nothing by package name; the main thread resolves
 * PGlite and its extensions and passes their URLs in.
 *
 * The protocol is a pipe of PostgreSQL wire-protocol bytes: the main thread's PGlite front
 * (pglite-thread.ts) does the parsing, transactions and locking, this thread only runs each
 * message through PostgreSQL, where a long statement blocks nobody but this thread.
 *
 * Requests: { id, op: 'exec', message } | { id, op: 'dump' | 'close' }.
 * Answers: { id, result } or { id, error: { name, message, stack } }; once { ready } or { failed }.
 */
export const pgliteWorkerSource = `
import { parentPort, workerData } from 'node:worker_threads';

const { pgliteUrl, extensionUrls, dataDir, snapshot } = workerData;
let db;
try {
  const { PGlite } = await import(pgliteUrl);
  const extensions = {};
  for (const [name, url] of Object.entries(extensionUrls)) extensions[name] = (await import(url))[name];
  db = new PGlite({ dataDir, loadDataDir: snapshot, extensions });
  await db.waitReady;
  parentPort.postMessage({ ready: true });
} catch (error) {
  parentPort.postMessage({ failed: describe(error) });
}

function describe(error) {
  return error instanceof Error
    ? { name: error.name, message: error.message, stack: error.stack }
    : { name: 'Error', message: String(error) };
}

async function run(op, request) {
  switch (op) {
    case 'exec': {
      // The answer is a view into PGlite's reused buffer: copy it, and hand the copy over.
      const bytes = (await db.execProtocolRaw(request.message, { syncToFs: false })).slice();
      return [bytes, [bytes.buffer]];
    }
    case 'dump':
      return [await db.dumpDataDir(request.compression), []];
    case 'close':
      await db.close();
      return [undefined, []];
    default:
      throw new Error('Unknown operation ' + op);
  }
}

parentPort.on('message', async (request) => {
  try {
    const [result, transfer] = await run(request.op, request);
    parentPort.postMessage({ id: request.id, result }, transfer);
  } catch (error) {
    parentPort.postMessage({ id: request.id, error: describe(error) });
  }
});
`;
