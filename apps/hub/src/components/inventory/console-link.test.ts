import { describe, expect, it } from 'vitest';
import { consoleLinkOf } from './console-link.ts';

const link = (provider: string, externalId: string, kind = 'service_account') =>
  consoleLinkOf({ provider, kind, externalId })?.href ?? null;

describe('consoleLinkOf', () => {
  it('opens an IAM role or user by its name, whatever its path', () => {
    expect(link('aws', 'arn:aws:iam::111122223333:role/service-role/deployer')).toBe(
      'https://console.aws.amazon.com/iam/home#/roles/details/deployer',
    );
    expect(link('aws', 'arn:aws:iam::111122223333:user/ci')).toBe(
      'https://console.aws.amazon.com/iam/home#/users/details/ci',
    );
  });

  it('has no link for an AWS id that names no role or user', () => {
    expect(link('aws', 'arn:aws:iam::111122223333:policy/admin')).toBeNull();
    expect(link('aws', 'AKIAIOSFODNN7EXAMPLE')).toBeNull();
  });

  it('opens a deploy key’s repository settings, and an app installation or token of an organisation', () => {
    expect(link('github', 'github:acme/api:deploy_key:42', 'deploy_key')).toBe(
      'https://github.com/acme/api/settings/keys',
    );
    expect(link('github', 'github:acme:installation:7', 'oauth_app')).toBe(
      'https://github.com/organizations/acme/settings/installations/7',
    );
    expect(link('github', 'github:acme:pat:9', 'personal_access_token')).toBe(
      'https://github.com/organizations/acme/settings/personal-access-tokens/active',
    );
  });

  it('opens a GCP service account’s project, and nothing for Kubernetes or odd ids', () => {
    expect(link('gcp', 'builder@prod-project-1.iam.gserviceaccount.com')).toBe(
      'https://console.cloud.google.com/iam-admin/serviceaccounts?project=prod-project-1',
    );
    expect(link('kubernetes', 'prod/ci/deployer')).toBeNull();
    expect(link('github', 'javascript:alert(1)')).toBeNull();
    expect(link('gcp', 'not-an-email')).toBeNull();
  });
});
