import { describe, expect, it } from 'vitest';
import {
  type AuthorizationOptions,
  authorizationOptions,
  readAuthorizationDetails,
} from './authorization-details.ts';
import { gitlabOidcHostsOf, openSubjectPattern } from './ci-oidc-trust.ts';

const account = '111122223333';
const github = 'token.actions.githubusercontent.com';
const provider = (issuer: string) => `arn:aws:iam::${account}:oidc-provider/${issuer}`;
const audience = { [`${github}:aud`]: 'sts.amazonaws.com' };

type Condition = Record<string, Record<string, unknown>>;
const trust = (condition?: Condition, issuer = github, extra: Record<string, unknown> = {}) => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Federated: provider(issuer) },
      Action: 'sts:AssumeRoleWithWebIdentity',
      ...(condition ? { Condition: condition } : {}),
      ...extra,
    },
  ],
});
const sub = (operator: string, value: unknown, issuer = github): Condition => ({
  StringEquals: issuer === github ? audience : { [`${issuer}:aud`]: `https://${issuer}` },
  [operator]: { [`${issuer}:sub`]: value },
});

async function setup(trustPolicy: unknown, options: AuthorizationOptions = {}) {
  const output = await readAuthorizationDetails(
    {
      RoleDetailList: [
        {
          RoleName: 'deploy',
          Arn: `arn:aws:iam::${account}:role/deploy`,
          Path: '/',
          AssumeRolePolicyDocument: trustPolicy,
          RolePolicyList: [],
        } as never,
      ],
    },
    options,
  );
  const facts = output.nhis[0]?.facts ?? [];
  return { output, facts: facts.filter((fact) => fact.kind === 'aws.ci_oidc_trust_without_subject') };
}

describe('CI OIDC trust policies', () => {
  // Expected answers written from GitHub's and AWS's documentation before the detector ran.
  it.each<[string, unknown, boolean, AuthorizationOptions?]>([
    // GitHub "Configuring OpenID Connect in Amazon Web Services": one branch of one repository.
    [
      'the documented branch subject',
      trust(sub('StringEquals', 'repo:octo-org/octo-repo:ref:refs/heads/octo-branch')),
      false,
    ],
    [
      'the documented environment subject',
      trust(sub('StringEquals', 'repo:octo-org/octo-repo:environment:prod')),
      false,
    ],
    // AWS "Configuring a role for GitHub OIDC identity provider": every ref of one repository.
    ['every ref of one repository', trust(sub('StringLike', 'repo:octo-org/octo-repo:*')), false],
    ['every repository of one organisation', trust(sub('StringLike', 'repo:octo-org/*')), false],
    [
      'several repositories of one organisation',
      trust(sub('StringLike', ['repo:octo-org/api:*', 'repo:octo-org/web:ref:refs/heads/main'])),
      false,
    ],
    [
      'a sub key written in another case',
      trust({ StringLike: { 'Token.Actions.GitHubUserContent.com:sub': 'repo:octo-org/*' } }),
      false,
    ],
    [
      'ForAnyValue, false for a token without the claim',
      trust(sub('ForAnyValue:StringLike', 'repo:octo-org/*')),
      false,
    ],
    [
      'an open pattern next to an exact subject (both must hold)',
      trust({
        StringEquals: { [`${github}:sub`]: 'repo:octo-org/app:environment:prod' },
        StringLike: { [`${github}:sub`]: '*' },
      }),
      false,
    ],
    ['an audience only', trust({ StringEquals: audience }), true],
    ['no condition at all', trust(), true],
    ['a sub of "*"', trust(sub('StringLike', '*')), true],
    ['repo:*', trust(sub('StringLike', 'repo:*')), true],
    ['repo:*/*', trust(sub('StringLike', 'repo:*/*')), true],
    ['repo:*:*', trust(sub('StringLike', 'repo:*:*')), true],
    ['one repository name of any owner', trust(sub('StringLike', 'repo:*/my-repo:*')), true],
    ['an owner named only by its start', trust(sub('StringLike', 'repo:octo-org*')), true],
    ['an open pattern among good ones', trust(sub('StringLike', ['repo:octo-org/api:*', 'repo:*'])), true],
    [
      'IfExists, true for a token without the claim',
      trust(sub('StringLikeIfExists', 'repo:octo-org/*')),
      true,
    ],
    [
      'ForAllValues, true for a token without the claim',
      trust(sub('ForAllValues:StringLike', 'repo:octo-org/*')),
      true,
    ],
    [
      'StringNotEquals in an Allow',
      trust(sub('StringNotEquals', 'repo:evil-org/evil:ref:refs/heads/main')),
      true,
    ],
    ['sts:* with an audience only', trust({ StringEquals: audience }, github, { Action: 'sts:*' }), true],
    [
      'sts:AssumeRole only, which a federated token cannot call',
      trust(undefined, github, { Action: 'sts:AssumeRole' }),
      false,
    ],
    [
      'another OIDC issuer (EKS)',
      trust(undefined, 'oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE'),
      false,
    ],
    ['GitHub Enterprise Cloud issuer with an audience only', trust(undefined, `${github}/octo-ent`), true],
    [
      'GitHub Enterprise Cloud issuer with its own sub key',
      trust(sub('StringLike', 'repo:octo-org/*', `${github}/octo-ent`), `${github}/octo-ent`),
      false,
    ],
    // GitLab "Configure OpenID Connect in AWS".
    [
      'gitlab.com with one project and branch',
      trust(
        sub('StringEquals', 'project_path:mygroup/myproject:ref_type:branch:ref:main', 'gitlab.com'),
        'gitlab.com',
      ),
      false,
    ],
    [
      'gitlab.com with every project of one group',
      trust(sub('StringLike', 'project_path:mygroup/*', 'gitlab.com'), 'gitlab.com'),
      false,
    ],
    [
      'gitlab.com with project_path:*',
      trust(sub('StringLike', 'project_path:*', 'gitlab.com'), 'gitlab.com'),
      true,
    ],
    [
      'gitlab.com with an audience only',
      trust({ StringEquals: { 'gitlab.com:aud': 'https://gitlab.com' } }, 'gitlab.com'),
      true,
    ],
    [
      'a configured self-managed GitLab with no sub',
      trust(undefined, 'gitlab.example.com'),
      true,
      { gitlabOidcHosts: ['https://gitlab.example.com/'] },
    ],
    ['a self-managed GitLab that is not configured', trust(undefined, 'gitlab.example.com'), false],
  ])('%s', async (_, policy, fires, options) => {
    const { facts } = await setup(policy, options);
    expect(facts.length > 0).toBe(fires);
  });

  it.each<[string, unknown, boolean]>([
    [
      'an Allow with an audience only, closed by a Deny on subjects outside one organisation',
      {
        Statement: [
          trust({ StringEquals: audience }).Statement[0],
          {
            Effect: 'Deny',
            Principal: { Federated: provider(github) },
            Action: 'sts:AssumeRoleWithWebIdentity',
            Condition: { StringNotLike: { [`${github}:sub`]: 'repo:octo-org/*' } },
          },
        ],
      },
      false,
    ],
    [
      'an Allow with an audience only and a Deny that is itself open',
      {
        Statement: [
          trust({ StringEquals: audience }).Statement[0],
          {
            Effect: 'Deny',
            Principal: { Federated: provider(github) },
            Action: 'sts:AssumeRoleWithWebIdentity',
            Condition: { StringNotLike: { [`${github}:sub`]: 'repo:*' } },
          },
        ],
      },
      true,
    ],
  ])('%s', async (_, policy, fires) => {
    const { facts } = await setup(policy);
    expect(facts.length > 0).toBe(fires);
  });

  it('states the provider, the condition found and the statement', async () => {
    const policy = trust(sub('StringLike', 'repo:*/my-repo:*'));

    const { facts } = await setup(policy);

    expect(facts).toEqual([
      {
        kind: 'aws.ci_oidc_trust_without_subject',
        subject: `arn:aws:iam::${account}:role/deploy|trust policy|${provider(github)}`,
        evidence: {
          provider: 'github',
          issuer: github,
          condition: [{ operator: 'StringLike', key: `${github}:sub`, values: ['repo:*/my-repo:*'] }],
          reason: expect.stringContaining('every repository satisfies it'),
          statement: policy.Statement[0],
        },
      },
    ]);
  });

  it('says there is no sub condition when only the audience is checked', async () => {
    const { facts } = await setup(trust({ StringEquals: audience }));

    expect(facts[0]?.evidence).toMatchObject({
      condition: null,
      reason: expect.stringMatching(/^no condition on/),
    });
  });

  it('reads self-managed GitLab hosts from a comma list or a list in the settings', () => {
    expect(
      authorizationOptions({ gitlabOidcHosts: 'gitlab.example.com, https://git.corp.example/' })
        .gitlabOidcHosts,
    ).toEqual(['gitlab.example.com', 'git.corp.example']);
    expect(gitlabOidcHostsOf(['GitLab.Example.com'])).toEqual(['gitlab.example.com']);
    expect(gitlabOidcHostsOf(undefined)).toEqual([]);
  });

  it.each([
    ['repo:octo-org/*', false],
    ['repo:octo-org/octo-repo:ref:refs/heads/*', false],
    ['repository_owner:octo-org:*', false],
    ['repo:?cto-org/*', true],
    ['rep*', true],
  ])('judges the pattern %s (open: %s)', (pattern, open) => {
    expect(openSubjectPattern('github', pattern) !== null).toBe(open);
  });
});
