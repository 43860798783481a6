import { demoOwnerEmails, generateDemoInventory, seedDemoRealm } from '@nhi/nhi/demo';
import { ApiTokenService, RealmAdminService } from '@nhi/platform';
import { registerPolicy } from '@nhi/policy';
import { describe, expect, it } from 'vitest';
import { adminEmail, seedingScope, temporaryDataDir, withSeedingRuntime } from './support/seed.ts';
import { startReadyHub } from './support/session.ts';

/** Enough identities for several write slices of the import and several evaluation jobs. */
const importedCount = 1200;
/** Guards against a hang only; how fast answers come is the benchmark's business (pnpm bench:busy). */
const hangGuardMs = 120_000;

/**
 * The demo realm, an API token of its admin there, and a file of `importedCount` new identities in
 * the export's JSON shape (credentials without secrets), prepared before the hub starts.
 */
async function setup(dataDir: string) {
  return withSeedingRuntime(
    dataDir,
    async (runtime) => {
      await seedDemoRealm(runtime.root, { adminEmail });
      const member = await runtime.root.resolve(RealmAdminService).findMember(adminEmail, 'demo');
      const scope = await seedingScope(runtime, { id: member.realm.id, slug: member.realm.slug });
      const { token } = await scope.container
        .resolve(ApiTokenService)
        .create({ userId: member.userId, name: 'e2e' });
      const inventory = generateDemoInventory({
        count: importedCount,
        seed: 99,
        now: new Date(),
        ownerEmails: [...demoOwnerEmails],
      });
      const rows = inventory.map(({ credentials, ownerEmail, ...fields }) => ({
        ...fields,
        externalId: `bulk/${fields.externalId}`,
        name: `bulk-${fields.name}`,
        owner: ownerEmail,
        credentials: credentials.map(({ secret: _secret, ...credential }) => credential),
      }));
      return { token, file: JSON.stringify(rows) };
    },
    { modules: [registerPolicy] },
  );
}

interface Answer {
  status: number | 'no answer';
  /** performance.now() when the answer came. */
  at: number;
}

/** Calls `url` again and again (every `everyMs`, or as soon as answered) until stopped. */
function keepCalling(call: () => Promise<Response>, everyMs = 0) {
  const answers: Answer[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const response = await call().catch(() => undefined);
      await response?.arrayBuffer();
      answers.push({ status: response?.status ?? 'no answer', at: performance.now() });
      if (everyMs) await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    answers,
    async stop() {
      running = false;
      await loop;
    },
  };
}

async function trpcQuery(url: string, token: string, procedure: string, input: unknown) {
  const response = await fetch(
    `${url}/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`,
    {
      headers: { authorization: `Bearer ${token}` },
    },
  );
  expect(response.status).toBe(200);
  return ((await response.json()) as { result: { data: { total: number } } }).result.data;
}

/** Background jobs running in the hub, from /metrics (which reads no database). */
async function activeJobs(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('nhi_jobs_active'))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

/** Until no job has run for a few polls in a row: the work the import caused is done. */
async function jobsSettled(url: string): Promise<void> {
  let quiet = 0;
  while (quiet < 12) {
    quiet = (await activeJobs(url)) === 0 ? quiet + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

describe('bulk work on the embedded database', () => {
  it(
    'answers every health probe and every inventory list while an import and its evaluation run',
    async () => {
      const dataDir = await temporaryDataDir();
      const { token, file } = await setup(dataDir);
      const hub = await startReadyHub(dataDir);
      await jobsSettled(hub.url);
      const before = await trpcQuery(hub.url, token, 'nhi.list', { limit: 1 });
      const alertsBefore = await trpcQuery(hub.url, token, 'alert.list', {});
      const guard = () => AbortSignal.timeout(hangGuardMs);
      const probes = keepCalling(() => fetch(`${hub.url}/healthz`, { signal: guard() }), 50);
      const input = encodeURIComponent(JSON.stringify({ limit: 50 }));
      const lists = [1, 2].map(() =>
        keepCalling(() =>
          fetch(`${hub.url}/api/trpc/nhi.list?input=${input}`, {
            headers: { authorization: `Bearer ${token}` },
            signal: guard(),
          }),
        ),
      );

      const importStarted = performance.now();
      const imported = await fetch(`${hub.url}/api/trpc/nhi.import`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ format: 'json', content: file }),
      });
      const importAnswered = performance.now();
      await jobsSettled(hub.url);
      await probes.stop();
      await Promise.all(lists.map((list) => list.stop()));

      expect(imported.status).toBe(200);
      expect(await imported.json()).toMatchObject({ result: { data: { created: importedCount } } });
      expect(probes.answers.filter((answer) => answer.status !== 200)).toEqual([]);
      const listAnswers = lists.flatMap((list) => list.answers);
      expect(listAnswers.filter((answer) => answer.status !== 200)).toEqual([]);
      // The import is many short transactions: lists are answered between them, not after the last.
      const duringImport = listAnswers.filter(({ at }) => at > importStarted && at < importAnswered);
      expect(duringImport.length).toBeGreaterThan(0);
      expect((await trpcQuery(hub.url, token, 'nhi.list', { limit: 1 })).total).toBe(
        before.total + importedCount,
      );
      // The evaluation jobs the import caused ran: the new identities have alerts of their own.
      expect((await trpcQuery(hub.url, token, 'alert.list', {})).total).toBeGreaterThan(alertsBefore.total);
    },
    15 * 60_000,
  );
});
