import { Writable } from 'node:stream';
import { authorizedProcedure, createLogger, router, SESSION_COOKIE } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { z } from 'zod';
import { setupHub } from '../../test/support/hub-setup.ts';
import { handleTrpcRequest } from './trpc-handler.ts';

const origin = 'http://hub.test';

interface TrpcError {
  error: { message: string; data: { code: string; httpStatus: number; details?: { issues?: unknown[] } } };
}

describeEachDatabase('/api/trpc at the input boundary', (_kind, newDatabase) => {
  async function setup() {
    const hub = await setupHub(newDatabase);
    await hub.realm('hub', 'Hub');
    await hub.member('ada@example.test', 'hub', 'admin');
    const session = await hub.logIn('ada@example.test');
    const logLines: string[] = [];
    const logger = createLogger({
      level: 'info',
      destination: new Writable({
        write(chunk, _encoding, done) {
          logLines.push(String(chunk));
          done();
        },
      }),
    });

    /** Procedures whose own schemas check nothing, so only the boundary stands in the way. */
    const probe = router({
      echo: authorizedProcedure('realm:read')
        .input(z.unknown())
        .mutation(({ input }) => input),
      /** Fails inside the database with an error no input caused. */
      crash: authorizedProcedure('realm:read').mutation(() =>
        hub.db.systemPrisma.$queryRawUnsafe('SELECT 1 / 0'),
      ),
      /** Stores a date its schema does not bound: the database is the last to refuse it. */
      storeDate: authorizedProcedure('realm:read')
        .input(z.object({ at: z.coerce.date() }))
        .mutation(({ input }) =>
          hub.db.systemPrisma.realm.create({ data: { slug: 'dated', name: 'Dated', createdAt: input.at } }),
        ),
    });

    async function call(path: string, input: unknown) {
      const response = await handleTrpcRequest(
        new Request(`${origin}/api/trpc/${path}`, {
          method: 'POST',
          headers: {
            cookie: `${SESSION_COOKIE}=${session.token}`,
            'sec-fetch-site': 'same-origin',
            'content-type': 'application/json',
          },
          body: JSON.stringify(input),
        }),
        { root: hub.root, logger, router: router({ probe }), requestId: 'req-42' },
      );
      return { status: response.status, text: await response.text() };
    }

    return { call, logLines };
  }

  it.each([
    { case: 'NUL in a nested value', input: { a: [{ b: 'x\u0000y' }] }, path: ['a', 0, 'b'] },
    { case: 'NUL in a key', input: { meta: { 'k\u0000': 1 } }, path: ['meta', 'k'] },
    { case: 'a lone surrogate', input: { name: 'a\ud800' }, path: ['name'] },
  ])('refuses $case before any schema runs, naming the field', async ({ input, path }) => {
    const t = await setup();

    const response = await t.call('probe.echo', input);

    expect(response.status).toBe(400);
    const body = JSON.parse(response.text) as TrpcError;
    expect(body.error.data.code).toBe('BAD_REQUEST');
    expect(body.error.data.details?.issues).toEqual([{ path, message: expect.any(String) }]);
    expect(body.error.message).toContain(path.join('.'));
  });

  it('answers a database failure with a generic 500 naming the request, and logs the cause once as JSON', async () => {
    const t = await setup();

    const response = await t.call('probe.crash', undefined);

    expect(response.status).toBe(500);
    const body = JSON.parse(response.text) as TrpcError;
    expect(body.error.message).toBe('Internal error (request req-42)');
    expect(response.text).not.toMatch(/prisma|invocation|division|22012|stack/i);
    const failures = t.logLines.filter((line) => line.includes('tRPC procedure failed'));
    expect(failures).toHaveLength(1);
    const logged = JSON.parse(failures[0] as string);
    expect(logged).toMatchObject({ level: 'error', requestId: 'req-42', path: 'probe.crash' });
    expect(JSON.stringify(logged.err)).toMatch(/22012|division by zero/);
  });

  it('answers a value only the database refuses with 400, not 500', async () => {
    const t = await setup();

    const response = await t.call('probe.storeDate', { at: '0000-01-01T00:00:00.000Z' });

    expect(response.status).toBe(400);
    const body = JSON.parse(response.text) as TrpcError;
    expect(body.error.data.code).toBe('BAD_REQUEST');
    expect(body.error.message).toBe('A date is outside the range that can be stored (years 1 to 9999)');
    expect(response.text).not.toMatch(/prisma|invocation|22008/i);
  });
});
