import { describe, expect, it } from 'vitest';
import { sharedFixture, sharedFixturesPresent, whenFixturesPresent } from '../../testing/shared-fixtures.ts';
import { UnreadableInputError } from '../connector.ts';
import { readAuthorizationDetails } from './authorization-details.ts';

const kindsOf = (nhi: { facts: { kind: string }[] } | undefined) =>
  [...new Set(nhi?.facts.map((f) => f.kind))].sort();

describe.skipIf(!sharedFixturesPresent)('authorization details: cloudsplaining sample', () => {
  const output = whenFixturesPresent(() =>
    readAuthorizationDetails(sharedFixture('aws/cloudsplaining-example-authz-details.json')),
  );
  const byName = (name: string) => output.nhis.find((nhi) => nhi.name === name);

  it('reads users and roles as identities', () => {
    expect(output.warnings).toEqual([]);
    expect(output.nhis.map((nhi) => [nhi.name, nhi.kind])).toEqual([
      ['obama', 'service_account'],
      ['userwithlotsofpermissions', 'service_account'],
      ['biden', 'service_account'],
      ['MyRole', 'workload_identity'],
      ['MyOtherRole', 'workload_identity'],
      ['OverprivilegedEC2', 'workload_identity'],
    ]);
  });

  it('flags the member of the admin group as admin through the group', () => {
    const member = byName('userwithlotsofpermissions');
    expect(kindsOf(member)).toContain('aws.admin_policy');
    expect(member?.facts.find((f) => f.kind === 'aws.admin_policy')?.subject).toBe(
      'arn:aws:iam::012345678901:user/userwithlotsofpermissions|group admin: managed arn:aws:iam::aws:policy/AdministratorAccess',
    );
    expect(member?.permissions).toContainEqual(
      expect.objectContaining({
        via: 'group admin: managed arn:aws:iam::aws:policy/AdministratorAccess',
        actions: ['*'],
      }),
    );
  });

  it('flags iam:PassRole on any resource as privilege escalation', () => {
    const role = byName('MyRole');
    const escalation = role?.facts.find((f) => f.kind === 'aws.privilege_escalation');
    expect(escalation?.evidence.actions).toEqual(['iam:PassRole']);
    expect(kindsOf(role)).toContain('aws.wildcard_resource');
  });

  it('does not flag biden, who writes objects on any bucket but is no admin, as admin', () => {
    expect(kindsOf(byName('biden'))).toContain('aws.wildcard_resource');
    expect(kindsOf(byName('biden'))).not.toContain('aws.admin_policy');
    expect(kindsOf(byName('obama'))).toContain('aws.admin_policy');
  });
});

describe.skipIf(!sharedFixturesPresent)('authorization details: cloudmapper sample', () => {
  const output = whenFixturesPresent(() =>
    readAuthorizationDetails(sharedFixture('aws/cloudmapper-iam-get-account-authorization-details.json')),
  );

  it('flags bad_role, whose trust policy lets any AWS principal assume it', () => {
    const bad = output.nhis.find((nhi) => nhi.name === 'bad_role');
    expect(kindsOf(bad)).toContain('aws.trust_open_to_any');
    const others = output.nhis.filter((nhi) => nhi.name !== 'bad_role');
    expect(others.flatMap((nhi) => nhi.facts).filter((f) => f.kind === 'aws.trust_open_to_any')).toEqual([]);
  });
});

describe('authorization details: edge cases', () => {
  it('flags a cross-account trust without sts:ExternalId, and not one with it', () => {
    const role = (name: string, condition?: unknown) => ({
      RoleName: name,
      Arn: `arn:aws:iam::111122223333:role/${name}`,
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: 'arn:aws:iam::999988887777:root' },
            Action: 'sts:AssumeRole',
            Condition: condition,
          },
        ],
      },
    });
    const output = readAuthorizationDetails({
      RoleDetailList: [role('vendor'), role('vendor-safe', { StringEquals: { 'sts:ExternalId': 'x' } })],
    });

    expect(kindsOf(output.nhis[0])).toEqual(['aws.trust_external_without_external_id']);
    expect(kindsOf(output.nhis[1])).toEqual([]);
  });

  it('flags NotAction and reads URL-encoded policy documents as the live API returns them', () => {
    const document = encodeURIComponent(
      JSON.stringify({ Statement: [{ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }] }),
    );
    const output = readAuthorizationDetails({
      UserDetailList: [
        {
          UserName: 'u',
          Arn: 'arn:aws:iam::111122223333:user/u',
          UserPolicyList: [{ PolicyName: 'p', PolicyDocument: document }],
        },
      ],
    });

    expect(kindsOf(output.nhis[0])).toEqual(['aws.not_action']);
  });

  it('reports a principal with a broken policy as a warning and reads the others', () => {
    const output = readAuthorizationDetails({
      UserDetailList: [
        {
          UserName: 'broken',
          Arn: 'arn:aws:iam::111122223333:user/broken',
          UserPolicyList: [{ PolicyName: 'p', PolicyDocument: '{not json' }],
        },
        { UserName: 'fine', Arn: 'arn:aws:iam::111122223333:user/fine' },
      ],
    });

    expect(output.nhis.map((nhi) => nhi.name)).toEqual(['fine']);
    expect(output.warnings).toEqual([
      { item: 'UserDetailList[0] (broken)', message: expect.stringContaining('JSON') },
    ]);
  });

  it('refuses JSON that is not an authorization export', () => {
    expect(() => readAuthorizationDetails('{"Users": []}')).toThrow(UnreadableInputError);
  });
});
