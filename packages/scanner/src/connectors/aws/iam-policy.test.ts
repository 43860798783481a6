import { describe, expect, it } from 'vitest';
import { actionCatalogue } from './action-catalogue.ts';
import { type AuthorizationOptions, readAuthorizationDetails } from './authorization-details.ts';
import { escalationPaths } from './escalation-paths.ts';

const account = '111122223333';
type Statement = Record<string, unknown>;
const allow = (Action: unknown, Resource: unknown = '*', extra: Statement = {}) => ({
  Effect: 'Allow',
  Action,
  Resource,
  ...extra,
});
const deny = (Action: unknown, Resource: unknown = '*', extra: Statement = {}) => ({
  Effect: 'Deny',
  Action,
  Resource,
  ...extra,
});
const policy = (...Statement: Statement[]) => ({ Version: '2012-10-17', Statement });

const user = (name: string, documents: unknown[], extra: Record<string, unknown> = {}) => ({
  UserName: name,
  Arn: `arn:aws:iam::${account}:user/${name}`,
  UserPolicyList: documents.map((PolicyDocument, i) => ({ PolicyName: `p${i}`, PolicyDocument })),
  ...extra,
});
const role = (name: string, documents: unknown[], trust: unknown, extra: Record<string, unknown> = {}) => ({
  RoleName: name,
  Arn: `arn:aws:iam::${account}:role/${name}`,
  Path: '/',
  AssumeRolePolicyDocument: trust,
  RolePolicyList: documents.map((PolicyDocument, i) => ({ PolicyName: `p${i}`, PolicyDocument })),
  ...extra,
});
const trustService = (Service: string) =>
  policy({ Effect: 'Allow', Principal: { Service }, Action: 'sts:AssumeRole' });
const adminRole = (name: string, service: string) => role(name, [policy(allow('*'))], trustService(service));

async function factsOf(
  documents: unknown[],
  others: {
    users?: unknown[];
    roles?: unknown[];
    extra?: Record<string, unknown>;
    options?: AuthorizationOptions;
  } = {},
) {
  const output = await readAuthorizationDetails(
    {
      UserDetailList: [user('subject', documents, others.extra), ...((others.users ?? []) as never[])],
      RoleDetailList: (others.roles ?? []) as never[],
    },
    { now: new Date('2026-12-01T00:00:00Z'), ...others.options },
  );
  const subject = output.nhis.find((nhi) => nhi.name === 'subject');
  return subject?.facts ?? [];
}
const kinds = (facts: { kind: string }[]) => [...new Set(facts.map((fact) => fact.kind))].sort();
const paths = (facts: { kind: string; evidence: Record<string, unknown> }[]) =>
  facts.filter((fact) => fact.kind === 'aws.privilege_escalation').map((fact) => fact.evidence.path);

describe('administrator', () => {
  it.each([
    ['Allow * on *', [policy(allow('*'))], true],
    [
      'Allow NotAction on * that spares a couple of services',
      [policy({ Effect: 'Allow', NotAction: ['s3:*', 'ec2:*'], Resource: '*' })],
      true,
    ],
    [
      'Allow NotAction iam:* on * (no permission management)',
      [policy({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' })],
      false,
    ],
    ['a deny-all policy', [policy(deny('*'))], false],
    ['Allow * with Deny * in the same policy', [policy(allow('*'), deny('*'))], false],
    ['Allow * with Deny iam:* in another policy', [policy(allow('*')), policy(deny('iam:*'))], false],
    [
      'Allow * with a Deny under a condition it cannot judge',
      [policy(allow('*'), deny('*', '*', { Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }))],
      true,
    ],
    ['Allow * on one bucket only', [policy(allow('*', 'arn:aws:s3:::bucket'))], false],
    [
      'ReadOnlyAccess-like Get/List/Describe on *',
      [policy(allow(['s3:Get*', 'ec2:Describe*', 'iam:List*', 'iam:Get*']))],
      false,
    ],
  ])('%s: admin is %j', async (_, documents, admin) => {
    expect(kinds(await factsOf(documents)).includes('aws.admin_policy')).toBe(admin);
  });

  it('is not granted when a permissions boundary allows less', async () => {
    const boundary = 'arn:aws:iam::111122223333:policy/boundary';
    const output = await readAuthorizationDetails({
      UserDetailList: [
        user('subject', [policy(allow('*'))], {
          PermissionsBoundary: { PermissionsBoundaryArn: boundary, PermissionsBoundaryType: 'Policy' },
        }),
      ],
      Policies: [
        {
          Arn: boundary,
          DefaultVersionId: 'v1',
          PolicyVersionList: [
            { VersionId: 'v1', IsDefaultVersion: true, Document: policy(allow('s3:GetObject')) },
          ],
        },
      ],
    });
    expect(kinds(output.nhis[0]?.facts ?? [])).toEqual(['aws.wildcard_action']);
    expect(output.nhis[0]?.metadata?.authorization).toMatchObject({
      permissionsBoundary: { arn: boundary, known: true },
    });
  });

  it('names the granting policy in the subject and evidence', async () => {
    const [fact] = await factsOf([policy(allow('*'))]);
    expect(fact).toMatchObject({
      kind: 'aws.admin_policy',
      subject: `arn:aws:iam::${account}:user/subject|inline p0`,
      evidence: {
        via: 'inline p0',
        allVia: ['inline p0'],
        statement: { effect: 'Allow', actions: ['*'], resources: ['*'] },
      },
    });
  });
});

describe('wildcards and write on any resource', () => {
  it.each([
    ['s3:* on *', [policy(allow('s3:*'))], ['aws.wildcard_action', 'aws.wildcard_resource']],
    ['s3:PutObject on *', [policy(allow('s3:PutObject'))], ['aws.wildcard_resource']],
    ['s3:PutObject on one bucket', [policy(allow('s3:PutObject', 'arn:aws:s3:::b/*'))], []],
    ['read-only patterns on *', [policy(allow(['s3:Get*', 's3:List*', 'ec2:Describe*']))], []],
    [
      'a write action that names no resource type (cloudwatch:PutMetricData)',
      [policy(allow('cloudwatch:PutMetricData'))],
      [],
    ],
    ['s3:* denied by another policy', [policy(allow('s3:*')), policy(deny('s3:*'))], []],
    [
      'Allow NotResource on a write',
      [policy({ Effect: 'Allow', Action: 's3:PutObject', NotResource: 'arn:aws:s3:::x/*' })],
      ['aws.wildcard_resource'],
    ],
  ])('%s', async (_, documents, expected) => {
    expect(kinds(await factsOf(documents))).toEqual(expected);
  });

  it('states the write actions in the evidence', async () => {
    const facts = await factsOf([policy(allow(['s3:PutObject', 's3:GetObject']))]);
    expect(facts.find((fact) => fact.kind === 'aws.wildcard_resource')?.evidence).toMatchObject({
      actions: ['s3:PutObject'],
      writeActions: 1,
      via: 'inline p0',
    });
  });
});

describe('privilege escalation paths', () => {
  const strong = adminRole('strong', 'lambda.amazonaws.com');
  const weak = role(
    'weak',
    [policy(allow('logs:PutLogEvents', `arn:aws:logs:*:${account}:*`))],
    trustService('lambda.amazonaws.com'),
  );
  const lambda = ['lambda:CreateFunction', 'lambda:InvokeFunction'];

  it.each([
    [
      'PassRole on * with CreateFunction and InvokeFunction',
      [policy(allow(['iam:PassRole', ...lambda]))],
      [],
      true,
    ],
    [
      'PassRole scoped to a more privileged role of the export',
      [policy(allow(lambda), allow('iam:PassRole', strong.Arn))],
      [strong],
      true,
    ],
    [
      'PassRole scoped to a role that may do less',
      [policy(allow(lambda), allow('iam:PassRole', weak.Arn))],
      [weak],
      false,
    ],
    [
      'PassRole scoped to a role absent from the export',
      [policy(allow(lambda), allow('iam:PassRole', `arn:aws:iam::${account}:role/elsewhere`))],
      [],
      false,
    ],
    [
      'PassRole on * limited to another service by iam:PassedToService',
      [
        policy(
          allow(lambda),
          allow('iam:PassRole', '*', {
            Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
          }),
        ),
      ],
      [strong],
      false,
    ],
    [
      'PassRole on * with PassRole denied in another policy',
      [policy(allow(['iam:PassRole', ...lambda])), policy(deny('iam:PassRole'))],
      [strong],
      false,
    ],
    [
      'PassRole on * without InvokeFunction',
      [policy(allow(['iam:PassRole', 'lambda:CreateFunction']))],
      [strong],
      false,
    ],
  ])('%s: lambda-create-invoke-pass-role is %j', async (_, documents, roles, found) => {
    const facts = await factsOf(documents, { roles });
    expect(paths(facts).includes('lambda-create-invoke-pass-role')).toBe(found);
  });

  it('records PassRole scoped outside the export in the metadata, not as a fact', async () => {
    const output = await readAuthorizationDetails({
      UserDetailList: [
        user('subject', [
          policy(allow(lambda), allow('iam:PassRole', `arn:aws:iam::${account}:role/elsewhere`)),
        ]),
      ],
    });
    expect(output.nhis[0]?.metadata?.authorization).toMatchObject({
      passRoleWithoutEscalation: { outsideExport: [`arn:aws:iam::${account}:role/elsewhere`] },
    });
  });

  it.each([
    [
      'iam:CreateAccessKey on any user',
      [policy(allow('iam:CreateAccessKey'))],
      'iam-create-access-key',
      true,
    ],
    [
      'iam:CreateAccessKey on its own user only (the aws:username variable)',
      [policy(allow('iam:CreateAccessKey', `arn:aws:iam::${account}:user/\${aws:username}`))],
      'iam-create-access-key',
      false,
    ],
    [
      'iam:CreatePolicyVersion on *',
      [policy(allow('iam:CreatePolicyVersion'))],
      'iam-create-policy-version',
      true,
    ],
    [
      'iam:CreatePolicyVersion under a time condition that already passed',
      [
        policy(
          allow('iam:CreatePolicyVersion', '*', {
            Condition: { DateLessThan: { 'aws:CurrentTime': '2020-01-01T00:00:01Z' } },
          }),
        ),
      ],
      'iam-create-policy-version',
      false,
    ],
    [
      'iam:CreatePolicyVersion under a time condition that holds',
      [
        policy(
          allow('iam:CreatePolicyVersion', '*', {
            Condition: { DateGreaterThan: { 'aws:TokenIssueTime': '2020-01-01T00:00:01Z' } },
          }),
        ),
      ],
      'iam-create-policy-version',
      true,
    ],
    [
      'iam:CreatePolicyVersion on *, denied on * under a condition it cannot judge',
      [
        policy(
          allow('iam:CreatePolicyVersion'),
          deny('iam:CreatePolicyVersion', '*', {
            Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } },
          }),
        ),
      ],
      'iam-create-policy-version',
      true,
    ],
    [
      'iam:* on * with Deny iam:* (iam-vulnerable fp1)',
      [policy(allow('iam:*'), deny('iam:*'))],
      'iam-put-user-policy',
      false,
    ],
    [
      'NotAction iam:Update*, iam:Create*, iam:Attach* (iam-vulnerable fn4)',
      [policy({ Effect: 'Allow', NotAction: ['iam:Update*', 'iam:Create*', 'iam:Attach*'], Resource: '*' })],
      'iam-put-user-policy',
      true,
    ],
    ['ssm:SendCommand on *', [policy(allow('ssm:SendCommand'))], 'ssm-send-command', true],
    [
      'ssm:SendCommand limited to a patching document',
      [
        policy(
          allow('ssm:SendCommand', [
            'arn:aws:ssm:*::document/AWS-RunPatchBaseline',
            'arn:aws:ec2:*:*:instance/*',
          ]),
        ),
      ],
      'ssm-send-command',
      false,
    ],
    [
      'ssm:SendCommand with AWS-RunShellScript',
      [
        policy(
          allow('ssm:SendCommand', [
            'arn:aws:ssm:*::document/AWS-RunShellScript',
            'arn:aws:ec2:*:*:instance/*',
          ]),
        ),
      ],
      'ssm-send-command',
      true,
    ],
    ['ssm:StartSession', [policy(allow('ssm:StartSession'))], 'ssm-start-session', true],
    [
      'ec2-instance-connect:SendSSHPublicKey',
      [policy(allow('ec2-instance-connect:SendSSHPublicKey'))],
      'ec2-instance-connect',
      true,
    ],
    [
      'sagemaker:CreatePresignedNotebookInstanceUrl',
      [policy(allow('sagemaker:CreatePresignedNotebookInstanceUrl'))],
      'sagemaker-presigned-notebook-url',
      true,
    ],
    ['glue:UpdateDevEndpoint', [policy(allow('glue:UpdateDevEndpoint'))], 'glue-update-dev-endpoint', true],
    [
      'cloudformation:UpdateStack',
      [policy(allow('cloudformation:UpdateStack'))],
      'cloudformation-update-stack',
      true,
    ],
    [
      'iam:UpdateAssumeRolePolicy without sts:AssumeRole',
      [policy(allow('iam:UpdateAssumeRolePolicy'))],
      'iam-update-assume-role-policy',
      false,
    ],
  ])('%s', async (_, documents, path, found) => {
    expect(paths(await factsOf(documents)).includes(path)).toBe(found);
  });

  it('finds sts:AssumeRole of a more privileged role that trusts the principal, not of one that does not', async () => {
    const trusting = role(
      'target',
      [policy(allow('*'))],
      policy({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${account}:user/subject` },
        Action: 'sts:AssumeRole',
      }),
    );
    const stranger = role(
      'stranger',
      [policy(allow('*'))],
      policy({
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::999988887777:root' },
        Action: 'sts:AssumeRole',
      }),
    );
    expect(paths(await factsOf([policy(allow('sts:AssumeRole'))], { roles: [trusting] }))).toContain(
      'sts-assume-role',
    );
    expect(paths(await factsOf([policy(allow('sts:AssumeRole'))], { roles: [stranger] }))).not.toContain(
      'sts-assume-role',
    );
  });

  it('reports one fact per path with the allowing statements, an explanation and a reference', async () => {
    const facts = await factsOf([
      policy(allow(['iam:PassRole', 'lambda:CreateFunction'])),
      policy(allow('lambda:InvokeFunction')),
    ]);
    const fact = facts.find((f) => f.subject.endsWith('|lambda-create-invoke-pass-role'));
    expect(fact?.evidence).toEqual({
      path: 'lambda-create-invoke-pass-role',
      name: 'Lambda: create a function with a role, then invoke it',
      actions: {
        'iam:PassRole': ['inline p0'],
        'lambda:CreateFunction': ['inline p0'],
        'lambda:InvokeFunction': ['inline p1'],
      },
      explanation: expect.stringContaining('privileged execution role'),
      reference: expect.stringContaining('rhinosecuritylabs.com'),
    });
  });

  it('does not list escalation paths for an administrator', async () => {
    expect(paths(await factsOf([policy(allow('*'))]))).toEqual([]);
  });

  it('catalogues the Rhino and iam-vulnerable paths with actions AWS documents', async () => {
    const catalogue = await actionCatalogue();
    expect(escalationPaths.length).toBeGreaterThanOrEqual(31);
    expect(new Set(escalationPaths.map((path) => path.id)).size).toBe(escalationPaths.length);
    const unknown = escalationPaths
      .flatMap((path) => path.actions.flat())
      .filter((action) => catalogue.indexOf(action) === undefined);
    expect(unknown).toEqual([]);
  });
});

describe('roles', () => {
  const trustAccount = (id: string, condition?: unknown) =>
    policy({
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${id}:root` },
      Action: 'sts:AssumeRole',
      Condition: condition,
    });

  it('excludes service-linked roles from facts unless the source includes them', async () => {
    const linked = role(
      'AWSServiceRoleForSupport',
      [policy(allow('*'))],
      trustService('support.amazonaws.com'),
      { Path: '/aws-service-role/support.amazonaws.com/' },
    );
    const read = async (options: AuthorizationOptions) =>
      (await readAuthorizationDetails({ RoleDetailList: [linked] }, options)).nhis[0];
    expect((await read({}))?.facts).toEqual([]);
    expect((await read({}))?.metadata?.authorization).toMatchObject({ serviceLinked: true });
    expect(kinds((await read({ includeServiceLinkedRoles: true }))?.facts ?? [])).toEqual([
      'aws.admin_policy',
    ]);
  });

  it.each([
    [
      'another account without sts:ExternalId',
      trustAccount('999988887777'),
      {},
      ['aws.trust_external_without_external_id'],
    ],
    [
      'another account with sts:ExternalId',
      trustAccount('999988887777', { StringEquals: { 'sts:ExternalId': 'x' } }),
      {},
      [],
    ],
    [
      'an account of the organization',
      trustAccount('999988887777'),
      { organizationAccountIds: ['999988887777'] },
      [],
    ],
    ['its own account', trustAccount(account), {}, []],
    [
      'any AWS principal',
      policy({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }),
      {},
      ['aws.trust_open_to_any'],
    ],
    [
      'any AWS principal of its organization (aws:PrincipalOrgID)',
      policy({
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-1' } },
      }),
      {},
      [],
    ],
  ])('trusted by %s', async (_, trust, options, expected) => {
    const output = await readAuthorizationDetails({ RoleDetailList: [role('r', [], trust)] }, options);
    expect(kinds(output.nhis[0]?.facts ?? [])).toEqual(expected);
  });

  it('records same-organization trust in the role metadata', async () => {
    const output = await readAuthorizationDetails(
      { RoleDetailList: [role('r', [], trustAccount('999988887777'))] },
      { organizationAccountIds: ['999988887777'] },
    );
    expect(output.nhis[0]?.metadata?.authorization).toMatchObject({
      sameOrganizationTrust: ['999988887777'],
    });
  });
});
