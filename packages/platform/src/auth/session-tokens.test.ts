import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { AuthenticationError } from '../errors/domain-errors.ts';
import { describeEachDatabase } from '../testing/describe-each-database.ts';
import { ManualClock, setupHub, startHub } from './auth-test-setup.ts';

const subject = { userId: 'user-1', sessionId: 'session-1', realmSlug: 'hub' };

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

async function expectRejected(promise: Promise<unknown>, reason = 'Invalid session') {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AuthenticationError);
  expect((error as AuthenticationError).message).toBe(reason);
}

describeEachDatabase('session tokens', (_kind, newDatabase) => {
  it('carry user, session, realm, issuer, audience, expiry and the signing key id', async () => {
    const { sessionTokens, signingKeys, clock } = await setupHub(newDatabase, {
      NHI_SESSION_TTL_SECONDS: '3600',
    });
    const issued = await sessionTokens.issue(subject);
    const [header, payload] = partsOf(issued.token);
    const now = Math.floor(clock.now().getTime() / 1000);

    expect(decodePart(header)).toMatchObject({ alg: 'EdDSA', kid: (await signingKeys.signer()).kid });
    expect(decodePart(payload)).toMatchObject({
      sub: 'user-1',
      sid: 'session-1',
      realm: 'hub',
      iss: 'nhi-hub',
      aud: 'nhi-hub',
      iat: now,
      exp: now + 3600,
    });
    expect(issued.expiresAt).toEqual(new Date((now + 3600) * 1000));
    await expect(sessionTokens.verify(issued.token)).resolves.toEqual({
      sub: 'user-1',
      sid: 'session-1',
      realm: 'hub',
      iat: now,
      exp: now + 3600,
    });
  });

  it('are refused when the signature was tampered with', async () => {
    const { sessionTokens } = await setupHub(newDatabase);
    const [header, payload, signature] = partsOf((await sessionTokens.issue(subject)).token);
    const middle = Math.floor(signature.length / 2);
    const flipped = signature[middle] === 'A' ? 'B' : 'A';
    const tampered = `${header}.${payload}.${signature.slice(0, middle)}${flipped}${signature.slice(middle + 1)}`;

    await expectRejected(sessionTokens.verify(tampered));
  });

  it('are refused when the claims were changed after signing', async () => {
    const { sessionTokens } = await setupHub(newDatabase);
    const [header, payload, signature] = partsOf((await sessionTokens.issue(subject)).token);
    const otherRealm = encode({ ...decodePart(payload), realm: 'other' });

    await expectRejected(sessionTokens.verify(`${header}.${otherRealm}.${signature}`));
  });

  it('are refused unsigned (alg none)', async () => {
    const { sessionTokens, signingKeys } = await setupHub(newDatabase);
    const [header, payload] = partsOf((await sessionTokens.issue(subject)).token);
    const kid = (await signingKeys.signer()).kid;
    const unsignedHeader = encode({ ...decodePart(header), alg: 'none', kid });

    await expectRejected(sessionTokens.verify(`${unsignedHeader}.${payload}.`));
  });

  it('are refused when signed with HMAC using the public key as secret', async () => {
    const { sessionTokens, signingKeys, config, clock } = await setupHub(newDatabase);
    const publicKeys = await signingKeys.publicKeySet();
    const signer = await signingKeys.signer();
    const secret = new TextEncoder().encode(JSON.stringify(publicKeys.keys[0]));
    const forged = await new SignJWT({ sid: 'session-1', realm: 'hub' })
      .setProtectedHeader({ alg: 'HS256', kid: signer.kid, typ: 'nhi-session+jwt' })
      .setSubject('user-1')
      .setIssuer(config.NHI_JWT_ISSUER)
      .setAudience(config.NHI_JWT_AUDIENCE)
      .setIssuedAt(clock.now())
      .setExpirationTime('1h')
      .sign(secret);

    await expectRejected(sessionTokens.verify(forged));
  });

  it('are refused when signed by a key the hub does not hold, under a known or unknown key id', async () => {
    const { sessionTokens, signingKeys, config, clock } = await setupHub(newDatabase);
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const knownKid = (await signingKeys.signer()).kid;
    for (const kid of [knownKid, 'someone-elses-key']) {
      const forged = await new SignJWT({ sid: 'session-1', realm: 'hub' })
        .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'nhi-session+jwt' })
        .setSubject('user-1')
        .setIssuer(config.NHI_JWT_ISSUER)
        .setAudience(config.NHI_JWT_AUDIENCE)
        .setIssuedAt(clock.now())
        .setExpirationTime('1h')
        .sign(privateKey);

      await expectRejected(sessionTokens.verify(forged));
    }
  });

  it('are refused once expired, saying so', async () => {
    const { sessionTokens, clock } = await setupHub(newDatabase, { NHI_SESSION_TTL_SECONDS: '600' });
    const { token } = await sessionTokens.issue(subject);
    clock.advanceSeconds(599);
    await expect(sessionTokens.verify(token)).resolves.toMatchObject({ sid: 'session-1' });

    clock.advanceSeconds(1);
    await expectRejected(sessionTokens.verify(token), 'Session expired');
  });

  it('are refused when issued for another issuer or audience, even with the same keys', async () => {
    const { db, clock, dataDir, sessionTokens } = await setupHub(newDatabase);
    const otherIssuer = startHub(db, clock, { NHI_JWT_ISSUER: 'another-hub' }, dataDir);
    const otherAudience = startHub(db, clock, { NHI_JWT_AUDIENCE: 'another-app' }, dataDir);

    await expectRejected(sessionTokens.verify((await otherIssuer.sessionTokens.issue(subject)).token));
    await expectRejected(sessionTokens.verify((await otherAudience.sessionTokens.issue(subject)).token));
  });

  it('are refused when garbled', async () => {
    const { sessionTokens } = await setupHub(newDatabase);
    for (const garbage of ['', 'abc', 'a.b.c', `${encode({ alg: 'EdDSA' })}.e30.`]) {
      await expectRejected(sessionTokens.verify(garbage));
    }
  });

  it('ask for renewal once past half their life', async () => {
    const { sessionTokens, clock } = await setupHub(newDatabase, { NHI_SESSION_TTL_SECONDS: '1000' });
    const { claims } = await sessionTokens.issue(subject);
    clock.advanceSeconds(499);
    expect(sessionTokens.shouldRenew(claims)).toBe(false);

    clock.advanceSeconds(1);
    expect(sessionTokens.shouldRenew(claims)).toBe(true);
  });
});

describeEachDatabase('session signing keys', (_kind, newDatabase) => {
  it('are generated once, kept in the database and shared by every hub process', async () => {
    const { db, clock, dataDir, sessionTokens, signingKeys } = await setupHub(newDatabase);
    const { token } = await sessionTokens.issue(subject);
    const secondProcess = startHub(db, clock, {}, dataDir);

    expect((await secondProcess.signingKeys.signer()).kid).toBe((await signingKeys.signer()).kid);
    await expect(secondProcess.sessionTokens.verify(token)).resolves.toMatchObject({ sub: 'user-1' });
    expect(await db.systemPrisma.signingKey.count()).toBe(1);
  });

  it('rotate to a new signer while tokens of the old key keep working until they expire', async () => {
    const { sessionTokens, signingKeys, clock } = await setupHub(newDatabase, {
      NHI_SESSION_TTL_SECONDS: '3600',
    });
    const before = await sessionTokens.issue(subject);
    const oldKid = (await signingKeys.signer()).kid;
    clock.advanceSeconds(600);

    const { kid: newKid } = await signingKeys.rotate();
    const after = await sessionTokens.issue(subject);

    expect(newKid).not.toBe(oldKid);
    expect(decodePart(partsOf(after.token)[0]).kid).toBe(newKid);
    await expect(sessionTokens.verify(before.token)).resolves.toMatchObject({ sub: 'user-1' });
    await expect(sessionTokens.verify(after.token)).resolves.toMatchObject({ sub: 'user-1' });
    expect((await signingKeys.publicKeySet()).keys.map((key) => key.kid)).toEqual([newKid, oldKid]);

    clock.advanceSeconds(3600);
    expect((await signingKeys.publicKeySet()).keys.map((key) => key.kid)).toEqual([newKid]);
  });

  it('rotated by one hub process are picked up by another', async () => {
    const { db, clock, dataDir, signingKeys } = await setupHub(newDatabase);
    const secondProcess = startHub(db, clock, {}, dataDir);
    await secondProcess.signingKeys.load();

    await signingKeys.rotate();
    const { token } = await startHub(db, clock, {}, dataDir).sessionTokens.issue(subject);
    clock.advanceSeconds(31);

    await expect(secondProcess.sessionTokens.verify(token)).resolves.toMatchObject({ sub: 'user-1' });
  });

  it('never expose private key material in the public key set', async () => {
    const { signingKeys } = await setupHub(newDatabase);
    const { keys } = await signingKeys.publicKeySet();

    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toHaveProperty('d');
    expect(keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
  });
});

describe('session signing keys from NHI_JWT_KEYS', () => {
  async function configuredKey(kid: string, alg: 'EdDSA' | 'ES256') {
    const { privateKey } =
      alg === 'EdDSA'
        ? await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
        : await generateKeyPair('ES256', { extractable: true });
    return { ...(await exportJWK(privateKey)), kid };
  }

  /** Configured keys never touch the database: any use of it fails the test. */
  const noDatabase = new Proxy(
    {},
    {
      get() {
        throw new Error('the database was used');
      },
    },
  ) as never;

  it('sign with the first key and verify with all of them', async () => {
    const first = await configuredKey('first', 'ES256');
    const second = await configuredKey('second', 'EdDSA');
    const clock = new ManualClock();
    const db = noDatabase;
    const current = startHub(
      db,
      clock,
      { NHI_JWT_KEYS: JSON.stringify({ keys: [first, second] }) },
      '/nonexistent',
    );
    const previous = startHub(
      db,
      clock,
      { NHI_JWT_KEYS: JSON.stringify({ keys: [second] }) },
      '/nonexistent',
    );

    const token = (await current.sessionTokens.issue(subject)).token;
    expect(decodePart(partsOf(token)[0])).toMatchObject({ alg: 'ES256', kid: 'first' });
    await expect(current.sessionTokens.verify(token)).resolves.toMatchObject({ sub: 'user-1' });
    await expect(
      current.sessionTokens.verify((await previous.sessionTokens.issue(subject)).token),
    ).resolves.toMatchObject({ sub: 'user-1' });
    await expect(current.signingKeys.rotate()).rejects.toThrow(/NHI_JWT_KEYS/);
  });

  it('refuse a key set without private keys or with unsupported algorithms', async () => {
    const db = noDatabase;
    const good = await configuredKey('k', 'EdDSA');
    const { d: _private, ...publicOnly } = good;
    for (const keys of [
      'not json',
      '{"keys":[]}',
      JSON.stringify({ keys: [publicOnly] }),
      JSON.stringify({ keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: 'h' }] }),
    ]) {
      const hub = startHub(db, new ManualClock(), { NHI_JWT_KEYS: keys }, '/nonexistent');
      await expect(hub.signingKeys.load()).rejects.toThrow(/NHI_JWT_KEYS/);
    }
  });
});
