import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('applies documented defaults to an empty environment', () => {
    const config = loadConfig({}, '/srv/hub');
    expect(config).toMatchObject({
      PORT: 3000,
      NHI_DATA_DIR: './data',
      dataDir: path.resolve('/srv/hub', 'data'),
      NHI_ADMIN_EMAIL: 'admin@nhi.local',
      NHI_SESSION_TTL_SECONDS: 28_800,
      NHI_MIGRATE_ON_START: true,
      NHI_TRUST_PROXY: false,
      LOG_LEVEL: 'info',
    });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.NHI_ADMIN_PASSWORD).toBeUndefined();
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }, '/srv').PORT).toBe(3000);
  });

  it('names every invalid variable in one error', () => {
    const attempt = () =>
      loadConfig({ PORT: 'eighty', NHI_ADMIN_EMAIL: 'not-an-email', NHI_TRUST_PROXY: 'maybe' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/PORT[\s\S]*NHI_ADMIN_EMAIL[\s\S]*NHI_TRUST_PROXY/);
  });

  it('refuses a short admin password rather than creating a weak admin', () => {
    expect(() => loadConfig({ NHI_ADMIN_PASSWORD: 'short' })).toThrow(/at least 12 characters/);
  });

  it('runs as a hub unless told otherwise', () => {
    const config = loadConfig({}, '/srv');
    expect(config.NHI_MODE).toBe('hub');
    expect(config.NHI_INSTANCE_NAME).toBeUndefined();
  });

  it('accepts a worker with a name, a PostgreSQL database and the hub it serves', () => {
    const config = loadConfig({
      NHI_MODE: 'worker',
      NHI_INSTANCE_NAME: 'eu-west-1',
      NHI_HUB_URL: 'https://hub.example.internal',
      DATABASE_URL: 'postgresql://nhi@db.example:5432/nhi',
    });
    expect(config).toMatchObject({ NHI_MODE: 'worker', NHI_INSTANCE_NAME: 'eu-west-1' });
  });

  it('refuses a worker without NHI_HUB_URL: it could verify no forwarded call', () => {
    expect(() =>
      loadConfig({
        NHI_MODE: 'worker',
        NHI_INSTANCE_NAME: 'w1',
        DATABASE_URL: 'postgresql://db.example/nhi',
      }),
    ).toThrow(/NHI_HUB_URL: required in worker mode/);
  });

  it('refuses a worker without DATABASE_URL, naming the variable', () => {
    const attempt = () => loadConfig({ NHI_MODE: 'worker', NHI_INSTANCE_NAME: 'w1' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/DATABASE_URL: required in worker mode/);
  });

  it('refuses a worker on a database other than PostgreSQL', () => {
    expect(() =>
      loadConfig({
        NHI_MODE: 'worker',
        NHI_INSTANCE_NAME: 'w1',
        NHI_HUB_URL: 'https://hub.example.internal',
        DATABASE_URL: 'mysql://db.example/nhi',
      }),
    ).toThrow(/DATABASE_URL: must be a postgresql:\/\/ URL/);
  });

  it('refuses a worker without an instance name', () => {
    expect(() => loadConfig({ NHI_MODE: 'worker', DATABASE_URL: 'postgresql://db.example/nhi' })).toThrow(
      /NHI_INSTANCE_NAME: required in worker mode/,
    );
  });

  it('refuses an instance name that is not a short slug', () => {
    expect(() => loadConfig({ NHI_INSTANCE_NAME: 'Worker One' })).toThrow(/NHI_INSTANCE_NAME/);
    expect(() => loadConfig({ NHI_INSTANCE_NAME: 'w'.repeat(33) })).toThrow(/NHI_INSTANCE_NAME/);
  });

  it('refuses an unknown mode', () => {
    expect(() => loadConfig({ NHI_MODE: 'replica' })).toThrow(/NHI_MODE/);
  });

  it('shares login limits only when REDIS_URL is set, under the prefix nhi by default', () => {
    const unset = loadConfig({}, '/srv');
    expect(unset.REDIS_URL).toBeUndefined();
    expect(unset.NHI_REDIS_PREFIX).toBe('nhi');
    expect(loadConfig({ REDIS_URL: 'rediss://:pw@cache.example:6380/2' }, '/srv').REDIS_URL).toBe(
      'rediss://:pw@cache.example:6380/2',
    );
  });

  it('refuses a REDIS_URL of another scheme without repeating its password', () => {
    const attempt = () => loadConfig({ REDIS_URL: 'http://:hunter2-secret@cache.example' });
    expect(attempt).toThrow(/REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(attempt).not.toThrow(/hunter2/);
  });
});

describe('settings read from files (<NAME>_FILE)', () => {
  const secretFile = (content: string) => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'nhi-config-'));
    const file = path.join(directory, 'secret');
    fs.writeFileSync(file, content);
    return file;
  };
  const key = Buffer.alloc(32, 7).toString('base64');

  it('reads a secret setting from the file its _FILE variable names, without the trailing newline', () => {
    const config = loadConfig(
      {
        NHI_SCANNER_KEY_FILE: secretFile(`${key}\n`),
        DATABASE_URL_FILE: secretFile('postgresql://hub:s3cret@db:5432/hub'),
        NHI_OIDC_PROVIDERS: 'corp',
        NHI_OIDC_CORP_ISSUER: 'https://idp.example',
        NHI_OIDC_CORP_CLIENT_ID: 'hub',
        NHI_OIDC_CORP_CLIENT_SECRET_FILE: secretFile('oidc-client-secret\n'),
      },
      '/srv',
    );

    expect(config.NHI_SCANNER_KEY).toBe(key);
    expect(config.DATABASE_URL).toBe('postgresql://hub:s3cret@db:5432/hub');
    expect(config.oidcProviders[0]).toMatchObject({ id: 'corp', clientSecret: 'oidc-client-secret' });
  });

  it('resolves a relative file against the working directory', () => {
    const file = secretFile('a-long-enough-password');
    expect(
      loadConfig({ NHI_ADMIN_PASSWORD_FILE: path.basename(file) }, path.dirname(file)).NHI_ADMIN_PASSWORD,
    ).toBe('a-long-enough-password');
  });

  it('refuses a setting given both directly and from a file', () => {
    const attempt = () =>
      loadConfig({ NHI_ADMIN_PASSWORD: 'a-long-enough-password', NHI_ADMIN_PASSWORD_FILE: secretFile('x') });
    expect(attempt).toThrow(/NHI_ADMIN_PASSWORD: set either NHI_ADMIN_PASSWORD or NHI_ADMIN_PASSWORD_FILE/);
  });

  it('names a file it cannot read, and never the content of one it could', () => {
    expect(() => loadConfig({ NHI_FINGERPRINT_KEY_FILE: '/nonexistent/key' })).toThrow(
      /NHI_FINGERPRINT_KEY_FILE: cannot read \/nonexistent\/key \(ENOENT\)/,
    );
    const attempt = () => loadConfig({ REDIS_URL_FILE: secretFile('http://:hunter2-secret@cache.example') });
    expect(attempt).toThrow(/REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(attempt).not.toThrow(/hunter2/);
  });

  it('leaves variables ending in _FILE that are no setting of the hub alone', () => {
    expect(() => loadConfig({ SOME_TOOL_FILE: '/nonexistent' })).not.toThrow();
  });
});
