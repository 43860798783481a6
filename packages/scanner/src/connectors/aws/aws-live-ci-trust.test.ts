import { createHash } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startFakeIam } from '../../testing/fake-iam-server.ts';
import { readAwsLive } from './aws-live.ts';

const accessKeyId = 'AKIAFAKEIAMTESTKEY01';
const account = '111122223333';
const header =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';

const webIdentityRole = (name: string, issuer: string, condition?: unknown) => ({
  RoleName: name,
  Arn: `arn:aws:iam::${account}:role/${name}`,
  CreateDate: '2024-02-01T00:00:00Z',
  // The live API answers trust policies URL-encoded.
  AssumeRolePolicyDocument: encodeURIComponent(
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: `arn:aws:iam::${account}:oidc-provider/${issuer}` },
          Action: 'sts:AssumeRoleWithWebIdentity',
          ...(condition ? { Condition: condition } : {}),
        },
      ],
    }),
  ),
  RolePolicyList: [],
  AttachedManagedPolicies: [],
});

async function setup() {
  const iam = await startFakeIam({
    accessKeyId,
    credentialReportCsv: header,
    authorizationPages: [
      {
        RoleDetailList: [
          webIdentityRole('github-any-repo', 'token.actions.githubusercontent.com', {
            StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
          }),
          webIdentityRole('github-one-repo', 'token.actions.githubusercontent.com', {
            StringEquals: {
              'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
              'token.actions.githubusercontent.com:sub': 'repo:octo-org/octo-repo:ref:refs/heads/main',
            },
          }),
        ],
      },
      { RoleDetailList: [webIdentityRole('gitlab-self-managed', 'gitlab.example.com')] },
    ],
  });
  onTestFinished(() => iam.close());
  const context = {
    settings: { endpoint: iam.endpoint, region: 'us-east-1', gitlabOidcHosts: 'gitlab.example.com' },
    secrets: { accessKeyId, secretAccessKey: 'fake-secret-key-for-tests' },
    fingerprint: async (secret: string) => createHash('sha256').update(secret).digest('hex'),
    signal: new AbortController().signal,
    uploadName: null,
  };
  return { context };
}

describe('CI OIDC trust read live', () => {
  it('flags the roles any pipeline of the issuer may assume, across pages and with the configured GitLab host', async () => {
    const { context } = await setup();

    const output = await readAwsLive(context);

    const flagged = output.nhis
      .filter((nhi) => nhi.facts.some((fact) => fact.kind === 'aws.ci_oidc_trust_without_subject'))
      .map((nhi) => nhi.name)
      .sort();
    expect(flagged).toEqual(['github-any-repo', 'gitlab-self-managed']);
    expect(output.nhis.map((nhi) => nhi.name)).toContain('github-one-repo');
  });
});
