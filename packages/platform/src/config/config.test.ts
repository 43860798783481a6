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
});
