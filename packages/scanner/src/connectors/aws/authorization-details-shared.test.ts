import { beforeAll, describe, expect, it } from 'vitest';
import { sharedFixture, sharedFixturesPresent } from '../../testing/shared-fixtures.ts';
import type { ConnectorOutput } from '../connector.ts';
import {
  type AuthorizationDetails,
  type AuthorizationOptions,
  authorizationDetailsStream,
  readAuthorizationDetails,
} from './authorization-details.ts';

const account = '111122223333';
const arn = (kind: string, name: string) => `arn:aws:iam::${account}:${kind}/${name}`;
const now = new Date('2026-11-01T00:00:00Z');

type Statement = Record<string, unknown>;
const allow = (action: string | string[], resource: string | string[] = '*', extra: Statement = {}) => ({
  Effect: 'Allow',
  Action: action,
  Resource: resource,
  ...extra,
});
const deny = (action: string | string[], resource: string | string[] = '*', extra: Statement = {}) => ({
  Effect: 'Deny',
  Action: action,
  Resource: resource,
  ...extra,
});
const document = (...statements: Statement[]) => ({ Version: '2012-10-17', Statement: statements });
const managed = (name: string, ...statements: Statement[]) => ({
  Arn: arn('policy', name),
  DefaultVersionId: 'v2',
  PolicyVersionList: [
    { VersionId: 'v1', IsDefaultVersion: false, Document: document(allow('*')) },
    { VersionId: 'v2', IsDefaultVersion: true, Document: document(...statements) },
  ],
});
const attached = (...names: string[]) =>
  names.map((name) =>
    name === 'AdministratorAccess'
      ? { PolicyName: name, PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }
      : { PolicyName: name, PolicyArn: arn('policy', name) },
  );
const trusting = (principal: Statement) => document({ ...allow('sts:AssumeRole'), Principal: principal });
const ownUser = arn('user', `\${aws:username}`);

/**
 * An account where most principals share their policies with many others, some of them through
 * statements that read who asks: `${aws:username}` in resources, conditions on aws:username,
 * aws:userid and aws:PrincipalArn, a permissions boundary and SCPs that spare one role.
 */
function sharedExport(users: number): AuthorizationDetails {
  const policies = [
    managed('self-service', allow(['iam:CreateAccessKey', 'iam:AttachUserPolicy'], ownUser)),
    managed('key-admin', allow('iam:CreateAccessKey', arn('user', '*'))),
    managed(
      'only-ops-2-manages-iam',
      deny('iam:*', '*', { Condition: { StringNotEquals: { 'aws:username': 'ops-2' } } }),
    ),
    managed(
      'team-a-storage',
      allow('s3:*', '*', { Condition: { ArnLike: { 'aws:PrincipalArn': arn('user', 'team-a-*') } } }),
    ),
    managed('boundary', allow(['s3:*', 'iam:CreateAccessKey', 'sts:AssumeRole'])),
    managed('deployer', allow(['iam:PassRole', 'lambda:CreateFunction', 'lambda:InvokeFunction'])),
    managed(
      'one-user-id',
      allow('iam:PutUserPolicy', '*', {
        Condition: { StringEquals: { 'aws:userid': 'AIDA0000000000000005' } },
      }),
    ),
  ];
  const groups = [
    {
      GroupName: 'admins',
      Arn: arn('group', 'admins'),
      AttachedManagedPolicies: attached('AdministratorAccess'),
    },
    {
      GroupName: 'readers',
      Arn: arn('group', 'readers'),
      GroupPolicyList: [{ PolicyName: 'read', PolicyDocument: document(allow(['s3:Get*', 's3:List*'])) }],
    },
    {
      GroupName: 'homes',
      Arn: arn('group', 'homes'),
      GroupPolicyList: [
        {
          PolicyName: 'home',
          PolicyDocument: document(allow('s3:PutObject', `arn:aws:s3:::home/\${aws:username}/*`)),
        },
      ],
    },
  ];
  const user = (name: string, index: number, extra: Statement) => ({
    UserName: name,
    UserId: `AIDA${String(index).padStart(16, '0')}`,
    Arn: arn('user', name),
    CreateDate: '2024-01-01T00:00:00Z',
    ...extra,
  });
  const userList = Array.from({ length: users }, (_, i) => {
    switch (i % 8) {
      case 0:
        return user(`admin-${i}`, i, { GroupList: ['admins'] });
      case 1:
        return user(`self-${i}`, i, {
          GroupList: ['readers', 'homes'],
          AttachedManagedPolicies: attached('self-service'),
        });
      case 2:
        return user(`ops-${i}`, i, {
          AttachedManagedPolicies: attached('AdministratorAccess', 'only-ops-2-manages-iam'),
        });
      case 3:
        return user(`team-${i % 16 === 3 ? 'a' : 'b'}-${i}`, i, {
          AttachedManagedPolicies: attached('team-a-storage', 'deployer'),
          PermissionsBoundary: {
            PermissionsBoundaryArn: arn('policy', 'boundary'),
            PermissionsBoundaryType: 'Policy',
          },
        });
      case 4:
        // The same inline policy by name and document for half of them, the same name over another bucket for the rest.
        return user(`inline-${i}`, i, {
          UserPolicyList: [
            {
              PolicyName: 'bucket',
              PolicyDocument: document(
                allow('s3:PutObject', `arn:aws:s3:::${i % 16 === 4 ? 'one' : 'other'}/*`),
              ),
            },
          ],
        });
      case 5:
        return user(`keys-${i}`, i, {
          GroupList: ['readers', 'missing-group'],
          AttachedManagedPolicies: attached('key-admin', 'deployer', 'one-user-id'),
        });
      case 6:
        // A broken policy: each of them is a warning.
        return user(`broken-${i}`, i, { UserPolicyList: [{ PolicyName: 'p', PolicyDocument: '{not json' }] });
      default:
        return user(`plain-${i}`, i, {});
    }
  });
  const encoded = encodeURIComponent(JSON.stringify(document(allow('sqs:SendMessage', '*'))));
  const roles = [
    {
      RoleName: 'lambda-admin',
      Arn: arn('role', 'lambda-admin'),
      AssumeRolePolicyDocument: trusting({ Service: 'lambda.amazonaws.com' }),
      AttachedManagedPolicies: attached('AdministratorAccess'),
    },
    {
      RoleName: 'break-glass',
      Arn: arn('role', 'break-glass'),
      AssumeRolePolicyDocument: trusting({ AWS: `arn:aws:iam::${account}:root` }),
      AttachedManagedPolicies: attached('AdministratorAccess'),
    },
    {
      RoleName: 'AWSServiceRoleForSupport',
      Path: '/aws-service-role/support.amazonaws.com/',
      Arn: `arn:aws:iam::${account}:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport`,
      AssumeRolePolicyDocument: trusting({ Service: 'support.amazonaws.com' }),
      AttachedManagedPolicies: attached('AdministratorAccess'),
    },
    ...Array.from({ length: 6 }, (_, i) => ({
      RoleName: `worker-${i}`,
      Arn: arn('role', `worker-${i}`),
      AssumeRolePolicyDocument: trusting({ AWS: `arn:aws:iam::${account}:root` }),
      RolePolicyList: [
        { PolicyName: 'queue', PolicyDocument: encoded },
        { PolicyName: 'own-user', PolicyDocument: document(allow('iam:AttachUserPolicy', ownUser)) },
      ],
      AttachedManagedPolicies: attached(i % 2 === 0 ? 'AdministratorAccess' : 'team-a-storage'),
    })),
  ];
  return { UserDetailList: userList, GroupDetailList: groups, RoleDetailList: roles, Policies: policies };
}

/** Every level must allow; the account's level takes IAM from everyone but the break-glass role. */
const serviceControlPolicies: AuthorizationOptions['serviceControlPolicies'] = [
  { target: 'root r-ab12', policies: [{ name: 'FullAWSAccess', document: document(allow('*')) }] },
  {
    target: `account ${account}`,
    policies: [
      { name: 'FullAWSAccess', document: document(allow('*')) },
      {
        name: 'iam-for-break-glass',
        document: document(
          deny('iam:*', '*', {
            Condition: { ArnNotLike: { 'aws:PrincipalArn': arn('role', 'break-glass') } },
          }),
        ),
      },
    ],
  },
];

const lines = (output: ConnectorOutput) => output.nhis.map((nhi) => JSON.stringify(nhi));
const kindsOf = (output: ConnectorOutput, name: string) =>
  [...new Set(output.nhis.find((nhi) => nhi.name === name)?.facts.map((fact) => fact.kind))].sort();

describe('authorization details: principals holding the same policies', () => {
  const text = JSON.stringify(sharedExport(96));
  const withScps = { now, serviceControlPolicies, organizationAccountIds: [account] };
  let shared: ConnectorOutput;
  let alone: ConnectorOutput;
  let sharedUnderScps: ConnectorOutput;
  let aloneUnderScps: ConnectorOutput;
  beforeAll(async () => {
    [shared, alone, sharedUnderScps, aloneUnderScps] = await Promise.all([
      readAuthorizationDetails(text, { now }),
      readAuthorizationDetails(text, { now, evaluateEachPrincipal: true }),
      readAuthorizationDetails(text, withScps),
      readAuthorizationDetails(text, { ...withScps, evaluateEachPrincipal: true }),
    ]);
  });

  it('reports every principal exactly as evaluating each on its own does', () => {
    expect(shared.nhis).toHaveLength(96 - 12 + 9);
    expect(lines(shared)).toEqual(lines(alone));
    expect(shared.warnings).toEqual(alone.warnings);
    expect(shared.warnings).toHaveLength(12);
  });

  it('reports every principal exactly as evaluating each on its own does under service control policies', () => {
    expect(lines(sharedUnderScps)).toEqual(lines(aloneUnderScps));
    expect(sharedUnderScps.warnings).toEqual(aloneUnderScps.warnings);
  });

  it('makes the same identities and warnings when they are taken one by one as when read whole', async () => {
    const stream = await authorizationDetailsStream(text, { now });
    const taken = [];
    for (const identity of stream.identities) taken.push(JSON.stringify(identity));

    expect(stream.expected).toBe(96 - 12 + 9);
    expect(taken).toEqual(lines(shared));
    expect(stream.output.warnings).toEqual(shared.warnings);
  });

  it('reads an export given as objects as it reads the same export as text', async () => {
    const fromObjects = await readAuthorizationDetails(sharedExport(96), { now });
    expect(lines(fromObjects)).toEqual(lines(shared));
  });

  it('judges conditions on the asking principal per principal, not per policy set', () => {
    // Same policies: only ops-2 keeps IAM, so only ops-2 is an administrator.
    expect(kindsOf(shared, 'ops-2')).toContain('aws.admin_policy');
    expect(kindsOf(shared, 'ops-10')).not.toContain('aws.admin_policy');
    // s3:* on any resource for team-a ARNs only.
    expect(kindsOf(shared, 'team-a-3')).toContain('aws.wildcard_resource');
    expect(kindsOf(shared, 'team-b-11')).not.toContain('aws.wildcard_resource');
    // PutUserPolicy for one user id only.
    const escalations = (name: string) =>
      shared.nhis
        .find((nhi) => nhi.name === name)
        ?.facts.filter((fact) => fact.kind === 'aws.privilege_escalation')
        .map((fact) => fact.subject.split('|')[1]);
    expect(escalations('keys-5')).toContain('iam-put-user-policy');
    expect(escalations('keys-13')).not.toContain('iam-put-user-policy');
  });

  it('names each principal’s own user where its policies name the aws:username variable', () => {
    const attach = (name: string) =>
      shared.nhis
        .find((nhi) => nhi.name === name)
        ?.facts.find((fact) => fact.subject.endsWith('|iam-attach-user-policy'));
    expect(attach('self-1')?.evidence.targets).toEqual({ 'iam:AttachUserPolicy': [arn('user', 'self-1')] });
    expect(attach('self-9')?.evidence.targets).toEqual({ 'iam:AttachUserPolicy': [arn('user', 'self-9')] });
    // A role has no aws:username: the same statement names no user for it.
    expect(attach('worker-1')).toBeUndefined();
  });

  it('says which SCPs keep an administrator from being one, and not for the role they spare', () => {
    const authorization = (name: string) =>
      sharedUnderScps.nhis.find((nhi) => nhi.name === name)?.metadata?.authorization as Record<
        string,
        unknown
      >;
    expect(authorization('admin-0').administratorLimitedByScps).toEqual([
      `iam-for-break-glass (account ${account})`,
    ]);
    expect(authorization('break-glass').administratorLimitedByScps).toBeUndefined();
    expect(kindsOf(sharedUnderScps, 'break-glass')).toContain('aws.admin_policy');
    expect(kindsOf(sharedUnderScps, 'worker-0')).not.toContain('aws.admin_policy');
  });
});

describe.skipIf(!sharedFixturesPresent)('authorization details: published samples', () => {
  it.each([
    'aws/cloudsplaining-example-authz-details.json',
    'aws/cloudsplaining-example_authz_v2.json',
    'aws/cloudmapper-iam-get-account-authorization-details.json',
  ])('reads %s exactly as evaluating each principal on its own does', async (fixture) => {
    const text = sharedFixture(fixture);
    const [shared, alone] = await Promise.all([
      readAuthorizationDetails(text, { now }),
      readAuthorizationDetails(text, { now, evaluateEachPrincipal: true }),
    ]);
    expect(shared.nhis.length).toBeGreaterThan(0);
    expect(lines(shared)).toEqual(lines(alone));
    expect(shared.warnings).toEqual(alone.warnings);
  });
});
