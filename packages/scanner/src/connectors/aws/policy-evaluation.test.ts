import { describe, expect, it } from 'vitest';
import { conditionHolds, globsIntersect, type RequestContext } from './policy-evaluation.ts';

describe('conditions on keys of the principal', () => {
  // A user's request: its name and ARN are known; a role's session has no aws:username (empty list).
  const userContext: RequestContext = {
    'aws:username': ['alice'],
    'aws:principalarn': ['arn:aws:iam::111122223333:user/alice'],
    'aws:principalaccount': ['111122223333'],
    'aws:principaltype': ['User'],
  };
  const roleContext: RequestContext = {
    'aws:username': [],
    'aws:principalarn': ['arn:aws:iam::111122223333:role/app'],
    'aws:principaltype': ['AssumedRole'],
  };

  it.each([
    [
      'StringEquals aws:username of the user',
      userContext,
      { StringEquals: { 'aws:username': 'alice' } },
      true,
    ],
    [
      'StringEquals aws:username of someone else',
      userContext,
      { StringEquals: { 'aws:username': 'bob' } },
      false,
    ],
    [
      'StringNotEquals aws:username of someone else',
      userContext,
      { StringNotEquals: { 'aws:username': 'bob' } },
      true,
    ],
    [
      'StringLike aws:PrincipalArn matching the user',
      userContext,
      { StringLike: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:user/a*' } },
      true,
    ],
    [
      'StringEquals aws:PrincipalAccount of another account',
      userContext,
      { StringEquals: { 'aws:PrincipalAccount': '999988887777' } },
      false,
    ],
    [
      'StringEquals aws:PrincipalType AssumedRole for a user',
      userContext,
      { StringEquals: { 'aws:PrincipalType': 'AssumedRole' } },
      false,
    ],
    [
      'StringEquals on a key the export does not tell (aws:SourceIp)',
      userContext,
      { StringEquals: { 'aws:SourceIp': '10.0.0.1' } },
      undefined,
    ],
    [
      'StringEquals aws:username for a role (absent key)',
      roleContext,
      { StringEquals: { 'aws:username': 'alice' } },
      false,
    ],
    [
      'StringEqualsIfExists aws:username for a role (absent key)',
      roleContext,
      { StringEqualsIfExists: { 'aws:username': 'alice' } },
      true,
    ],
    [
      'StringNotEquals aws:username for a role (absent key)',
      roleContext,
      { StringNotEquals: { 'aws:username': 'alice' } },
      true,
    ],
    ['Null aws:username true for a role', roleContext, { Null: { 'aws:username': 'true' } }, true],
    ['Null aws:username true for a user', userContext, { Null: { 'aws:username': 'true' } }, false],
    [
      'ForAnyValue:StringEquals on an absent key',
      roleContext,
      { 'ForAnyValue:StringEquals': { 'aws:username': 'alice' } },
      false,
    ],
    [
      'ForAllValues:StringEquals on an absent key',
      roleContext,
      { 'ForAllValues:StringEquals': { 'aws:username': 'alice' } },
      true,
    ],
    [
      'Null on a key the export does not tell',
      userContext,
      { Null: { 'aws:MultiFactorAuthAge': 'true' } },
      undefined,
    ],
  ])('%s: holds is %j', (_, context, condition, holds) => {
    expect(conditionHolds(condition, context)).toBe(holds);
  });
});

describe('resource patterns that can name a common ARN', () => {
  const policies = 'arn:aws:iam::111122223333:policy/*';
  it.each([
    ['"*" and any scope', '*', policies, true],
    [
      'a customer managed policy prefix of the account',
      'arn:aws:iam::111122223333:policy/team-*',
      policies,
      true,
    ],
    ['AWS managed policies (account "aws")', 'arn:aws:iam::aws:policy/*', policies, false],
    ['the policies of another account', 'arn:aws:iam::999988887777:policy/*', policies, false],
    ['roles instead of policies', 'arn:aws:iam::111122223333:role/*', policies, false],
    ['any account by wildcard', 'arn:aws:iam::*:policy/*', policies, true],
    [
      'one character wildcards on both sides',
      'arn:aws:iam::11112222333?:policy/a',
      'arn:aws:iam::?11122223333:policy/?',
      true,
    ],
    [
      'an exact ARN that differs by one character',
      'arn:aws:iam::111122223333:policy/b',
      'arn:aws:iam::111122223333:policy/a',
      false,
    ],
  ])('%s: %j', (_, pattern, scope, common) => {
    expect(globsIntersect(pattern, scope)).toBe(common);
    expect(globsIntersect(scope, pattern)).toBe(common);
  });
});
