import { TRPCClientError } from '@trpc/client';
import { expect, it } from 'vitest';
import { setupHub } from '../auth/auth-test-setup.ts';
import { SESSION_COOKIE } from '../guards/cookies.ts';
import { authenticateRequest } from '../guards/request-scope.ts';
import { createCaller } from '../rpc/caller.ts';
import { authorizedProcedure, router } from '../rpc/trpc.ts';
import { describeEachDatabase } from '../testing/describe-each-database.ts';
import { InstanceRegistry } from './instance-registry.ts';
import { RealmMover } from './realm-move.ts';

/** A read and a change of the realm, as any domain declares them. */
const appRouter = router({
  probe: router({
    read: authorizedProcedure('realm:read').query(({ ctx }) => ({ realm: ctx.scope.context.realm.slug })),
    write: authorizedProcedure('realm:read').mutation(() => ({ written: true })),
  }),
});

async function until(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describeEachDatabase('a realm being moved', (_kind, newDatabase) => {
  it('refuses changes with a clear error and still answers queries, until the move ends', async () => {
    const hub = await setupHub(newDatabase);
    const realm = await hub.realm('payments');
    await hub.member('ana@example.com', 'payments', 'admin');
    // Nothing listens there: the move waits for the running scan, then gives up; no copy starts.
    await hub.root.resolve(InstanceRegistry).add({ name: 'worker-a', baseUrl: 'http://127.0.0.1:9' });
    const source = await hub.db.systemPrisma.source.create({
      data: { realmId: realm.id, type: 'github', name: 'repos' },
    });
    await hub.db.systemPrisma.scan.create({
      data: {
        realmId: realm.id,
        sourceId: source.id,
        input: 'live',
        state: 'running',
        triggeredByType: 'system',
      },
    });
    const { token } = await hub.loggedIn('ana@example.com');
    const caller = async () => {
      const scope = await authenticateRequest(hub.root, {
        headers: new Headers({ cookie: `${SESSION_COOKIE}=${token}`, 'sec-fetch-site': 'same-origin' }),
        requestId: 'req-1',
      });
      return createCaller(appRouter, hub.root, scope);
    };
    // The credential is cached before the move starts: the move must reach it anyway.
    expect(await (await caller()).probe.write.mutate()).toEqual({ written: true });

    const moving = hub.root.resolve(RealmMover).move('payments', 'worker-a', { waitSeconds: 2 });
    const outcome = moving.catch((error: unknown) => error);
    await until(async () => {
      const row = await hub.db.systemPrisma.realm.findUniqueOrThrow({ where: { id: realm.id } });
      return row.movingTo !== null;
    });

    const during = await caller();
    expect(await during.probe.read.query()).toEqual({ realm: 'payments' });
    const refused = await during.probe.write.mutate().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TRPCClientError);
    expect(refused).toMatchObject({
      message: 'Realm payments is being moved; try again in a moment',
      data: { code: 'SERVICE_UNAVAILABLE' },
    });

    expect(await outcome).toMatchObject({ message: expect.stringMatching(/still running after 2 s/) });
    await moving.catch(() => undefined);
    expect(await (await caller()).probe.write.mutate()).toEqual({ written: true });
  });
});
