import { beforeAll, describe, expect, it } from 'vitest';
import { sharedFixture, sharedFixturesPresent } from '../../testing/shared-fixtures.ts';
import { type ConnectorOutput, UnreadableInputError } from '../connector.ts';
import { readAuthorizationDetails } from './authorization-details.ts';

const kindsOf = (nhi: { facts: { kind: string }[] } | undefined) =>
  [...new Set(nhi?.facts.map((f) => f.kind))].sort();

describe.skipIf(!sharedFixturesPresent)('authorization details: cloudsplaining sample', () => {
  let output: ConnectorOutput;
  beforeAll(async () => {
    output = await readAuthorizationDetails(sharedFixture('aws/cloudsplaining-example-authz-details.json'));
  });
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

  it('flags iam:PassRole on any role with ec2:AssociateIamInstanceProfile as an escalation path', () => {
    const role = byName('MyRole');
    const escalation = role?.facts.find((f) => f.kind === 'aws.privilege_escalation');
    expect(escalation?.subject).toBe(
      'arn:aws:iam::012345678901:role/MyRole|ec2-associate-instance-profile-pass-role',
    );
    expect(escalation?.evidence.actions).toEqual({
      'iam:PassRole': ['inline EC2-IAM-example'],
      'ec2:AssociateIamInstanceProfile': ['inline EC2-IAM-example'],
    });
    expect(kindsOf(role)).toContain('aws.wildcard_resource');
  });

  it('lists each principal with the facts it has', () => {
    expect(Object.fromEntries(output.nhis.map((nhi) => [nhi.name, kindsOf(nhi)]))).toEqual({
      obama: ['aws.admin_policy'],
      userwithlotsofpermissions: ['aws.admin_policy', 'aws.wildcard_resource'],
      biden: ['aws.privilege_escalation', 'aws.wildcard_action', 'aws.wildcard_resource'],
      MyRole: ['aws.privilege_escalation', 'aws.wildcard_resource'],
      MyOtherRole: ['aws.privilege_escalation', 'aws.wildcard_resource'],
      OverprivilegedEC2: ['aws.privilege_escalation', 'aws.wildcard_resource'],
    });
  });

  it('does not flag biden, who writes objects on any bucket but is no admin, as admin', () => {
    expect(kindsOf(byName('biden'))).toContain('aws.wildcard_resource');
    expect(kindsOf(byName('biden'))).not.toContain('aws.admin_policy');
    expect(kindsOf(byName('obama'))).toContain('aws.admin_policy');
  });
});

describe.skipIf(!sharedFixturesPresent)('authorization details: cloudmapper sample', () => {
  let output: ConnectorOutput;
  beforeAll(async () => {
    output = await readAuthorizationDetails(
      sharedFixture('aws/cloudmapper-iam-get-account-authorization-details.json'),
    );
  });

  it('flags bad_role, whose trust policy lets any AWS principal assume it', () => {
    const bad = output.nhis.find((nhi) => nhi.name === 'bad_role');
    expect(kindsOf(bad)).toContain('aws.trust_open_to_any');
    const others = output.nhis.filter((nhi) => nhi.name !== 'bad_role');
    expect(others.flatMap((nhi) => nhi.facts).filter((f) => f.kind === 'aws.trust_open_to_any')).toEqual([]);
  });
});

describe('authorization details: edge cases', () => {
  it('flags a cross-account trust without sts:ExternalId, and not one with it', async () => {
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
    const output = await readAuthorizationDetails({
      RoleDetailList: [role('vendor'), role('vendor-safe', { StringEquals: { 'sts:ExternalId': 'x' } })],
    });

    expect(kindsOf(output.nhis[0])).toEqual(['aws.trust_external_without_external_id']);
    expect(kindsOf(output.nhis[1])).toEqual([]);
  });

  it('flags NotAction and reads URL-encoded policy documents as the live API returns them', async () => {
    const document = encodeURIComponent(
      JSON.stringify({ Statement: [{ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }] }),
    );
    const output = await readAuthorizationDetails({
      UserDetailList: [
        {
          UserName: 'u',
          Arn: 'arn:aws:iam::111122223333:user/u',
          UserPolicyList: [{ PolicyName: 'p', PolicyDocument: document }],
        },
      ],
      RoleDetailList: [
        {
          RoleName: 'instance-admin',
          Arn: 'arn:aws:iam::111122223333:role/instance-admin',
          AssumeRolePolicyDocument: {
            Statement: [
              { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
            ],
          },
          RolePolicyList: [
            {
              PolicyName: 'all',
              PolicyDocument: { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
            },
          ],
        },
      ],
    });

    // Everything but IAM on "*" also writes on any resource and opens the paths that need no IAM action
    // (a shell on instances, which may run as the account's instance-admin role).
    expect(kindsOf(output.nhis[0])).toEqual([
      'aws.not_action',
      'aws.privilege_escalation',
      'aws.wildcard_resource',
    ]);
  });

  it('reports a principal with a broken policy as a warning and reads the others', async () => {
    const output = await readAuthorizationDetails({
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

  it('refuses JSON that is not an authorization export', async () => {
    await expect(readAuthorizationDetails('{"Users": []}')).rejects.toThrow(UnreadableInputError);
  });
});
