import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, createRemoteJWKSet, generateKeyPair, type JSONWebKeySet, SignJWT } from 'jose';
import { expect, it, onTestFinished } from 'vitest';
import { AuthenticationError } from '../errors/domain-errors.ts';
import { describeEachDatabase } from '../testing/describe-each-database.ts';
import { setupHub, startHub } from './auth-test-setup.ts';
import {
  ForwardTokens,
  ForwardTokenVerifier,
  forwardRealmNotServed,
  forwardTokenExpired,
  forwardTokenInvalid,
  forwardTokenMissing,
  hubSubject,
  instanceTokenType,
} from './forward-tokens.ts';

const call = { instance: 'worker-a', userId: 'user-1', realmId: 'realm-1', requestId: 'req-1' };
const forwardClaims = { realm: call.realmId, rid: call.requestId };

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function partsOf(token: string): [string, string, string] {
  const [header, payload, signature] = token.split('.');
  if (header === undefined || payload === undefined || signature === undefined) throw new Error('not a JWS');
  return [header, payload, signature];
}

function decodePart(part: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

async function expectRefused(promise: Promise<unknown>, reason = forwardTokenInvalid) {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AuthenticationError);
  expect((error as AuthenticationError).message).toBe(reason);
}

/** A hub that signs forward tokens, and worker-a, serving realm-1 with the hub's current key set. */
async function setup(newDatabase: Parameters<typeof setupHub>[0]) {
  const hub = await setupHub(newDatabase);
  const forwardTokens = hub.root.resolve(ForwardTokens);

  function workerWith(keys: JSONWebKeySet, instance = call.instance) {
    return new ForwardTokenVerifier({
      keys: createLocalJWKSet(keys),
      issuer: hub.config.NHI_JWT_ISSUER,
      instance,
      servesRealm: (realmId) => realmId === call.realmId,
      clock: hub.clock,
    });
  }

  /** A token with the forward type and claims, signed by whatever key and algorithm the test picks. */
  function forgedToken(header: { alg: string; kid: string; typ?: string }) {
    return new SignJWT(forwardClaims)
      .setProtectedHeader({ typ: 'nhi-forward+jwt', ...header })
      .setIssuer(hub.config.NHI_JWT_ISSUER)
      .setAudience(call.instance)
      .setSubject(call.userId)
      .setIssuedAt(hub.clock.now())
      .setExpirationTime(new Date(hub.clock.now().getTime() + 60_000));
  }

  const worker = workerWith(await hub.signingKeys.publicKeySet());
  return { ...hub, forwardTokens, worker, workerWith, forgedToken };
}

describeEachDatabase('forward tokens', (_kind, newDatabase) => {
  it('carry issuer, instance, user, realm and request id for sixty seconds, and pass', async () => {
    const { forwardTokens, worker, signingKeys, clock } = await setup(newDatabase);
    const token = await forwardTokens.issue(call);
    const [header, payload] = partsOf(token);
    const now = Math.floor(clock.now().getTime() / 1000);
    const claims = {
      iss: 'nhi-hub',
      aud: 'worker-a',
      sub: 'user-1',
      realm: 'realm-1',
      rid: 'req-1',
      iat: now,
      exp: now + 60,
    };

    expect(decodePart(header)).toEqual({
      alg: 'EdDSA',
      kid: (await signingKeys.signer()).kid,
      typ: 'nhi-forward+jwt',
    });
    expect(decodePart(payload)).toEqual(claims);
    await expect(worker.verify(token)).resolves.toEqual(claims);
  });

  it('carry the hub session, and an API token with its chosen permissions, as issued', async () => {
    const { forwardTokens, worker } = await setup(newDatabase);
    const token = { id: 'token-1', permissions: ['nhi:read', 'nhi:write'] };

    await expect(
      worker.verify(await forwardTokens.issue({ ...call, sessionId: 'session-1', token })),
    ).resolves.toMatchObject({ sid: 'session-1', tok: 'token-1', perm: ['nhi:read', 'nhi:write'] });
    // No chosen permissions still names the token: the worker narrows to the user's own.
    await expect(
      worker.verify(await forwardTokens.issue({ ...call, token: { id: 'token-2', permissions: [] } })),
    ).resolves.toMatchObject({ tok: 'token-2', perm: [] });
    const plain = await worker.verify(await forwardTokens.issue(call));
    expect(plain).not.toHaveProperty('sid');
    expect(plain).not.toHaveProperty('tok');
    expect(plain).not.toHaveProperty('perm');
  });

  it('are refused when they name an API token without its permission list, never widened to the user', async () => {
    const { worker, signingKeys, config, clock } = await setup(newDatabase);
    const signer = await signingKeys.signer();
    if (!signer.privateKey) throw new Error('the hub holds its private key');
    const now = Math.floor(clock.now().getTime() / 1000);
    for (const perm of [undefined, 'nhi:read', [1]]) {
      const token = await new SignJWT({ realm: call.realmId, rid: 'req-1', tok: 'token-1', perm })
        .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: 'nhi-forward+jwt' })
        .setIssuer(config.NHI_JWT_ISSUER)
        .setAudience(call.instance)
        .setSubject(call.userId)
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .sign(signer.privateKey);
      await expectRefused(worker.verify(token));
    }
  });

  it('are refused when there is none', async () => {
    const { worker } = await setup(newDatabase);

    await expectRefused(worker.verify(undefined), forwardTokenMissing);
    await expectRefused(worker.verify(''), forwardTokenMissing);
  });

  it('are refused by an instance they were not issued for', async () => {
    const { forwardTokens, worker } = await setup(newDatabase);

    await expectRefused(worker.verify(await forwardTokens.issue({ ...call, instance: 'worker-b' })));
  });

  it('are refused once expired, saying so', async () => {
    const { forwardTokens, worker, clock } = await setup(newDatabase);
    const token = await forwardTokens.issue(call);
    clock.advanceSeconds(59);
    await expect(worker.verify(token)).resolves.toMatchObject({ sub: 'user-1' });

    clock.advanceSeconds(1);
    await expectRefused(worker.verify(token), forwardTokenExpired);
  });

  it('are refused for a realm the instance does not serve', async () => {
    const { forwardTokens, worker } = await setup(newDatabase);

    await expectRefused(
      worker.verify(await forwardTokens.issue({ ...call, realmId: 'realm-2' })),
      forwardRealmNotServed,
    );
  });

  it('are refused unsigned (alg none)', async () => {
    const { forwardTokens, worker, signingKeys } = await setup(newDatabase);
    const [header, payload] = partsOf(await forwardTokens.issue(call));
    const kid = (await signingKeys.signer()).kid;
    const unsigned = encode({ ...decodePart(header), alg: 'none', kid });

    await expectRefused(worker.verify(`${unsigned}.${payload}.`));
  });

  it('are refused when signed with an algorithm outside the allow-list', async () => {
    const { worker, signingKeys, forgedToken } = await setup(newDatabase);
    const publicKeys = await signingKeys.publicKeySet();
    const kid = (await signingKeys.signer()).kid;
    // HMAC keyed with the published public key: the classic confusion attack.
    const hmac = await forgedToken({ alg: 'HS256', kid }).sign(
      new TextEncoder().encode(JSON.stringify(publicKeys.keys[0])),
    );
    const { privateKey: p384 } = await generateKeyPair('ES384');
    const es384 = await forgedToken({ alg: 'ES384', kid }).sign(p384);

    await expectRefused(worker.verify(hmac));
    await expectRefused(worker.verify(es384));
  });

  it('are refused when signed by a key not in the set, under a known or unknown key id', async () => {
    const { worker, signingKeys, forgedToken } = await setup(newDatabase);
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    for (const kid of [(await signingKeys.signer()).kid, 'someone-elses-key']) {
      await expectRefused(worker.verify(await forgedToken({ alg: 'EdDSA', kid }).sign(privateKey)));
    }
  });

  it('are refused when the signature or the claims were changed after signing', async () => {
    const { forwardTokens, worker } = await setup(newDatabase);
    const [header, payload, signature] = partsOf(await forwardTokens.issue(call));
    const middle = Math.floor(signature.length / 2);
    const flipped = signature[middle] === 'A' ? 'B' : 'A';
    const badSignature = `${signature.slice(0, middle)}${flipped}${signature.slice(middle + 1)}`;
    const otherUser = encode({ ...decodePart(payload), sub: 'admin' });

    await expectRefused(worker.verify(`${header}.${payload}.${badSignature}`));
    await expectRefused(worker.verify(`${header}.${otherUser}.${signature}`));
  });

  it('are refused when garbled', async () => {
    const { worker } = await setup(newDatabase);
    for (const garbage of ['abc', 'a.b.c', `${encode({ alg: 'EdDSA' })}.e30.`]) {
      await expectRefused(worker.verify(garbage));
    }
  });

  it('are never a session token, nor a session token a forward token', async () => {
    const { forwardTokens, sessionTokens, signingKeys, forgedToken, workerWith, config } =
      await setup(newDatabase);
    const signer = await signingKeys.signer();
    if (!signer.privateKey) throw new Error('the hub holds its private key');
    const session = await sessionTokens.issue({ userId: 'user-1', sessionId: 's-1', realmSlug: 'hub' });
    // Every forward claim, the hub's own key: only the type says session.
    const sessionTyped = await forgedToken({ alg: signer.alg, kid: signer.kid, typ: 'nhi-session+jwt' }).sign(
      signer.privateKey,
    );
    // An instance named like the session audience, so the type is all that tells them apart.
    const lookalike = workerWith(await signingKeys.publicKeySet(), config.NHI_JWT_AUDIENCE);

    await expectRefused(lookalike.verify(session.token));
    await expectRefused(workerWith(await signingKeys.publicKeySet()).verify(sessionTyped));
    await expect(
      sessionTokens.verify(await forwardTokens.issue({ ...call, instance: config.NHI_JWT_AUDIENCE })),
    ).rejects.toBeInstanceOf(AuthenticationError);
  });

  it('are refused when issued by a hub with another issuer, even with the same keys', async () => {
    const { db, clock, dataDir, worker } = await setup(newDatabase);
    const otherHub = startHub(db, clock, { NHI_JWT_ISSUER: 'another-hub' }, dataDir);

    await expectRefused(worker.verify(await otherHub.root.resolve(ForwardTokens).issue(call)));
  });

  it('signed by a retired key pass while it still verifies, and fail once it is deleted', async () => {
    const { db, clock, dataDir, forwardTokens, signingKeys, workerWith } = await setup(newDatabase);
    const beforeRotation = await forwardTokens.issue(call);
    const retiredKid = (await signingKeys.signer()).kid;
    await signingKeys.rotate();
    const afterRotation = await forwardTokens.issue(call);

    const rotated = workerWith(await signingKeys.publicKeySet());
    await expect(rotated.verify(beforeRotation)).resolves.toMatchObject({ sub: 'user-1' });
    await expect(rotated.verify(afterRotation)).resolves.toMatchObject({ sub: 'user-1' });

    await db.systemPrisma.signingKey.delete({ where: { kid: retiredKid } });
    const deleted = workerWith(await startHub(db, clock, {}, dataDir).signingKeys.publicKeySet());
    await expectRefused(deleted.verify(beforeRotation));
    await expect(deleted.verify(afterRotation)).resolves.toMatchObject({ sub: 'user-1' });
  });

  it('are verified against the hub key set fetched over HTTP', async () => {
    const { forwardTokens, signingKeys, config, clock } = await setup(newDatabase);
    const keySet = JSON.stringify(await signingKeys.publicKeySet());
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(keySet);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as AddressInfo;
    const worker = new ForwardTokenVerifier({
      keys: createRemoteJWKSet(new URL(`http://127.0.0.1:${port}/.well-known/jwks.json`)),
      issuer: config.NHI_JWT_ISSUER,
      instance: call.instance,
      servesRealm: async (realmId) => realmId === call.realmId,
      clock,
    });

    await expect(worker.verify(await forwardTokens.issue(call))).resolves.toMatchObject({ rid: 'req-1' });
  });

  it('fail as an outage, not as a bad token, while the hub key set is out of reach', async () => {
    const { forwardTokens, config, clock } = await setup(newDatabase);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const worker = new ForwardTokenVerifier({
      keys: createRemoteJWKSet(new URL(`http://127.0.0.1:${port}/.well-known/jwks.json`)),
      issuer: config.NHI_JWT_ISSUER,
      instance: call.instance,
      servesRealm: () => true,
      clock,
    });

    const error = await worker.verify(await forwardTokens.issue(call)).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(AuthenticationError);
  });
});

describeEachDatabase('instance tokens', (_kind, newDatabase) => {
  it('carry the hub as subject, the instance and the request id, and pass as the hub calling', async () => {
    const { forwardTokens, worker, signingKeys, clock } = await setup(newDatabase);
    const token = await forwardTokens.issueForInstance('worker-a', 'req-9');
    const [header, payload] = partsOf(token);
    const now = Math.floor(clock.now().getTime() / 1000);

    expect(decodePart(header)).toEqual({
      alg: 'EdDSA',
      kid: (await signingKeys.signer()).kid,
      typ: instanceTokenType,
    });
    expect(decodePart(payload)).toEqual({
      iss: 'nhi-hub',
      aud: 'worker-a',
      sub: hubSubject,
      rid: 'req-9',
      iat: now,
      exp: now + 60,
    });
    await expect(worker.verifyInstanceCall(token)).resolves.toEqual({ rid: 'req-9' });
  });

  it('never pass as a forwarded call, nor a forward token as an instance token', async () => {
    const { forwardTokens, worker } = await setup(newDatabase);

    await expectRefused(worker.verify(await forwardTokens.issueForInstance('worker-a', 'req-9')));
    await expectRefused(worker.verifyInstanceCall(await forwardTokens.issue(call)));
  });

  it('are refused when there is none', async () => {
    const { worker } = await setup(newDatabase);

    await expectRefused(worker.verifyInstanceCall(undefined), forwardTokenMissing);
    await expectRefused(worker.verifyInstanceCall(''), forwardTokenMissing);
  });

  it('are refused by an instance they were not issued for', async () => {
    const { forwardTokens, worker } = await setup(newDatabase);

    await expectRefused(worker.verifyInstanceCall(await forwardTokens.issueForInstance('worker-b', 'req-9')));
  });

  it('are refused once expired, saying so', async () => {
    const { forwardTokens, worker, clock } = await setup(newDatabase);
    const token = await forwardTokens.issueForInstance('worker-a', 'req-9');
    clock.advanceSeconds(59);
    await expect(worker.verifyInstanceCall(token)).resolves.toEqual({ rid: 'req-9' });

    clock.advanceSeconds(1);
    await expectRefused(worker.verifyInstanceCall(token), forwardTokenExpired);
  });

  it('are refused when signed by the hub key for a subject other than the hub', async () => {
    const { worker, signingKeys, config, clock } = await setup(newDatabase);
    const signer = await signingKeys.signer();
    if (!signer.privateKey) throw new Error('the hub holds its private key');
    const now = Math.floor(clock.now().getTime() / 1000);
    // Genuine in every other way: only the subject says it is not the hub's own call.
    const asUser = await new SignJWT({ rid: 'req-9' })
      .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: instanceTokenType })
      .setIssuer(config.NHI_JWT_ISSUER)
      .setAudience('worker-a')
      .setSubject('user-1')
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(signer.privateKey);

    await expectRefused(worker.verifyInstanceCall(asUser));
  });
});
