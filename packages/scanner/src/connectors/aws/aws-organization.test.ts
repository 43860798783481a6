import { createHash } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import { deployerKeyOf, memberIam } from '../../testing/aws-organization-fixture.ts';
import {
  type FakeMemberAccount,
  type FakeOrganization,
  sessionSecretKeyOf,
  sessionTokenOf,
  startFakeAwsOrganization,
} from '../../testing/fake-aws-organization-server.ts';
import { exposedRuns } from '../../testing/secret-exposure.ts';
import { UnreadableInputError } from '../connector.ts';
import { readAwsOrganization, testAwsOrganizationConnection } from './aws-organization.ts';

const accessKeyId = 'AKIAMANAGEMENTKEY001';
const secretAccessKey = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY';
const externalId = 'x7Qf9Lp2ZrTq4Vw';
const fingerprint = async (secret: string) => createHash('sha256').update(secret).digest('hex');

const fullAccess = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
const denyIam = { Statement: [{ Effect: 'Deny', Action: 'iam:*', Resource: '*' }] };
const onlyStorage = { Statement: [{ Effect: 'Allow', Action: ['s3:*', 'logs:*'], Resource: '*' }] };
const denyBilling = { Statement: [{ Effect: 'Deny', Action: 'cloudtrail:*', Resource: '*' }] };

interface Scenario {
  /** SCPs attached to the production OU besides FullAWSAccess, which AWS attaches to every target. */
  productionScps?: { id: string; name: string; content: unknown }[];
  /** Whether FullAWSAccess stays on the production OU (an allow-list replaces it). */
  productionFullAccess?: boolean;
  /** SCPs attached to the root besides FullAWSAccess. */
  rootScps?: { id: string; name: string; content: unknown }[];
  members?: Partial<Record<string, Partial<FakeMemberAccount>>>;
  organization?: Partial<FakeOrganization>;
}

/**
 * management (111…, under the root), production (222…, OU ou-prod), staging (333…, refuses the role
 * unless told otherwise), sandbox (444…, suspended).
 */
async function setup(scenario: Scenario = {}) {
  const account = (id: string, name: string, parent: string, extra: Partial<FakeMemberAccount> = {}) => ({
    id,
    name,
    parent,
    iam: memberIam(id),
    ...extra,
    ...scenario.members?.[id],
  });
  const organization: FakeOrganization = {
    accessKeyId,
    managementAccountId: '111111111111',
    rootId: 'r-root',
    organizationalUnits: [{ id: 'ou-root-prod', parent: 'r-root' }],
    externalId,
    pageSize: 2,
    accounts: [
      account('111111111111', 'management', 'r-root'),
      account('222222222222', 'production', 'ou-root-prod'),
      account('333333333333', 'staging', 'r-root', { refusesAssumeRole: true }),
      account('444444444444', 'sandbox', 'r-root', { state: 'SUSPENDED' }),
    ],
    policies: [
      {
        id: 'p-FullAWSAccess',
        name: 'FullAWSAccess',
        content: fullAccess,
        targets: [
          'r-root',
          ...(scenario.productionFullAccess === false ? [] : ['ou-root-prod']),
          '111111111111',
          '222222222222',
          '333333333333',
        ],
      },
      ...(scenario.rootScps ?? []).map((policy) => ({ ...policy, targets: ['r-root'] })),
      ...(scenario.productionScps ?? []).map((policy) => ({ ...policy, targets: ['ou-root-prod'] })),
    ],
    ...scenario.organization,
  };
  const aws = await startFakeAwsOrganization(organization);
  onTestFinished(() => aws.close());
  const context = (settings: Record<string, unknown> = {}, secrets: Record<string, string> = {}) => ({
    settings: { endpoint: aws.endpoint, region: 'us-east-1', roleName: 'NhiHubReadOnly', ...settings },
    secrets: { accessKeyId, secretAccessKey, externalId, ...secrets },
    fingerprint,
    signal: new AbortController().signal,
    uploadName: null,
  });
  const read = (settings?: Record<string, unknown>, secrets?: Record<string, string>) =>
    readAwsOrganization(context(settings, secrets));
  return { aws, organization, context, read };
}

const factKinds = (output: Awaited<ReturnType<typeof readAwsOrganization>>, externalId: string) =>
  output.nhis
    .find((nhi) => nhi.externalId === externalId)
    ?.facts.map((fact) => fact.kind)
    .sort();

describe('AWS organization collection', () => {
  it('reads every active account through its role and names the account that refuses it', async () => {
    const { read, aws } = await setup();

    const output = await read();

    expect(output.nhis.map((nhi) => nhi.externalId).sort()).toEqual([
      'arn:aws:iam::111111111111:role/app',
      'arn:aws:iam::111111111111:user/deployer',
      'arn:aws:iam::222222222222:role/app',
      'arn:aws:iam::222222222222:user/deployer',
    ]);
    expect(output.warnings).toEqual([
      {
        item: 'account 333333333333 (staging)',
        message: expect.stringMatching(
          /kept as the last scan left them.*not authorized to perform: sts:AssumeRole/,
        ),
      },
    ]);
    expect(output.unreadExternalIdPrefixes).toEqual(['arn:aws:iam::333333333333:']);
    expect(aws.organizationRequests.filter((request) => request.operation === 'ListAccounts')).toHaveLength(
      2,
    );
    // The suspended account is never assumed; every role is asked for with the ExternalId.
    expect(aws.assumeRoleForms.map((form) => [form.get('RoleArn'), form.get('ExternalId')]).sort()).toEqual([
      ['arn:aws:iam::111111111111:role/NhiHubReadOnly', externalId],
      ['arn:aws:iam::222222222222:role/NhiHubReadOnly', externalId],
      ['arn:aws:iam::333333333333:role/NhiHubReadOnly', externalId],
    ]);
  });

  it('reads an organization of 50 accounts in which two refuse the role, with a warning naming each of the two', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => String(500000000000 + i));
    const refusing = new Set([ids[7], ids[31]]);
    const { read } = await setup({
      organization: {
        pageSize: 20,
        accounts: ids.map((id, i) => ({
          id,
          name: `account-${i}`,
          parent: 'r-root',
          iam: memberIam(id),
          refusesAssumeRole: refusing.has(id),
        })),
      },
    });

    const output = await read({ accessAdvisor: false });

    expect(output.warnings.map((warning) => warning.item).sort()).toEqual([
      'account 500000000007 (account-7)',
      'account 500000000031 (account-31)',
    ]);
    const accountsRead = new Set(output.nhis.map((nhi) => nhi.externalId.split(':')[4]));
    expect(accountsRead.size).toBe(48);
    expect([...refusing].filter((id) => accountsRead.has(id ?? ''))).toEqual([]);
  });

  it('puts the account id and name into each identity’s metadata', async () => {
    const { read } = await setup();

    const output = await read();

    expect(
      output.nhis.map((nhi) => [nhi.name, nhi.metadata?.awsAccountId, nhi.metadata?.awsAccountName]).sort(),
    ).toEqual([
      ['app', '111111111111', 'management'],
      ['app', '222222222222', 'production'],
      ['deployer', '111111111111', 'management'],
      ['deployer', '222222222222', 'production'],
    ]);
  });

  it('reads no account the role is refused in with a wrong ExternalId, and fails when none can be read', async () => {
    const { read } = await setup({ members: { '333333333333': { refusesAssumeRole: false } } });

    await expect(read({}, { externalId: 'not-the-one' })).rejects.toThrow(/No account of the organization/);
  });

  it('reads only the listed accounts when the source restricts them', async () => {
    const { read, aws } = await setup();

    const output = await read({ accountIds: '222222222222' });

    expect(new Set(output.nhis.map((nhi) => nhi.metadata?.awsAccountId))).toEqual(new Set(['222222222222']));
    expect(output.warnings).toEqual([]);
    expect(aws.assumeRoleForms).toHaveLength(1);
  });

  it.each([
    {
      case: 'FullAWSAccess alone',
      productionScps: [],
      rootScps: [],
      productionAdmin: true,
      limitedBy: undefined,
    },
    {
      case: 'a Deny of iam:* on the OU',
      productionScps: [{ id: 'p-deny-iam', name: 'DenyIam', content: denyIam }],
      rootScps: [],
      productionAdmin: false,
      limitedBy: ['DenyIam (ou ou-root-prod)'],
    },
    {
      case: 'an allow-list of storage services without FullAWSAccess on the OU',
      productionScps: [{ id: 'p-storage', name: 'OnlyStorage', content: onlyStorage }],
      productionFullAccess: false,
      rootScps: [],
      productionAdmin: false,
      limitedBy: ['OnlyStorage (ou ou-root-prod)'],
    },
    {
      case: 'a Deny of one service the admin check tolerates missing',
      productionScps: [{ id: 'p-billing', name: 'DenyBilling', content: denyBilling }],
      rootScps: [],
      productionAdmin: true,
      limitedBy: undefined,
    },
    {
      case: 'a Deny of iam:* on the root',
      productionScps: [],
      rootScps: [{ id: 'p-deny-iam', name: 'DenyIam', content: denyIam }],
      productionAdmin: false,
      limitedBy: ['DenyIam (root r-root)'],
    },
  ])('judges admin under SCPs: $case', async ({ productionAdmin, limitedBy, ...scps }) => {
    const { read } = await setup(scps);

    const output = await read({ accessAdvisor: false });

    const production = output.nhis.find(
      (nhi) => nhi.externalId === 'arn:aws:iam::222222222222:user/deployer',
    );
    expect(production?.facts.some((fact) => fact.kind === 'aws.admin_policy')).toBe(productionAdmin);
    expect(
      (production?.metadata?.authorization as Record<string, unknown> | undefined)
        ?.administratorLimitedByScps,
    ).toEqual(limitedBy);
    // SCPs never restrict the management account.
    expect(factKinds(output, 'arn:aws:iam::111111111111:user/deployer')).toContain('aws.admin_policy');
  });

  it.each([
    {
      case: 'used 2 of 12 services lately',
      used: { s3: '2026-10-20T00:00:00Z', logs: '2026-10-01T00:00:00Z' },
      fires: true,
      usedCount: 2,
    },
    {
      case: 'used 3 of 12 services lately (a quarter)',
      used: { s3: '2026-10-20T00:00:00Z', logs: '2026-10-01T00:00:00Z', sqs: '2026-09-15T00:00:00Z' },
      fires: false,
      usedCount: 3,
    },
    {
      case: 'used 5 of 12 services, 4 of them more than 90 days ago',
      used: {
        s3: '2026-10-20T00:00:00Z',
        ec2: '2026-01-01T00:00:00Z',
        rds: '2025-12-01T00:00:00Z',
        sns: '2026-03-01T00:00:00Z',
        kms: '2026-02-01T00:00:00Z',
      },
      fires: true,
      usedCount: 1,
    },
  ])('reports unused services from IAM access advisor: $case', async ({ used, fires, usedCount }) => {
    const now = new Date();
    // Dates of the table are relative to 2026-11-01: moved to the scan's time.
    const shift = now.getTime() - Date.parse('2026-11-01T00:00:00Z');
    const shifted = Object.fromEntries(
      Object.entries(used).map(([service, at]) => [service, new Date(Date.parse(at) + shift).toISOString()]),
    );
    const { read } = await setup({
      members: { '222222222222': { iam: memberIam('222222222222', { appServicesUsed: shifted }) } },
    });

    const output = await read();

    const app = output.nhis.find((nhi) => nhi.externalId === 'arn:aws:iam::222222222222:role/app');
    const fact = app?.facts.find((candidate) => candidate.kind === 'aws.unused_services');
    expect(fact !== undefined).toBe(fires);
    if (fires) expect(fact?.evidence).toMatchObject({ granted: 12, used: usedCount, trackingPeriodDays: 90 });
    if (fires) expect(fact?.evidence.unusedSample).not.toContain('s3');
  });

  it('asks access advisor nothing when the source turns it off', async () => {
    const { read, aws } = await setup();

    const output = await read({ accessAdvisor: 'false' });

    expect(aws.iamRequests('222222222222')).not.toContain('GenerateServiceLastAccessedDetails');
    expect(output.nhis.flatMap((nhi) => nhi.facts).some((fact) => fact.kind === 'aws.unused_services')).toBe(
      false,
    );
  });

  it('takes each key’s last use from GetAccessKeyLastUsed over the older credential report', async () => {
    const { read } = await setup({
      members: {
        '222222222222': { iam: memberIam('222222222222', { deployerKeyLastUsed: '2026-10-30T10:00:00Z' }) },
      },
    });

    const output = await read({ accessAdvisor: false });

    const used = output.nhis.find((nhi) => nhi.externalId === 'arn:aws:iam::222222222222:user/deployer');
    const unused = output.nhis.find((nhi) => nhi.externalId === 'arn:aws:iam::111111111111:user/deployer');
    expect(used?.credentials?.[0]).toMatchObject({
      fingerprint: await fingerprint(deployerKeyOf('222222222222')),
      lastUsedAt: new Date('2026-10-30T10:00:00Z'),
    });
    expect(used?.facts.map((fact) => fact.kind)).not.toContain('credential.never_used');
    expect(unused?.facts.map((fact) => fact.kind)).toContain('credential.never_used');
  });

  it('names the account whose IAM keeps throttling, and reads the others', async () => {
    const throttled = { ...memberIam('222222222222'), throttled: ['GetAccountAuthorizationDetails'] };
    const { read } = await setup({ members: { '222222222222': { iam: throttled } } });

    const output = await read({ accessAdvisor: false });

    expect(
      output.warnings.map((warning) => [warning.item, /Rate exceeded/.test(warning.message)]),
    ).toContainEqual(['account 222222222222 (production)', true]);
    expect(output.unreadExternalIdPrefixes?.sort()).toEqual([
      'arn:aws:iam::222222222222:',
      'arn:aws:iam::333333333333:',
    ]);
    expect(output.nhis.every((nhi) => nhi.metadata?.awsAccountId === '111111111111')).toBe(true);
  }, 20_000);

  it('shows no credential, session secret or external id in its output', async () => {
    const { read } = await setup({ members: { '333333333333': { refusesAssumeRole: false } } });

    const output = await read({ accessAdvisor: false });

    for (const secret of [
      secretAccessKey,
      externalId,
      sessionSecretKeyOf('222222222222'),
      sessionTokenOf('222222222222'),
    ])
      expect(exposedRuns(output, secret)).toEqual([]);
  });

  it.each<{
    case: string;
    settings: Record<string, unknown>;
    secrets: Record<string, string>;
    error: RegExp;
  }>([
    {
      case: 'no credentials',
      settings: {},
      secrets: { accessKeyId: '', secretAccessKey: '' },
      error: /no AWS credentials/,
    },
    { case: 'no role name', settings: { roleName: '' }, secrets: {}, error: /settings\.roleName/ },
    {
      case: 'a malformed account id',
      settings: { accountIds: '222222222222, abc' },
      secrets: {},
      error: /no AWS account id: abc/,
    },
    {
      case: 'no listed account in the organization',
      settings: { accountIds: '999999999999' },
      secrets: {},
      error: /None of settings.accountIds/,
    },
  ])('refuses a source with $case', async ({ settings, secrets, error }) => {
    const { read } = await setup();

    const reading = read(settings, secrets);

    await expect(reading).rejects.toThrow(UnreadableInputError);
    await expect(reading).rejects.toThrow(error);
  });

  it('tests the connection with one DescribeOrganization call', async () => {
    const { aws } = await setup();
    const settings = { endpoint: aws.endpoint, region: 'us-east-1' };

    const accepted = await testAwsOrganizationConnection(
      settings,
      { accessKeyId, secretAccessKey },
      new AbortController().signal,
    );
    const refused = testAwsOrganizationConnection(
      settings,
      { accessKeyId: 'AKIAWRONGKEY00000000', secretAccessKey },
      new AbortController().signal,
    );

    expect(accepted).toEqual({
      ok: true,
      message: expect.stringContaining('management account 111111111111'),
    });
    await expect(refused).rejects.toThrow(/security token included in the request is invalid/);
    expect(aws.organizationRequests.map((request) => request.operation)).toEqual([
      'DescribeOrganization',
      'DescribeOrganization',
    ]);
  });
});
