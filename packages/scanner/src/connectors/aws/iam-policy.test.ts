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
    [
      'ssm:SendCommand limited to a patching document (an instance role may do more)',
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
      'iam:UpdateAssumeRolePolicy without sts:AssumeRole',
      [policy(allow('iam:UpdateAssumeRolePolicy'))],
      'iam-update-assume-role-policy',
      false,
    ],
  ])('%s', async (_, documents, path, found) => {
    const instanceAdmin = adminRole('instance-admin', 'ec2.amazonaws.com');
    expect(paths(await factsOf(documents, { roles: [instanceAdmin] })).includes(path)).toBe(found);
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
      aliases: ['Lambda-PassExistingRoleToNewLambdaThenInvoke', 'privesc15', 'rhino-15'],
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

// ---- Whole exports: the principal named `subject` among others -------------------------------

const group = (name: string, documents: unknown[]) => ({
  GroupName: name,
  Arn: `arn:aws:iam::${account}:group/${name}`,
  GroupPolicyList: documents.map((PolicyDocument, i) => ({ PolicyName: `g${i}`, PolicyDocument })),
  AttachedManagedPolicies: [],
});
const trustAccountRoot = policy({
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${account}:root` },
  Action: 'sts:AssumeRole',
});
const trustRole = (name: string) =>
  policy({
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${account}:role/${name}` },
    Action: 'sts:AssumeRole',
  });

interface ExportCase {
  users?: unknown[];
  roles?: unknown[];
  groups?: unknown[];
}

/** The facts of the principal named `subject` (a user or a role) in an export. */
async function subjectFacts(details: ExportCase) {
  const output = await readAuthorizationDetails(
    {
      UserDetailList: (details.users ?? []) as never[],
      RoleDetailList: (details.roles ?? []) as never[],
      GroupDetailList: (details.groups ?? []) as never[],
    },
    { now: new Date('2026-12-01T00:00:00Z') },
  );
  return output.nhis.find((nhi) => nhi.name === 'subject')?.facts ?? [];
}
const escalation = (
  facts: { kind: string; subject: string; evidence: Record<string, unknown> }[],
  path: string,
) => facts.find((fact) => fact.kind === 'aws.privilege_escalation' && fact.evidence.path === path);

describe('paths whose benefit goes to a user or a group', () => {
  const admins = group('admins', [policy(allow('*'))]);
  const readers = group('readers', [policy(allow('s3:GetObject'))]);
  const other = user('other', [policy(allow('s3:GetObject'))]);
  const asUser = (documents: unknown[], groups: string[] = []) =>
    user('subject', documents, { GroupList: groups });
  const asRole = (documents: unknown[]) => role('subject', documents, trustAccountRoot);

  it.each<[string, ExportCase, string, boolean]>([
    [
      'AttachUserPolicy on * fires for a user',
      { users: [asUser([policy(allow('iam:AttachUserPolicy'))])] },
      'iam-attach-user-policy',
      true,
    ],
    [
      'AttachUserPolicy on * does not fire for a role',
      { roles: [asRole([policy(allow('iam:AttachUserPolicy'))])], users: [other] },
      'iam-attach-user-policy',
      false,
    ],
    [
      'PutUserPolicy on * fires for a user',
      { users: [asUser([policy(allow('iam:PutUserPolicy'))])] },
      'iam-put-user-policy',
      true,
    ],
    [
      'PutUserPolicy on * does not fire for a role',
      { roles: [asRole([policy(allow('iam:PutUserPolicy'))])], users: [other] },
      'iam-put-user-policy',
      false,
    ],
    [
      'AttachUserPolicy on its own user by the aws:username variable fires',
      {
        users: [
          asUser([policy(allow('iam:AttachUserPolicy', `arn:aws:iam::${account}:user/\${aws:username}`))]),
        ],
      },
      'iam-attach-user-policy',
      true,
    ],
    [
      'AttachUserPolicy on another user only, without its credentials, does not fire',
      { users: [asUser([policy(allow('iam:AttachUserPolicy', other.Arn))]), other] },
      'iam-attach-user-policy',
      false,
    ],
    [
      'AttachUserPolicy with CreateAccessKey on another user fires for a role (it signs in as that user)',
      {
        roles: [asRole([policy(allow(['iam:AttachUserPolicy', 'iam:CreateAccessKey'], other.Arn))])],
        users: [other],
      },
      'iam-attach-user-policy',
      true,
    ],
    [
      'AttachUserPolicy granted by its group fires for the member',
      {
        users: [asUser([], ['attachers'])],
        groups: [group('attachers', [policy(allow('iam:AttachUserPolicy'))])],
      },
      'iam-attach-user-policy',
      true,
    ],
    [
      'AttachGroupPolicy on * fires for a member of a group',
      { users: [asUser([policy(allow('iam:AttachGroupPolicy'))], ['readers'])], groups: [readers] },
      'iam-attach-group-policy',
      true,
    ],
    [
      'AttachGroupPolicy on * does not fire for a user in no group that may join none',
      { users: [asUser([policy(allow('iam:AttachGroupPolicy'))])], groups: [readers] },
      'iam-attach-group-policy',
      false,
    ],
    [
      'AttachGroupPolicy with AddUserToGroup on a group fires for a user outside it',
      {
        users: [asUser([policy(allow(['iam:AttachGroupPolicy', 'iam:AddUserToGroup'], readers.Arn))])],
        groups: [readers],
      },
      'iam-attach-group-policy',
      true,
    ],
    [
      'AttachGroupPolicy on * does not fire for a role',
      { roles: [asRole([policy(allow('iam:AttachGroupPolicy'))])], users: [other], groups: [readers] },
      'iam-attach-group-policy',
      false,
    ],
    [
      'PutGroupPolicy on its own group fires',
      { users: [asUser([policy(allow('iam:PutGroupPolicy', readers.Arn))], ['readers'])], groups: [readers] },
      'iam-put-group-policy',
      true,
    ],
    [
      'PutGroupPolicy on a group it is not in does not fire',
      {
        users: [asUser([policy(allow('iam:PutGroupPolicy', admins.Arn))], ['readers'])],
        groups: [readers, admins],
      },
      'iam-put-group-policy',
      false,
    ],
    [
      'AddUserToGroup on * fires for a user when a group may do more',
      { users: [asUser([policy(allow('iam:AddUserToGroup'))])], groups: [admins] },
      'iam-add-user-to-group',
      true,
    ],
    [
      'AddUserToGroup on * does not fire when the only group reads one object',
      { users: [asUser([policy(allow(['iam:AddUserToGroup', 's3:GetObject']))])], groups: [readers] },
      'iam-add-user-to-group',
      false,
    ],
    [
      'AddUserToGroup on * does not fire for a role',
      { roles: [asRole([policy(allow('iam:AddUserToGroup'))])], users: [other], groups: [admins] },
      'iam-add-user-to-group',
      false,
    ],
  ])('%s', async (_, details, path, fires) => {
    expect(escalation(await subjectFacts(details), path) !== undefined).toBe(fires);
  });

  it('names the user whose credentials a role would use', async () => {
    const facts = await subjectFacts({
      roles: [asRole([policy(allow(['iam:PutUserPolicy', 'iam:CreateLoginProfile'], other.Arn))])],
      users: [other],
    });
    expect(escalation(facts, 'iam-put-user-policy')?.evidence.targets).toEqual({
      'iam:PutUserPolicy': [`${other.Arn} (via iam:CreateLoginProfile)`],
    });
  });
});

describe('resources of the type each action needs', () => {
  it.each([
    [
      'CreatePolicyVersion on AWS managed policies',
      allow('iam:CreatePolicyVersion', 'arn:aws:iam::aws:policy/*'),
      'iam-create-policy-version',
      false,
    ],
    [
      'CreatePolicyVersion on a prefix of the account’s policies',
      allow('iam:CreatePolicyVersion', `arn:aws:iam::${account}:policy/team-*`),
      'iam-create-policy-version',
      true,
    ],
    [
      'CreatePolicyVersion on another account’s policies',
      allow('iam:CreatePolicyVersion', 'arn:aws:iam::999988887777:policy/*'),
      'iam-create-policy-version',
      false,
    ],
    [
      'CreatePolicyVersion on roles (no policy ARN)',
      allow('iam:CreatePolicyVersion', `arn:aws:iam::${account}:role/*`),
      'iam-create-policy-version',
      false,
    ],
    [
      'SetDefaultPolicyVersion on any account’s policies',
      allow('iam:SetDefaultPolicyVersion', 'arn:aws:iam::*:policy/*'),
      'iam-set-default-policy-version',
      true,
    ],
    [
      'SetDefaultPolicyVersion on AWS managed policies',
      allow('iam:SetDefaultPolicyVersion', 'arn:aws:iam::aws:policy/*'),
      'iam-set-default-policy-version',
      false,
    ],
    [
      'AttachRolePolicy on policies instead of roles',
      allow('iam:AttachRolePolicy', 'arn:aws:iam::aws:policy/*'),
      'iam-attach-role-policy',
      false,
    ],
    [
      'AttachRolePolicy on the account’s roles',
      allow('iam:AttachRolePolicy', `arn:aws:iam::${account}:role/*`),
      'iam-attach-role-policy',
      true,
    ],
    [
      'CreatePolicyVersion with NotResource on every policy',
      { Effect: 'Allow', Action: 'iam:CreatePolicyVersion', NotResource: 'arn:aws:iam::*:policy/*' },
      'iam-create-policy-version',
      false,
    ],
  ])('%s: fires is %j', async (_, statement, path, fires) => {
    expect(paths(await factsOf([policy(statement)])).includes(path)).toBe(fires);
  });
});

describe('conditions on the principal’s own keys', () => {
  const attach = (condition: unknown) => policy(allow('iam:AttachUserPolicy', '*', { Condition: condition }));
  it.each([
    ['aws:username of someone else', { StringEquals: { 'aws:username': 'someone-else' } }, false],
    ['aws:username of the user itself', { StringEquals: { 'aws:username': 'subject' } }, true],
    [
      'aws:PrincipalArn of the user itself',
      { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${account}:user/sub*` } },
      true,
    ],
    [
      'aws:PrincipalAccount of another account',
      { StringEquals: { 'aws:PrincipalAccount': '999988887777' } },
      false,
    ],
    ['aws:PrincipalType of a role session', { StringEquals: { 'aws:PrincipalType': 'AssumedRole' } }, false],
    ['aws:userid of the user itself', { StringEquals: { 'aws:userid': 'AIDASUBJECT' } }, true],
    ['a key the export does not tell (aws:SourceIp)', { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }, true],
  ])('an Allow under %s: fires is %j', async (_, condition, fires) => {
    const facts = await factsOf([attach(condition)], { extra: { UserId: 'AIDASUBJECT' } });
    expect(paths(facts).includes('iam-attach-user-policy')).toBe(fires);
  });

  it('does not apply an Allow on aws:username to a role, which has none', async () => {
    const facts = await subjectFacts({
      roles: [
        role(
          'subject',
          [
            policy(
              allow('iam:AttachRolePolicy', '*', { Condition: { StringLike: { 'aws:username': '*' } } }),
            ),
          ],
          trustAccountRoot,
        ),
      ],
    });
    expect(escalation(facts, 'iam-attach-role-policy')).toBeUndefined();
  });
});

describe('paths through what a service already runs', () => {
  const lambdaAdmin = adminRole('lambda-admin', 'lambda.amazonaws.com');
  const lambdaLogs = role(
    'lambda-logs',
    [policy(allow('logs:PutLogEvents', `arn:aws:logs:*:${account}:*`))],
    trustService('lambda.amazonaws.com'),
  );
  const ec2Admin = adminRole('ec2-admin', 'ec2.amazonaws.com');
  const update = [
    policy(allow('lambda:UpdateFunctionCode', `arn:aws:lambda:eu-west-1:${account}:function:app-*`)),
  ];

  it.each<[string, unknown[], unknown[], string, boolean]>([
    [
      'UpdateFunctionCode with a stronger role Lambda may run as',
      update,
      [lambdaAdmin],
      'lambda-update-function-code',
      true,
    ],
    [
      'UpdateFunctionCode when Lambda’s only role writes logs',
      update,
      [lambdaLogs],
      'lambda-update-function-code',
      false,
    ],
    [
      'UpdateFunctionCode when the stronger role trusts EC2 only',
      update,
      [ec2Admin],
      'lambda-update-function-code',
      false,
    ],
    [
      'UpdateFunctionCode on a bucket instead of a function',
      [policy(allow('lambda:UpdateFunctionCode', 'arn:aws:s3:::bucket/*'))],
      [lambdaAdmin],
      'lambda-update-function-code',
      false,
    ],
    [
      'ssm:StartSession with a stronger instance role',
      [policy(allow('ssm:StartSession'))],
      [ec2Admin],
      'ssm-start-session',
      true,
    ],
    [
      'ssm:StartSession without any instance role',
      [policy(allow('ssm:StartSession'))],
      [lambdaAdmin],
      'ssm-start-session',
      false,
    ],
    [
      'glue:UpdateDevEndpoint with a stronger Glue role',
      [policy(allow('glue:UpdateDevEndpoint'))],
      [adminRole('glue-admin', 'glue.amazonaws.com')],
      'glue-update-dev-endpoint',
      true,
    ],
    [
      'cloudformation:UpdateStack with a stronger stack role',
      [policy(allow('cloudformation:UpdateStack'))],
      [adminRole('cfn-admin', 'cloudformation.amazonaws.com')],
      'cloudformation-update-stack',
      true,
    ],
    [
      'sagemaker:CreatePresignedNotebookInstanceUrl with a stronger notebook role',
      [policy(allow('sagemaker:CreatePresignedNotebookInstanceUrl'))],
      [adminRole('notebook-admin', 'sagemaker.amazonaws.com')],
      'sagemaker-presigned-notebook-url',
      true,
    ],
  ])('%s: fires is %j', async (_, documents, roles, path, fires) => {
    expect(paths(await factsOf(documents, { roles })).includes(path)).toBe(fires);
  });

  it('says the functions’ execution roles are not in the export and names the candidates', async () => {
    const facts = await factsOf(update, { roles: [lambdaAdmin, lambdaLogs] });
    const fact = facts.find((f) => f.evidence.path === 'lambda-update-function-code');
    expect(fact?.evidence.runsAs).toEqual({
      note: expect.stringContaining('execution roles are not in the export'),
      roles: [lambdaAdmin.Arn],
    });
    expect(fact?.evidence.aliases).toEqual([
      'Lambda-EditExistingLambdaFunctionWithRole',
      'privesc17',
      'rhino-17',
    ]);
  });
});

describe('sts:AssumeRole chains', () => {
  const hop = (name: string, next: string, trust: unknown = trustAccountRoot) =>
    role(name, [policy(allow('sts:AssumeRole', `arn:aws:iam::${account}:role/${next}`))], trust);
  const admin = (name: string, trustedBy: string) => role(name, [policy(allow('*'))], trustRole(trustedBy));

  it.each<[string, unknown[], string[] | null]>([
    ['one hop to an admin role', [hop('subject', 'top'), admin('top', 'subject')], ['top']],
    ['two hops to an admin role', [hop('subject', 'a'), hop('a', 'top'), admin('top', 'a')], ['a', 'top']],
    [
      'three hops to an admin role',
      [hop('subject', 'a'), hop('a', 'b'), hop('b', 'top'), admin('top', 'b')],
      ['a', 'b', 'top'],
    ],
    [
      'four hops (beyond the depth followed)',
      [hop('subject', 'a'), hop('a', 'b'), hop('b', 'c'), hop('c', 'top'), admin('top', 'c')],
      null,
    ],
    [
      'a hop whose admin role trusts someone else',
      [hop('subject', 'a'), hop('a', 'top'), admin('top', 'stranger')],
      null,
    ],
  ])('%s', async (_, roles, chain) => {
    const fact = escalation(await subjectFacts({ roles }), 'sts-assume-role');
    if (chain === null) expect(fact).toBeUndefined();
    else if (chain.length === 1)
      expect(fact?.evidence.targets).toEqual({
        'sts:AssumeRole': [`arn:aws:iam::${account}:role/${chain[0]}`],
      });
    else expect(fact?.evidence.chains).toEqual([chain.map((name) => `arn:aws:iam::${account}:role/${name}`)]);
  });
});
