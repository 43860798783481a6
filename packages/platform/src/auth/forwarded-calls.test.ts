import { randomUUID } from 'node:crypto';
import { createLocalJWKSet } from 'jose';
import { expect, it } from 'vitest';
import { systemClock } from '../context/request-context.ts';
import { AuthenticationError } from '../errors/domain-errors.ts';
import { toHttpStatus } from '../guards/http-status.ts';
import { type RealmSync, RealmSyncReceiver } from '../instances/realm-sync.ts';
import { describeEachDatabase, type NewTestDatabase } from '../testing/describe-each-database.ts';
import { setupHub } from './auth-test-setup.ts';
import {
  type ForwardedCall,
  ForwardTokens,
  ForwardTokenVerifier,
  forwardRealmNotServed,
  forwardTokenMissing,
} from './forward-tokens.ts';
import { FORWARD_TOKEN_HEADER, ForwardedCalls, forwardedUserUnknown } from './forwarded-calls.ts';

const instance = 'worker-a';

/** Two realms the worker serves, as the hub describes them: ids are the hub's. */
function realmSyncs() {
  const people = {
    alice: { userId: randomUUID(), email: 'alice@example.com', displayName: 'Alice' },
    bob: { userId: randomUUID(), email: 'bob@example.com', displayName: null },
    carol: { userId: randomUUID(), email: 'carol@example.com', displayName: 'Carol' },
  };
  const payments: RealmSync = {
    realm: { id: randomUUID(), slug: 'payments', name: 'Payments' },
    members: [
      { ...people.alice, disabled: false, role: 'editor' },
      { ...people.carol, disabled: true, role: 'viewer' },
    ],
  };
  const billing: RealmSync = {
    realm: { id: randomUUID(), slug: 'billing', name: 'Billing' },
    members: [{ ...people.bob, disabled: false, role: 'admin' }],
  };
  return { people, payments, billing };
}

/**
 * A hub that signs forward tokens, and worker-a with a database of its own, holding the realms
 * the hub synchronised to it. The worker reads the hub's keys from a local set, not over HTTP.
 */
async function setup(newDatabase: NewTestDatabase) {
  const hub = await setupHub(newDatabase);
  const workerDb = await newDatabase();
  const { people, payments, billing } = realmSyncs();
  const receiver = new RealmSyncReceiver(workerDb, systemClock);
  await receiver.apply(payments);
  await receiver.apply(billing);

  const verifier = new ForwardTokenVerifier({
    keys: createLocalJWKSet(await hub.signingKeys.publicKeySet()),
    issuer: hub.config.NHI_JWT_ISSUER,
    instance,
    clock: hub.clock,
    servesRealm: async (realmId) => (await workerDb.systemPrisma.realm.count({ where: { id: realmId } })) > 0,
  });
  const calls = new ForwardedCalls(verifier, workerDb);
  const forwardTokens = hub.root.resolve(ForwardTokens);

  /** The headers of a call the hub forwards to worker-a, in payments unless told otherwise. */
  async function forwarded(call: Partial<ForwardedCall> & { userId: string }): Promise<Headers> {
    const token = await forwardTokens.issue({
      instance,
      realmId: payments.realm.id,
      requestId: 'req-1',
      ...call,
    });
    return new Headers({ [FORWARD_TOKEN_HEADER]: token });
  }

  async function policyEpochOf(realmId: string): Promise<bigint | undefined> {
    const row = await workerDb.systemPrisma.policyEpoch.findUnique({ where: { realmId } });
    return row?.epoch;
  }

  return { ...hub, workerDb, calls, people, payments, billing, forwarded, policyEpochOf };
}

/** Refused as unauthenticated (401), with one of the worker's plain reasons and nothing about keys. */
async function expectRefused(promise: Promise<unknown>, reason: string) {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AuthenticationError);
  expect(toHttpStatus(error)).toBe(401);
  const message = (error as AuthenticationError).message;
  expect(message).toBe(reason);
  expect(message).not.toMatch(/key|kid|jwk|jws|alg|signature|secret/i);
  expect((error as AuthenticationError).details).toBeUndefined();
}

describeEachDatabase('forwarded calls on a worker', (_kind, newDatabase) => {
  it('authenticate as the member the hub names, in its realm, with the realm policy epoch', async () => {
    const { calls, people, payments, forwarded, policyEpochOf } = await setup(newDatabase);
    const epoch = await policyEpochOf(payments.realm.id);
    expect(epoch).toEqual(expect.any(BigInt));

    const authenticated = await calls.authenticate(
      await forwarded({ userId: people.alice.userId, sessionId: 'session-1' }),
    );

    expect(authenticated).toMatchObject({
      principal: {
        kind: 'user',
        userId: people.alice.userId,
        email: 'alice@example.com',
        sessionId: 'session-1',
      },
      realm: { id: payments.realm.id, slug: 'payments' },
      policyEpoch: epoch,
      claims: { sub: people.alice.userId, realm: payments.realm.id, rid: 'req-1', aud: instance },
    });
    expect(authenticated.realm.placement).toBeUndefined();
  });

  it('name the session by the request id when the hub sends none', async () => {
    const { calls, people, forwarded } = await setup(newDatabase);

    const { principal } = await calls.authenticate(await forwarded({ userId: people.alice.userId }));

    expect(principal).toEqual({
      kind: 'user',
      userId: people.alice.userId,
      email: 'alice@example.com',
      sessionId: 'req-1',
    });
  });

  it('authenticate a call made with an API token as that token, with its chosen permissions', async () => {
    const { calls, people, forwarded } = await setup(newDatabase);
    const token = { id: 'token-1', permissions: ['realm:read', 'audit:read'] };

    const { principal } = await calls.authenticate(await forwarded({ userId: people.alice.userId, token }));

    expect(principal).toEqual({
      kind: 'token',
      userId: people.alice.userId,
      email: 'alice@example.com',
      tokenId: 'token-1',
      tokenPermissions: ['realm:read', 'audit:read'],
    });
  });

  it('refuse a user who is a member of another realm only', async () => {
    const { calls, people, forwarded } = await setup(newDatabase);

    await expectRefused(
      calls.authenticate(await forwarded({ userId: people.bob.userId })),
      forwardedUserUnknown,
    );
  });

  it('refuse a disabled member', async () => {
    const { calls, people, forwarded } = await setup(newDatabase);

    await expectRefused(
      calls.authenticate(await forwarded({ userId: people.carol.userId })),
      forwardedUserUnknown,
    );
  });

  it('refuse a user the worker does not know', async () => {
    const { calls, forwarded } = await setup(newDatabase);

    await expectRefused(calls.authenticate(await forwarded({ userId: randomUUID() })), forwardedUserUnknown);
  });

  it('refuse a realm the worker does not serve, even for a member of another of its realms', async () => {
    const { calls, people, forwarded } = await setup(newDatabase);

    await expectRefused(
      calls.authenticate(await forwarded({ userId: people.alice.userId, realmId: randomUUID() })),
      forwardRealmNotServed,
    );
  });

  it('refuse a call without the forward header, whatever else it carries', async () => {
    const { calls, people, forwarded } = await setup(newDatabase);
    const genuine = (await forwarded({ userId: people.alice.userId })).get(FORWARD_TOKEN_HEADER);

    await expectRefused(calls.authenticate(new Headers()), forwardTokenMissing);
    await expectRefused(
      calls.authenticate(
        new Headers({ authorization: `Bearer ${genuine}`, cookie: `nhi_session=${genuine}` }),
      ),
      forwardTokenMissing,
    );
  });

  it('follow the hub when it later removes a member', async () => {
    const { calls, people, payments, forwarded, workerDb } = await setup(newDatabase);
    const headers = await forwarded({ userId: people.alice.userId });
    await expect(calls.authenticate(headers)).resolves.toMatchObject({ principal: { kind: 'user' } });

    await new RealmSyncReceiver(workerDb, systemClock).apply({ ...payments, members: [] });

    await expectRefused(calls.authenticate(headers), forwardedUserUnknown);
  });
});
