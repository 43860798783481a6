import { describe, expect, it, onTestFinished } from 'vitest';
import { startFakeGitHub } from '../testing/fake-github-server.ts';
import { startFakeIam } from '../testing/fake-iam-server.ts';
import { testSourceConnection } from './connection-test.ts';

const accessKeyId = 'AKIAFAKEIAMTESTKEY07';

async function fakeIam() {
  const iam = await startFakeIam({ accessKeyId, credentialReportCsv: '', authorizationPages: [{}] });
  onTestFinished(() => iam.close());
  return iam;
}

async function fakeGitHub() {
  const github = await startFakeGitHub({
    token: 'ghp_fakeTokenForConnectionTests000000000',
    org: 'acme',
    installations: [],
    repositories: {},
  });
  onTestFinished(() => github.close());
  return github;
}

describe('testing a live source’s connection before it is saved', () => {
  it('reports AWS credentials the provider accepts, with one read of the account', async () => {
    const iam = await fakeIam();

    const result = await testSourceConnection(
      'aws_iam',
      { endpoint: iam.endpoint, region: 'us-east-1' },
      { accessKeyId, secretAccessKey: 'fake-secret-for-tests' },
    );

    expect(result.ok).toBe(true);
    expect(iam.requests).toEqual(['GetAccountAuthorizationDetails']);
  });

  it('reports the provider’s reason for refusing AWS credentials', async () => {
    const iam = await fakeIam();

    const result = await testSourceConnection(
      'aws_iam',
      { endpoint: iam.endpoint },
      { accessKeyId: 'AKIAWRONGKEY00000000', secretAccessKey: 'wrong-secret-value' },
    );

    expect(result).toEqual({ ok: false, message: 'The security token included in the request is invalid.' });
  });

  it('reports a GitHub token the provider accepts for the organisation, and one it refuses', async () => {
    const github = await fakeGitHub();
    const settings = { organization: 'acme', baseUrl: github.baseUrl };

    const accepted = await testSourceConnection('github', settings, {
      token: 'ghp_fakeTokenForConnectionTests000000000',
    });
    const refused = await testSourceConnection('github', settings, { token: 'ghp_revokedToken' });

    expect(accepted.ok).toBe(true);
    expect(refused.ok).toBe(false);
    expect(refused.message).toMatch(/Bad credentials/);
    expect(refused.message).not.toContain('ghp_revokedToken');
  });

  it('asks for missing credentials without calling anyone', async () => {
    expect(await testSourceConnection('github', { organization: 'acme' }, {})).toEqual({
      ok: false,
      message: 'Give a GitHub token',
    });
    expect((await testSourceConnection('kubernetes', {}, {})).ok).toBe(false);
  });
});
