import fs from 'node:fs';
import path from 'node:path';
import { describeEachDatabase, postgresUnavailableReason } from '@nhi/platform/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type FuzzHub, startFuzzHub } from '../../test/fuzz/fuzz-hub.ts';
import { hostileCredentials } from '../../test/fuzz/hostile-inputs.ts';
import { casesFor, fuzzableProcedures } from '../../test/fuzz/procedure-cases.ts';
import { excerpt, trpcProblems } from '../../test/fuzz/response-checks.ts';
import { appRouter } from './app-router.ts';

/**
 * Every tRPC procedure, sent the fixed hostile inputs and schema-derived random ones: none may
 * answer 500 or show the server's insides. The random inputs come from FUZZ_SEED (printed with
 * every failure); FUZZ_SEED=<seed> replays a run and FUZZ_RUNS widens it.
 */
const seed = Number(process.env.FUZZ_SEED ?? 20_260_302);
const runs = Number(process.env.FUZZ_RUNS ?? 8);
const procedures = fuzzableProcedures(appRouter);
const artifactsDir = path.resolve(import.meta.dirname, '../../artifacts');

interface Failure {
  procedure: string;
  case: string;
  input: string;
  status: number;
  problems: string[];
  body: string;
  /** The logged cause of a server error: for the report, never part of an answer. */
  cause?: string;
}

const summary = (f: Failure) =>
  `${f.procedure} · ${f.case} → ${f.problems.join(', ')} · input ${f.input} · body ${f.body}`;

describeEachDatabase('tRPC procedures under hostile input', (kind) => {
  let hub: FuzzHub | undefined;
  const failures: Failure[] = [];
  /** How each procedure answered, by status: shows whether the inputs got past validation. */
  const statuses: Record<string, Record<number, number>> = {};
  /** Warnings the hub logged, e.g. a value only the database refused: no failure, worth a look. */
  const warnings: { procedure: string; case: string; input: string; msg: string }[] = [];

  beforeAll(async () => {
    if (kind === 'postgres' && (await postgresUnavailableReason())) return;
    hub = await startFuzzHub(kind);
  }, 120_000);

  afterAll(async () => {
    await hub?.close();
    if (!hub) return;
    fs.mkdirSync(artifactsDir, { recursive: true });
    fs.writeFileSync(
      path.join(artifactsDir, `fuzz-trpc-${kind}.json`),
      `${JSON.stringify({ seed, runs, statuses, failures, warnings }, null, 2)}\n`,
    );
  });

  it.each(procedures)('$path answers every input without a server error or a leak', async (procedure) => {
    if (!hub) throw new Error('the fuzz hub did not start');
    const found: Failure[] = [];
    const seen: Record<number, number> = {};
    statuses[procedure.path] = seen;
    for (const fuzzCase of casesFor(procedure, hub.objects.a, seed, runs)) {
      const response = await fuzzCase.send(hub);
      seen[response.status] = (seen[response.status] ?? 0) + 1;
      const input = excerpt(fuzzCase.input, 160);
      for (const line of response.logs.filter((l) => l.level === 'warn')) {
        warnings.push({ procedure: procedure.path, case: fuzzCase.name, input, msg: line.msg });
      }
      const errors = response.logs.filter((l) => l.level === 'error' || l.level === 'fatal');
      const problems = [...trpcProblems(response), ...errors.map((l) => `logged error "${l.msg}"`)];
      if (problems.length === 0) continue;
      found.push({
        procedure: procedure.path,
        case: fuzzCase.name,
        input,
        status: response.status,
        problems,
        body: excerpt(response.body, 240),
        cause: errors
          .map((l) => excerpt((l.err as { message?: string } | undefined)?.message, 400))
          .join(' | '),
      });
    }
    failures.push(...found);
    expect(found.map(summary), `FUZZ_SEED=${seed} FUZZ_RUNS=${runs}`).toEqual([]);
  });

  it.each(hostileCredentials)('answers 401 to $name', async ({ value }) => {
    if (!hub) throw new Error('the fuzz hub did not start');
    const whoami = await hub.callWith(value, 'platform.whoami', 'query', undefined);
    const create = await hub.callWith(value, 'nhi.create', 'mutation', {
      kind: 'bot',
      provider: 'aws',
      externalId: 'x',
      name: 'x',
    });

    expect([trpcProblems(whoami), trpcProblems(create)]).toEqual([[], []]);
    expect([whoami.status, create.status]).toEqual([401, 401]);
  });
});
