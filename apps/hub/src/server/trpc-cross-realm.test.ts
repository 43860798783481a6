import { randomUUID } from 'node:crypto';
import { describeEachDatabase, postgresUnavailableReason } from '@nhi/platform/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type CallResult, type FuzzHub, type RealmObjects, startFuzzHub } from '../../test/fuzz/fuzz-hub.ts';
import { crossRealmCalls } from '../../test/fuzz/hostile-inputs.ts';
import { fuzzableProcedures, resolveRefs } from '../../test/fuzz/procedure-cases.ts';
import { excerpt, trpcProblems } from '../../test/fuzz/response-checks.ts';
import { appRouter } from './app-router.ts';

const typeOf = new Map(fuzzableProcedures(appRouter).map((p) => [p.path, p.type]));

/** Ids of the same kinds that name nothing anywhere. */
function nowhere(objects: RealmObjects): RealmObjects {
  return Object.fromEntries(
    Object.keys(objects).map((key) => [key, randomUUID()]),
  ) as unknown as RealmObjects;
}

const answerOf = (response: CallResult) => ({
  status: response.status,
  code: (response.json as { error?: { data?: { code?: string } } } | undefined)?.error?.data?.code,
});

/**
 * Realm alpha's admin names realm beta's objects: every such call is NOT_FOUND, exactly as for an
 * id that does not exist, and beta's objects stay as they were.
 */
describeEachDatabase('tRPC procedures given another realm’s ids', (kind) => {
  let hub: FuzzHub | undefined;

  beforeAll(async () => {
    if (kind === 'postgres' && (await postgresUnavailableReason())) return;
    hub = await startFuzzHub(kind);
  }, 120_000);

  afterAll(async () => {
    await hub?.close();
  });

  function started(): FuzzHub {
    if (!hub) throw new Error('the fuzz hub did not start');
    return hub;
  }

  it.each(crossRealmCalls)('$procedure $input answers as for an id that does not exist', async (row) => {
    const { objects, call } = started();
    const type = typeOf.get(row.procedure);
    if (!type) throw new Error(`${row.procedure} is not a procedure of the app router`);
    if (!objects.b.delivery || !objects.b.alert) throw new Error('beta has no alert or no delivery to name');
    const expected = row.answer ?? 'NOT_FOUND';

    const unknown = await call(
      'a',
      row.procedure,
      type,
      resolveRefs(row.input, objects.a, nowhere(objects.b)),
    );
    const response = await call('a', row.procedure, type, resolveRefs(row.input, objects.a, objects.b));

    expect(trpcProblems(response)).toEqual([]);
    expect({ ...answerOf(response), body: excerpt(response.body, 300) }).toMatchObject({
      status: expected === 'NOT_FOUND' ? 404 : 400,
      code: expected,
    });
    expect(answerOf(response)).toEqual(answerOf(unknown));
  });

  it('leaves the other realm’s objects as they were', async () => {
    const { objects, call } = started();
    const b = objects.b;
    const data = async (procedure: string, input?: unknown) => {
      const response = await call('b', procedure, typeOf.get(procedure) ?? 'query', input);
      expect({ procedure, status: response.status }).toEqual({ procedure, status: 200 });
      return (response.json as { result: { data: unknown } }).result.data;
    };

    expect(await data('nhi.get', { id: b.nhi })).toMatchObject({
      name: 'fuzz-b',
      environment: 'unknown',
      deletedAt: null,
      credentials: [expect.objectContaining({ id: b.credential, status: 'active' })],
    });
    expect(await data('policy.group', { groupId: b.group })).toMatchObject({ name: 'Fuzz b' });
    expect(await data('policy.policies')).toMatchObject({
      policies: expect.arrayContaining([expect.objectContaining({ id: b.policy, name: 'Fuzz b' })]),
    });
    expect(await data('scanner.source.get', { id: b.source })).toMatchObject({ name: 'fuzz b' });
    expect(await data('scanner.scan.get', { id: b.scan })).toMatchObject({ state: 'queued' });
    expect(await data('alert.get', { id: b.alert })).toMatchObject({ state: 'open' });
    expect(await data('alert.channels.list')).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: b.channel, name: 'fuzz b' })]),
    );
    expect(await data('platform.tokens.list')).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: b.token, revokedAt: null })]),
    );
    expect(await data('platform.users.list')).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: b.userId, status: 'active' })]),
    );
  });
});
