import { createHash } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startFakeIam } from '../../testing/fake-iam-server.ts';
import { readAwsLive } from './aws-live.ts';

const header =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';
const accessKeyId = 'AKIAFAKEIAMTESTKEY01';
const encoded = (document: unknown) => encodeURIComponent(JSON.stringify(document));
const fingerprint = async (secret: string) => createHash('sha256').update(secret).digest('hex');

async function setup(denied: string[] = []) {
  const iam = await startFakeIam({
    accessKeyId,
    denied,
    accessKeys: {
      deployer: [
        // The report's access_key_1 (rotated 2024-01-02), and a key created after the report was made.
        { AccessKeyId: 'AKIADEPLOYERKEY0ABCD', Status: 'Active', CreateDate: '2024-01-02T00:00:00Z' },
        { AccessKeyId: 'AKIADEPLOYERKEY1WXYZ', Status: 'Inactive', CreateDate: '2026-11-02T00:00:00Z' },
      ],
    },
    credentialReportCsv: [
      header,
      'deployer,arn:aws:iam::111122223333:user/deployer,2024-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2024-01-02T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
    ].join('\n'),
    authorizationPages: [
      {
        UserDetailList: [
          {
            UserName: 'deployer',
            Arn: 'arn:aws:iam::111122223333:user/deployer',
            CreateDate: '2024-01-01T00:00:00Z',
            GroupList: ['admins'],
            UserPolicyList: [],
            AttachedManagedPolicies: [],
          },
        ],
        GroupDetailList: [
          {
            GroupName: 'admins',
            Arn: 'arn:aws:iam::111122223333:group/admins',
            AttachedManagedPolicies: [
              { PolicyName: 'AdministratorAccess', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
            ],
            GroupPolicyList: [],
          },
        ],
      },
      {
        RoleDetailList: [
          {
            RoleName: 'open',
            Arn: 'arn:aws:iam::111122223333:role/open',
            CreateDate: '2024-02-01T00:00:00Z',
            AssumeRolePolicyDocument: encoded({
              Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }],
            }),
            RolePolicyList: [],
            AttachedManagedPolicies: [],
            RoleLastUsed: { LastUsedDate: '2026-10-01T00:00:00Z', Region: 'eu-west-1' },
          },
        ],
      },
    ],
  });
  onTestFinished(() => iam.close());
  const context = (secrets: Record<string, string>) => ({
    settings: { endpoint: iam.endpoint, region: 'us-east-1' },
    secrets,
    fingerprint,
    signal: new AbortController().signal,
    uploadName: null,
  });
  return { iam, context };
}

describe('AWS live collection against a local IAM endpoint', () => {
  it('waits for the credential report, pages through authorization details and merges them per principal', async () => {
    const { iam, context } = await setup();

    const output = await readAwsLive(context({ accessKeyId, secretAccessKey: 'fake-secret-key-for-tests' }));

    expect(iam.requests).toEqual([
      'GenerateCredentialReport',
      'GenerateCredentialReport',
      'GetCredentialReport',
      'GetAccountAuthorizationDetails',
      'GetAccountAuthorizationDetails',
      'ListAccessKeys',
      'ListAccessKeys',
      'GetAccessKeyLastUsed',
      'GetAccessKeyLastUsed',
    ]);
    const deployer = output.nhis.find((nhi) => nhi.name === 'deployer');
    expect(deployer?.credentials).toEqual([
      {
        key: 'AKIA…ABCD',
        kind: 'access_key',
        status: 'active',
        fingerprint: await fingerprint('AKIADEPLOYERKEY0ABCD'),
        providerCreatedAt: new Date('2024-01-02T00:00:00Z'),
        lastRotatedAt: new Date('2024-01-02T00:00:00Z'),
        lastUsedAt: null,
      },
      expect.objectContaining({
        key: 'AKIA…WXYZ',
        status: 'inactive',
        fingerprint: await fingerprint('AKIADEPLOYERKEY1WXYZ'),
      }),
    ]);
    expect(deployer?.facts.map((fact) => [fact.kind, fact.credentialKey, fact.subject]).sort()).toEqual([
      [
        'aws.admin_policy',
        undefined,
        'arn:aws:iam::111122223333:user/deployer|group admins: managed arn:aws:iam::aws:policy/AdministratorAccess',
      ],
      ['credential.never_used', 'AKIA…ABCD', 'arn:aws:iam::111122223333:user/deployer|AKIA…ABCD'],
    ]);
    const open = output.nhis.find((nhi) => nhi.name === 'open');
    expect(open?.facts.map((fact) => fact.kind)).toEqual(['aws.trust_open_to_any']);
    expect(open?.lastUsedAt).toEqual(new Date('2026-10-01T00:00:00Z'));
  });

  it('keeps the report’s view of a key whose last use AWS does not tell, with a warning', async () => {
    const { context } = await setup(['GetAccessKeyLastUsed']);

    const output = await readAwsLive(context({ accessKeyId, secretAccessKey: 'fake-secret-key-for-tests' }));

    const deployer = output.nhis.find((nhi) => nhi.name === 'deployer');
    expect(deployer?.credentials?.map((credential) => credential.key)).toEqual(['AKIA…ABCD', 'AKIA…WXYZ']);
    expect(deployer?.facts.map((fact) => fact.kind)).toContain('credential.never_used');
    expect(output.warnings.map((warning) => warning.item)).toEqual([
      'GetAccessKeyLastUsed (deployer)',
      'GetAccessKeyLastUsed (deployer)',
    ]);
  });

  it('fails with AWS’s message when the credentials are refused, and needs credentials at all', async () => {
    const { context } = await setup();

    await expect(
      readAwsLive(context({ accessKeyId: 'AKIAWRONGKEY00000000', secretAccessKey: 'x' })),
    ).rejects.toThrow(/security token included in the request is invalid/);
    await expect(readAwsLive(context({}))).rejects.toThrow(/no AWS credentials/);
  });
});
