// Quick search (Cmd/Ctrl-K) benchmark on PostgreSQL: p50/p95 of dashboard.search's service, every
// kind searched, for texts people type, on a database an earlier benchmark seeded and kept
// (bench:inventory with NHI_BENCH_KEEP_DATABASE=true, or bench:alerts --keep: 100k identities in
// the realm `bench`, the latter with its alerts), and the identity statement alone.
//
// Usage: NHI_BENCH_DATABASE=<name> pnpm bench:search [runs=100]
//        TEST_DATABASE_URL selects the server (default postgresql://postgres@127.0.0.1:5432/postgres).
import { randomUUID } from 'node:crypto';
import { GlobalSearch } from '../../packages/dashboard/src/service/global-search.ts';
import { identitySearchHits } from '../../packages/nhi/src/index.ts';
import {
  createRequestContainer,
  createRootContainer,
  IN_MEMORY,
  openDatabase,
  PLATFORM_DATABASE,
  REALM_DB,
  REQUEST_PERMISSIONS,
  RealmDb,
  realmDbProvider,
} from '../../packages/platform/src/index.ts';

const runs = Number(process.argv[2] ?? 100);
const warmup = 5;
const databaseName = process.env.NHI_BENCH_DATABASE;
if (!databaseName) throw new Error('NHI_BENCH_DATABASE names a database a benchmark kept');
const url = new URL(process.env.TEST_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres');
url.pathname = `/${databaseName}`;

/** Two letters common and rare (no trigram narrows them), a word, a name's start, an externalId, nothing. */
const texts = ['pa', 'ba', 'qz', 'billing', 'billing-etl', 'aws:data/', 'unused', 'zz-nothing'];

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

async function timed(fn: () => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

async function main() {
  const db = await openDatabase({ databaseUrl: url.toString(), dataDir: IN_MEMORY, maxConnections: 6 });
  try {
    const realm = await db.systemPrisma.realm.findUniqueOrThrow({
      where: { slug: 'bench' },
      select: { id: true, slug: true },
    });
    const count = (table: string) =>
      db.withSystemConnection(async (c) => {
        const [row] = await c.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM "${table}" WHERE "realmId" = $1`,
          [realm.id],
        );
        return row?.n ?? 0;
      });
    const identityCount = await count('Nhi');
    const alertCount = await count('Alert');
    const root = createRootContainer();
    root.register(PLATFORM_DATABASE, { useValue: db });
    const search = (q: string) => {
      const container = createRequestContainer(root, {
        requestId: randomUUID(),
        realm,
        principal: { kind: 'system', name: 'bench' },
        clock: { now: () => new Date() },
      });
      container.register(REALM_DB, realmDbProvider);
      container.register(REQUEST_PERMISSIONS, {
        useValue: new Set(['nhi:read', 'alert:read', 'source:read', 'dashboard:read']),
      });
      return container.resolve(GlobalSearch).search({ q });
    };
    const realmDb = new RealmDb(db, realm.id);
    console.log(
      `${databaseName}: ${identityCount} identities, ${alertCount} alerts; ` +
        `${runs} runs each, p50 / p95 in ms\n`,
    );
    console.log(
      `${'text'.padEnd(14)} ${'hits'.padStart(5)} ${'search'.padStart(15)} ${'identities sql'.padStart(15)}`,
    );
    for (const q of texts) {
      const { hits } = await search(q);
      const all = await timed(() => search(q));
      const identities = await timed(() =>
        realmDb.read((query) => identitySearchHits(query, realm.id, q, 5)),
      );
      const fmt = ({ p50, p95 }: { p50: number; p95: number }) => `${p50.toFixed(1)} / ${p95.toFixed(1)}`;
      console.log(
        `${q.padEnd(14)} ${String(hits.length).padStart(5)} ${fmt(all).padStart(15)} ${fmt(identities).padStart(15)}`,
      );
    }
  } finally {
    await db.close();
  }
}

await main();
