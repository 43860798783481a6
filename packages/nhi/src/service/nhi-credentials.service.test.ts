import {
  allCoverage,
  ConflictError,
  NotFoundError,
  SecretFingerprints,
  ValidationError,
} from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { newNhi, setupInventory } from '../testing/nhi-test-setup.ts';
import { findTextContaining } from '../testing/secret-scan.ts';

const day = 86_400_000;

describeEachDatabase('NHI credentials', (_kind, newDatabase) => {
  async function setup() {
    const t = await setupInventory(newDatabase);
    const service = await t.nhiServiceOf(t.ana);
    const nhi = await service.create(newNhi());
    const daysAgo = (days: number) => new Date(t.clock.now().getTime() - days * day);
    const inDays = (days: number) => new Date(t.clock.now().getTime() + days * day);
    return { ...t, service, nhi, daysAgo, inDays };
  }

  it('keeps a fingerprint and a hint of a submitted secret, and the secret nowhere', async () => {
    const t = await setup();
    const secret = 'ghp_R4nd0mS3cr3tV4lu3ThatN0b0dyGu3ss3s9';

    const credential = await t.service.addCredential({ nhiId: t.nhi.id, kind: 'token', secret });

    const expected = await t.root.resolve(SecretFingerprints).fingerprint(secret);
    expect(credential).toMatchObject({ kind: 'token', status: 'active', hint: '…s3s9' });
    expect(credential.fingerprint).toBe(expected);
    expect(JSON.stringify(credential)).not.toContain(secret);
    expect(JSON.stringify(await t.service.get(t.nhi.id))).not.toContain(secret);
    expect(JSON.stringify(await t.service.audit(t.nhi.id))).not.toContain(secret);
    expect(await findTextContaining(t.db, secret)).toEqual([]);
    expect(await findTextContaining(t.db, secret.slice(4, -4))).toEqual([]);
  });

  it('gives the same secret the same fingerprint on any identity, in any realm', async () => {
    const t = await setup();
    const secret = 'xoxb-111111111111-222222222222-sharedsharedshared';
    const second = await t.service.create(newNhi());
    const inOtherRealm = await (await t.nhiServiceOf(t.oli, t.otherRealm)).create(newNhi());
    const other = await t.nhiServiceOf(t.oli, t.otherRealm);

    const a = await t.service.addCredential({ nhiId: t.nhi.id, kind: 'token', secret });
    const b = await t.service.addCredential({ nhiId: second.id, kind: 'token', secret });
    const c = await other.addCredential({ nhiId: inOtherRealm.id, kind: 'token', secret });
    const different = await t.service.addCredential({
      nhiId: second.id,
      kind: 'token',
      secret: `${secret}!`,
    });

    expect(b.fingerprint).toBe(a.fingerprint);
    expect(c.fingerprint).toBe(a.fingerprint);
    expect(different.fingerprint).not.toBe(a.fingerprint);
  });

  it('keeps the identity’s credential age, next expiry and active count up to date', async () => {
    const t = await setup();

    const old = await t.service.addCredential({
      nhiId: t.nhi.id,
      kind: 'access_key',
      secret: 'AKIAIOSFODNN7EXAMPLE',
      providerCreatedAt: t.daysAgo(400),
      expiresAt: t.inDays(20),
    });
    const recent = await t.service.addCredential({
      nhiId: t.nhi.id,
      kind: 'api_key',
      fingerprint: 'a'.repeat(64),
      hint: '…abcd',
      lastRotatedAt: t.daysAgo(10),
      expiresAt: t.inDays(5),
    });
    await t.service.addCredential({
      nhiId: t.nhi.id,
      kind: 'password',
      status: 'inactive',
      providerCreatedAt: t.daysAgo(999),
    });

    expect(old.hint).toBe('AKIAIOSFODNN7EXAMPLE');
    expect(recent).toMatchObject({ fingerprint: 'a'.repeat(64), hint: '…abcd' });
    expect(await t.service.get(t.nhi.id)).toMatchObject({
      activeCredentialCount: 2,
      oldestActiveCredentialAt: t.daysAgo(400),
      nextCredentialExpiresAt: t.inDays(5),
    });

    await t.service.rotateCredential({ credentialId: old.id, expiresAt: t.inDays(90) });
    expect(await t.service.get(t.nhi.id)).toMatchObject({
      activeCredentialCount: 2,
      oldestActiveCredentialAt: t.daysAgo(10),
      nextCredentialExpiresAt: t.inDays(5),
    });

    await t.service.revokeCredential(recent.id);
    expect(await t.service.get(t.nhi.id)).toMatchObject({
      activeCredentialCount: 1,
      oldestActiveCredentialAt: t.clock.now(),
      nextCredentialExpiresAt: t.inDays(90),
    });

    await t.service.revokeCredential(old.id);
    expect(await t.service.get(t.nhi.id)).toMatchObject({
      activeCredentialCount: 0,
      oldestActiveCredentialAt: null,
      nextCredentialExpiresAt: null,
    });
  });

  it('counts a credential from its recording when the provider gave no dates', async () => {
    const t = await setup();

    await t.service.addCredential({ nhiId: t.nhi.id, kind: 'token' });

    expect((await t.service.get(t.nhi.id)).oldestActiveCredentialAt).toEqual(t.clock.now());
  });

  it('records a rotation with the new secret’s fingerprint, and audits it without the secret', async () => {
    const t = await setup();
    const first = 'sk_live_firstfirstfirstfirst0001';
    const second = 'sk_live_secondsecondsecond0002';
    const credential = await t.service.addCredential({ nhiId: t.nhi.id, kind: 'api_key', secret: first });
    t.clock.advanceSeconds(3600);

    const rotated = await t.service.rotateCredential({ credentialId: credential.id, secret: second });

    expect(rotated).toMatchObject({ lastRotatedAt: t.clock.now(), hint: '…0002' });
    expect(rotated.fingerprint).toBe(await t.root.resolve(SecretFingerprints).fingerprint(second));
    const audit = await t.service.audit(t.nhi.id);
    expect(audit.map((entry) => entry.action)).toEqual([
      'nhi.credential.rotate',
      'nhi.credential.add',
      'nhi.create',
    ]);
    expect(audit[0]).toMatchObject({
      entityType: 'Credential',
      entityId: credential.id,
      before: { nhiId: t.nhi.id, hint: '…0001', fingerprint: credential.fingerprint },
      after: { nhiId: t.nhi.id, hint: '…0002', fingerprint: rotated.fingerprint },
    });
    expect(await findTextContaining(t.db, first)).toEqual([]);
    expect(await findTextContaining(t.db, second)).toEqual([]);
  });

  it('revokes once: a second revoke changes nothing, and a revoked credential is not rotated', async () => {
    const t = await setup();
    const credential = await t.service.addCredential({ nhiId: t.nhi.id, kind: 'token' });

    const revoked = await t.service.revokeCredential(credential.id);
    const again = await t.service.revokeCredential(credential.id);
    const rotate = t.service.rotateCredential({ credentialId: credential.id });

    expect(revoked.status).toBe('revoked');
    expect(again).toEqual(revoked);
    await expect(rotate).rejects.toBeInstanceOf(ConflictError);
    const actions = (await t.service.audit(t.nhi.id)).map((entry) => entry.action);
    expect(actions.filter((action) => action === 'nhi.credential.revoke')).toHaveLength(1);
  });

  it('records a key deactivated at its provider as inactive, and one deleted there as revoked', async () => {
    const t = await setup();
    const credential = await t.service.addCredential({ nhiId: t.nhi.id, kind: 'access_key' });

    const deactivated = await t.service.recordCredentialProviderStatus(
      credential.id,
      'inactive',
      allCoverage,
    );
    const deleted = await t.service.recordCredentialProviderStatus(credential.id, 'revoked', allCoverage);
    const after = await t.service.recordCredentialProviderStatus(credential.id, 'inactive', allCoverage);

    expect([deactivated.status, deleted.status, after.status]).toEqual(['inactive', 'revoked', 'revoked']);
    const actions = (await t.service.audit(t.nhi.id)).map((entry) => entry.action);
    expect(actions.filter((action) => action.startsWith('nhi.credential.')).sort()).toEqual([
      'nhi.credential.add',
      'nhi.credential.deactivate',
      'nhi.credential.revoke',
    ]);
  });

  it('refuses a secret together with a fingerprint, and credentials of deleted or unknown identities', async () => {
    const t = await setup();
    const deleted = await t.service.create(newNhi());
    await t.service.softDelete(deleted.id);

    // Each call awaited at once: a rejection waiting for its turn would count as unhandled.
    await expect(
      t.service.addCredential({
        nhiId: t.nhi.id,
        kind: 'token',
        secret: 'abcdefghijklmnop',
        fingerprint: 'b'.repeat(64),
      }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(t.service.addCredential({ nhiId: deleted.id, kind: 'token' })).rejects.toBeInstanceOf(
      ConflictError,
    );
    await expect(
      t.service.addCredential({ nhiId: '7c9e6679-7425-40de-944b-e07fc1f90ae7', kind: 'token' }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it('does not reach credentials of another realm', async () => {
    const t = await setup();
    const credential = await t.service.addCredential({ nhiId: t.nhi.id, kind: 'token' });
    const other = await t.nhiServiceOf(t.oli, t.otherRealm);

    await expect(other.addCredential({ nhiId: t.nhi.id, kind: 'token' })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(other.rotateCredential({ credentialId: credential.id })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(other.revokeCredential(credential.id)).rejects.toBeInstanceOf(NotFoundError);
    expect((await t.service.get(t.nhi.id)).credentials).toMatchObject([
      { id: credential.id, status: 'active' },
    ]);
  });
});
