import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  type ExecProtocolOptions,
  type ExecProtocolResult,
  Mutex,
  messages,
  PGlite,
  protocol,
  type Transaction,
} from '@electric-sql/pglite';
import { pgliteWorkerSource } from './pglite-worker-source.ts';
import { type LockPriority, PriorityLock } from './priority-lock.ts';

type DumpTarCompressionOptions = Parameters<PGlite['dumpDataDir']>[0];
type BackendMessage = Parameters<Parameters<InstanceType<typeof protocol.Parser>['parse']>[1]>[0];

/** What PGlite's own base class provides on top of the protocol methods a subclass implements. */
interface PGliteBase {
  query: PGlite['query'];
  sql: PGlite['sql'];
  exec: PGlite['exec'];
  transaction: PGlite['transaction'];
  describeQuery: PGlite['describeQuery'];
  _initArrayTypes(options?: { force?: boolean }): Promise<void>;
}

/**
 * PGlite's base class: query(), exec() and transaction() built on execProtocol*, the locks and
 * the type parsers. The package does not export it by name; the PGlite class extends it.
 */
const BasePGlite = Object.getPrototypeOf(PGlite) as abstract new () => PGliteBase;

export interface PgliteThreadOptions {
  /** A data directory; undefined keeps the database in memory. */
  dataDir?: string;
  /** In memory only: start from this dump instead of running initdb. */
  loadDataDir?: Blob;
  /** The contrib extensions to load, by their module name under @electric-sql/pglite/contrib. */
  extensions: readonly string[];
  /** The thread stopped on its own (crash, out of memory): nothing can be read or written any more. */
  onUnexpectedExit?: (error: Error) => void;
  /** Whether the caller is a request or background work; requests get the session first. */
  priorityOf?: () => LockPriority;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface WorkerAnswer {
  id?: number;
  result?: unknown;
  error?: { name: string; message: string; stack?: string };
  ready?: true;
  failed?: { name: string; message: string; stack?: string };
}

/**
 * The embedded database, running in a worker thread of its own. PostgreSQL in PGlite is
 * synchronous WebAssembly: on the hub's thread a statement of two minutes stops the whole process
 * for two minutes, health probes included. Here the thread that waits is the worker's; the hub's
 * event loop keeps answering. To its callers (the ORM adapter, the job queue, system code) this is
 * a PGlite: query, exec, transaction, listen and dumpDataDir behave the same, on the one session.
 *
 * Only protocol bytes cross between the threads; parsing, type conversion and the locks stay
 * here, in PGlite's own base class. Requests get the session before background work.
 */
export class PGliteThread extends BasePGlite {
  debug = 0 as const;
  readonly waitReady: Promise<void>;
  #started: Promise<void>;
  #worker: Worker;
  #pending = new Map<number, Pending>();
  #nextId = 1;
  #ready = false;
  #closing = false;
  #closed = false;
  /** close() was called: the thread's end is expected. */
  #closeRequested = false;
  /** Every statement and transaction takes it; requests before background work (PriorityLock). */
  #transactionLock: PriorityLock;
  #queryLock = new Mutex();
  #listenLock = new Mutex();
  #listeners = new Map<string, Set<(payload: string) => void>>();
  #globalListeners = new Set<(channel: string, payload: string) => void>();

  private constructor(options: PgliteThreadOptions) {
    super();
    this.#transactionLock = new PriorityLock({ priorityOf: options.priorityOf });
    this.#worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(pgliteWorkerSource)}`), {
      workerData: {
        pgliteUrl: moduleUrl('@electric-sql/pglite'),
        extensionUrls: Object.fromEntries(
          options.extensions.map((name) => [name, moduleUrl(`@electric-sql/pglite/contrib/${name}`)]),
        ),
        dataDir: options.dataDir,
        snapshot: options.loadDataDir,
      },
      name: 'pglite',
    });
    this.#started = new Promise<void>((resolve, reject) => {
      const onStartup = (answer: WorkerAnswer) => {
        if (answer.ready) {
          this.#worker.off('message', onStartup);
          this.#worker.on('message', (message: WorkerAnswer) => this.#answer(message));
          this.#ready = true;
          resolve();
        } else if (answer.failed) {
          this.#worker.off('message', onStartup);
          reject(errorFrom(answer.failed));
        }
      };
      this.#worker.on('message', onStartup);
      this.#worker.once('error', reject);
      this.#worker.once('exit', (code) => reject(new Error(`The database thread exited with ${code}`)));
    });
    // Array types (text[] and the like) are read from the catalogue, as PGlite does once started.
    this.waitReady = this.#started.then(() => this._initArrayTypes());
    this.#worker.on('error', (error) => this.#stopped(error));
    this.#worker.on('exit', (code) => {
      const error = new Error(`The database thread exited with ${code}`);
      const unexpected = this.#ready && !this.#closeRequested;
      this.#stopped(error);
      if (unexpected) options.onUnexpectedExit?.(error);
    });
  }

  /** Starts the thread and the database in it; resolves once it answers queries. */
  static async start(options: PgliteThreadOptions): Promise<PGliteThread> {
    const thread = new PGliteThread(options);
    try {
      await thread.waitReady;
    } catch (error) {
      await thread.#worker.terminate();
      throw error;
    }
    return thread;
  }

  get ready(): boolean {
    return this.#ready && !this.#closing && !this.#closed;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** A statement or transaction is running: a query now waits its turn behind it. */
  get busy(): boolean {
    return this.#pending.size > 0 || this.#transactionLock.locked;
  }

  async execProtocolRaw(message: Uint8Array, _options: ExecProtocolOptions = {}) {
    // Copied, not transferred: PGlite's serializer reuses some messages' buffers.
    return (await this.#call('exec', { message })) as Uint8Array;
  }

  async execProtocol(
    message: Uint8Array,
    { syncToFs = true, throwOnError = true, onNotice }: ExecProtocolOptions = {},
  ): Promise<ExecProtocolResult> {
    const data = await this.execProtocolRaw(message, { syncToFs });
    return { messages: this.#parse(data, throwOnError, onNotice), data };
  }

  async execProtocolStream(
    message: Uint8Array,
    { syncToFs, throwOnError = true, onNotice }: ExecProtocolOptions = {},
  ): Promise<BackendMessage[]> {
    return this.#parse(await this.execProtocolRaw(message, { syncToFs }), throwOnError, onNotice);
  }

  async execProtocolRawStream(
    message: Uint8Array,
    { syncToFs, onRawData }: ExecProtocolOptions & { onRawData: (data: Uint8Array) => void },
  ): Promise<void> {
    onRawData(await this.execProtocolRaw(message, { syncToFs }));
  }

  /**
   * Nothing to do, and no round trip to the thread for it: the thread keeps its files on the node
   * file system or in memory, which PostgreSQL writes through during the statement itself (PGlite's
   * own syncToFs does nothing for either).
   */
  async syncToFs(): Promise<void> {}

  async dumpDataDir(compression: DumpTarCompressionOptions = 'none'): Promise<Blob> {
    return this.#queryLock.runExclusive(async () => {
      await this._checkReady();
      return (await this.#call('dump', { compression })) as Blob;
    });
  }

  async close(): Promise<void> {
    if (this.#closed || this.#closing) return;
    this.#closeRequested = true;
    // Statements already queued finish first, as with PGlite's own close().
    await this.#transactionLock.run(() =>
      this.#queryLock.runExclusive(async () => {
        this.#closing = true;
      }),
    );
    try {
      await this.#call('close', {}, [], true);
    } finally {
      this.#closed = true;
      this.#closing = false;
      await this.#worker.terminate();
    }
  }

  async listen(channel: string, callback: (payload: string) => void, tx?: Transaction) {
    const name = postgresName(channel);
    await this.#listenLock.runExclusive(async () => {
      const set = this.#listeners.get(name) ?? new Set();
      this.#listeners.set(name, set);
      set.add(callback);
      try {
        await (tx ?? this).exec(`LISTEN ${channel}`);
      } catch (error) {
        set.delete(callback);
        if (set.size === 0) this.#listeners.delete(name);
        throw error;
      }
    });
    return async (unlistenTx?: Transaction) => this.unlisten(name, callback, unlistenTx);
  }

  async unlisten(channel: string, callback?: (payload: string) => void, tx?: Transaction): Promise<void> {
    const name = postgresName(channel);
    await this.#listenLock.runExclusive(async () => {
      const set = this.#listeners.get(name);
      if (callback) set?.delete(callback);
      if (callback && set && set.size > 0) return;
      await (tx ?? this).exec(`UNLISTEN ${channel}`);
      if (this.#listeners.get(name)?.size === 0 || !callback) this.#listeners.delete(name);
    });
  }

  onNotification(callback: (channel: string, payload: string) => void): () => void {
    this.#globalListeners.add(callback);
    return () => this.#globalListeners.delete(callback);
  }

  offNotification(callback: (channel: string, payload: string) => void): void {
    this.#globalListeners.delete(callback);
  }

  // What PGlite's base class calls; files attached to queries (COPY ... '/dev/blob') are not used here.
  async _handleBlob(blob?: Blob): Promise<void> {
    if (blob) throw new Error('Queries with an attached file are not supported by the database thread');
  }

  async _getWrittenBlob(): Promise<undefined> {
    return undefined;
  }

  async _cleanupBlob(): Promise<void> {}

  async _checkReady(): Promise<void> {
    if (this.#closing) throw new Error('PGlite is closing');
    if (this.#closed) throw new Error('PGlite is closed');
    if (!this.#ready) await this.#started;
  }

  _runExclusiveQuery<T>(fn: () => Promise<T>): Promise<T> {
    return this.#queryLock.runExclusive(fn);
  }

  _runExclusiveTransaction<T>(fn: () => Promise<T>): Promise<T> {
    return this.#transactionLock.run(fn);
  }

  #call(op: string, fields: object = {}, transfer: ArrayBuffer[] = [], closing = false): Promise<unknown> {
    if (this.#closed || (this.#closing && !closing)) return Promise.reject(new Error('PGlite is closed'));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, op, ...fields }, transfer);
    });
  }

  #answer(answer: WorkerAnswer) {
    const pending = answer.id === undefined ? undefined : this.#pending.get(answer.id);
    if (!pending || answer.id === undefined) return;
    this.#pending.delete(answer.id);
    if (answer.error) pending.reject(errorFrom(answer.error));
    else pending.resolve(answer.result);
  }

  #stopped(error: Error) {
    this.#closed = true;
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }

  /** Backend messages as PGlite reads them: the first error thrown, notifications to listeners. */
  #parse(
    data: Uint8Array,
    throwOnError: boolean,
    onNotice: ExecProtocolOptions['onNotice'],
  ): BackendMessage[] {
    const results: BackendMessage[] = [];
    let databaseError: InstanceType<typeof messages.DatabaseError> | undefined;
    new protocol.Parser().parse(data, (message) => {
      if (databaseError) return;
      if (message instanceof messages.DatabaseError) {
        if (throwOnError) databaseError = message;
      } else if (message instanceof messages.NoticeMessage) {
        onNotice?.(message);
      } else if (message instanceof messages.NotificationResponseMessage) {
        this.#notify(message.channel, message.payload);
      }
      results.push(message);
    });
    if (databaseError) throw databaseError;
    return results;
  }

  #notify(channel: string, payload: string) {
    // After the statement's own code has run, as PGlite does.
    for (const listener of this.#listeners.get(channel) ?? []) queueMicrotask(() => listener(payload));
    for (const listener of this.#globalListeners) queueMicrotask(() => listener(channel, payload));
  }
}

/**
 * The file URL of a module as this package resolves it (ESM conditions). The worker starts from a
 * data: URL, which cannot resolve package names itself.
 */
function moduleUrl(specifier: string): string {
  const resolve = (import.meta as { resolve?: (specifier: string) => string }).resolve;
  if (resolve) return resolve(specifier);
  // Without import.meta.resolve (some test runners): the CommonJS entry sits beside the ESM one.
  const commonJs = createRequire(import.meta.url).resolve(specifier);
  return pathToFileURL(commonJs.replace(/\.cjs$/, '.js')).href;
}

/** LISTEN's channel as PostgreSQL names it: quoted names keep their case, others are lower-cased. */
function postgresName(channel: string): string {
  return channel.startsWith('"') && channel.endsWith('"') ? channel.slice(1, -1) : channel.toLowerCase();
}

function errorFrom(described: { name: string; message: string; stack?: string }): Error {
  const error = new Error(described.message);
  error.name = described.name;
  if (described.stack) error.stack = described.stack;
  return error;
}
