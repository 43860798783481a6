import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ConfigError, loadConfig } from '../../config/config.ts';

const keycloak = {
  NHI_OIDC_PROVIDERS: 'keycloak',
  NHI_OIDC_KEYCLOAK_ISSUER: 'https://sso.example.test/realms/corp',
  NHI_OIDC_KEYCLOAK_CLIENT_ID: 'nhi-hub',
  NHI_OIDC_KEYCLOAK_CLIENT_SECRET: 'keycloak-client-secret',
};

function secretFile(content: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nhi-oidc-config-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'secret');
  fs.writeFileSync(file, content);
  return file;
}

describe('OIDC configuration', () => {
  it('has no providers and allows password login when nothing is set', () => {
    const config = loadConfig({}, '/srv');

    expect(config.oidcProviders).toEqual([]);
    expect(config.NHI_LOCAL_LOGIN).toBe(true);
  });

  it('reads a provider with the documented defaults', () => {
    const [provider] = loadConfig(keycloak, '/srv').oidcProviders;

    expect(provider).toEqual({
      id: 'keycloak',
      name: 'keycloak',
      issuer: 'https://sso.example.test/realms/corp',
      clientId: 'nhi-hub',
      clientSecret: 'keycloak-client-secret',
      scopes: 'openid email profile',
      groupsClaim: 'groups',
      allowEmailLinking: false,
      map: [],
    });
  });

  it('reads several providers, each with its own variables, and a hyphenated id', () => {
    const config = loadConfig(
      {
        ...keycloak,
        NHI_OIDC_PROVIDERS: 'keycloak, entra-prod',
        NHI_OIDC_ENTRA_PROD_ISSUER: 'https://login.microsoftonline.com/tenant-id/v2.0',
        NHI_OIDC_ENTRA_PROD_CLIENT_ID: 'app-id',
        NHI_OIDC_ENTRA_PROD_NAME: 'Microsoft',
        NHI_OIDC_ENTRA_PROD_GROUPS_CLAIM: 'roles',
        NHI_OIDC_ENTRA_PROD_ALLOW_EMAIL_LINKING: 'true',
        NHI_OIDC_ENTRA_PROD_MAP: JSON.stringify([
          { group: 'NHI.Admins', realm: 'hub', role: 'admin', policyGroup: '/Security' },
        ]),
      },
      '/srv',
    );

    expect(config.oidcProviders.map((provider) => provider.id)).toEqual(['keycloak', 'entra-prod']);
    expect(config.oidcProviders[1]).toMatchObject({
      name: 'Microsoft',
      groupsClaim: 'roles',
      allowEmailLinking: true,
      map: [{ group: 'NHI.Admins', realm: 'hub', role: 'admin', policyGroup: '/Security' }],
    });
    expect(config.oidcProviders[1]?.clientSecret).toBeUndefined();
  });

  it('reads the client secret from the file _FILE names, and refuses both forms at once', () => {
    const file = secretFile('from-a-file\n');
    const { NHI_OIDC_KEYCLOAK_CLIENT_SECRET: _secret, ...withoutSecret } = keycloak;

    const config = loadConfig({ ...withoutSecret, NHI_OIDC_KEYCLOAK_CLIENT_SECRET_FILE: file }, '/srv');

    expect(config.oidcProviders[0]?.clientSecret).toBe('from-a-file');
    expect(() => loadConfig({ ...keycloak, NHI_OIDC_KEYCLOAK_CLIENT_SECRET_FILE: file })).toThrow(
      /NHI_OIDC_KEYCLOAK_CLIENT_SECRET: set either/,
    );
  });

  it('names every missing or invalid variable of a provider in one error', () => {
    const attempt = () =>
      loadConfig({
        NHI_OIDC_PROVIDERS: 'okta',
        NHI_OIDC_OKTA_ISSUER: 'http://sso.example.test',
        NHI_OIDC_OKTA_SCOPES: 'email profile',
        NHI_OIDC_OKTA_MAP: '[{"group":"admins","realm":"hub"}]',
      });

    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(
      /NHI_OIDC_OKTA_ISSUER: must be an https:\/\/ URL[\s\S]*NHI_OIDC_OKTA_CLIENT_ID: required[\s\S]*NHI_OIDC_OKTA_MAP: [^\n]*needs a role or a policyGroup[\s\S]*NHI_OIDC_OKTA_SCOPES: must include openid/,
    );
  });

  it('allows an http issuer only on a loopback address', () => {
    const config = loadConfig({ ...keycloak, NHI_OIDC_KEYCLOAK_ISSUER: 'http://127.0.0.1:8080/realms/corp' });

    expect(config.oidcProviders[0]?.issuer).toBe('http://127.0.0.1:8080/realms/corp');
  });

  it('refuses a provider id that cannot be part of a path and a variable name', () => {
    expect(() => loadConfig({ NHI_OIDC_PROVIDERS: 'Key Cloak' })).toThrow(/must be a short slug/);
  });

  it('refuses a mapping that is not a JSON list of rules', () => {
    expect(() => loadConfig({ ...keycloak, NHI_OIDC_KEYCLOAK_MAP: '{"group":' })).toThrow(
      /NHI_OIDC_KEYCLOAK_MAP: must be a JSON list of rules/,
    );
    expect(() =>
      loadConfig({
        ...keycloak,
        NHI_OIDC_KEYCLOAK_MAP: '[{"group":"a","realm":"hub","role":"owner"}]',
      }),
    ).toThrow(/NHI_OIDC_KEYCLOAK_MAP: rule 0.role/);
  });

  it('switches password login off and names the break-glass account', () => {
    const config = loadConfig({ NHI_LOCAL_LOGIN: 'false', NHI_BREAK_GLASS_EMAIL: 'root@example.test' });

    expect(config.NHI_LOCAL_LOGIN).toBe(false);
    expect(config.NHI_BREAK_GLASS_EMAIL).toBe('root@example.test');
  });
});
