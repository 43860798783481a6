import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { setupHub, startHub } from '../auth/auth-test-setup.ts';
import { ConfigError, loadConfig } from '../config/config.ts';
import { describeEachDatabase } from '../testing/describe-each-database.ts';
import { fingerprintKeyName, SecretFingerprints } from './secret-fingerprints.ts';

const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

describeEachDatabase('SecretFingerprints', (_kind, newDatabase) => {
  it('generates one key, keeps it in the database and gives every process the same fingerprints', async () => {
    const hub = await setupHub(newDatabase);
    const fingerprints = hub.root.resolve(SecretFingerprints);

    const secondProcess = startHub(hub.db, hub.clock, {}, hub.dataDir).root.resolve(SecretFingerprints);
    // Both start without a key: one generates it, both end up using it.
    const [first, fromSecondProcess] = await Promise.all([
      fingerprints.fingerprint(secret),
      secondProcess.fingerprint(secret),
    ]);

    const stored = await hub.db.systemPrisma.instanceSecret.findMany({ select: { name: true, value: true } });
    expect(stored).toHaveLength(1);
    expect(stored[0]?.name).toBe(fingerprintKeyName);
    const key = Buffer.from(stored[0]?.value ?? '', 'base64');
    expect(key).toHaveLength(32);
    expect(first).toBe(createHmac('sha256', key).update(secret).digest('hex'));
    expect(fromSecondProcess).toBe(first);
    expect(await fingerprints.fingerprint(`${secret}x`)).not.toBe(first);
    expect(hub.root.resolve(SecretFingerprints)).toBe(fingerprints);
  });

  it('uses NHI_FINGERPRINT_KEY when set and stores no key', async () => {
    const key = randomBytes(32);
    const hub = await setupHub(newDatabase, { NHI_FINGERPRINT_KEY: key.toString('base64') });

    const fingerprint = await hub.root.resolve(SecretFingerprints).fingerprint(secret);

    expect(fingerprint).toBe(createHmac('sha256', key).update(secret).digest('hex'));
    expect(await hub.db.systemPrisma.instanceSecret.count()).toBe(0);
  });
});

describe('SecretFingerprints.hintOf', () => {
  const { hintOf } = SecretFingerprints.prototype;

  it('shows an AWS access key id whole: it identifies the key and is not secret', () => {
    expect(hintOf('AKIAIOSFODNN7EXAMPLE')).toBe('AKIAIOSFODNN7EXAMPLE');
    expect(hintOf('ASIAIOSFODNN7EXAMPLE')).toBe('ASIAIOSFODNN7EXAMPLE');
  });

  it('shows the last four characters of other secrets, and nothing of short ones', () => {
    expect(hintOf(secret)).toBe('…EKEY');
    expect(hintOf('ghp_abcdefgh1234')).toBe('…1234');
    expect(hintOf('short-pass1')).toBeNull();
  });
});

describe('NHI_FINGERPRINT_KEY', () => {
  it('must be base64 of at least 32 bytes', () => {
    expect(() => loadConfig({ NHI_FINGERPRINT_KEY: randomBytes(16).toString('base64') })).toThrow(
      ConfigError,
    );
    expect(() => loadConfig({ NHI_FINGERPRINT_KEY: 'not base64!' })).toThrow(ConfigError);
    expect(
      loadConfig({ NHI_FINGERPRINT_KEY: randomBytes(32).toString('base64') }).NHI_FINGERPRINT_KEY,
    ).toBeDefined();
  });
});
