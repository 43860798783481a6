import { describe, expect, it } from 'vitest';
import { sharedFixture, sharedFixturesPresent, whenFixturesPresent } from '../../testing/shared-fixtures.ts';
import { UnreadableInputError } from '../connector.ts';
import { credentialReportStream, readCredentialReport } from './credential-report.ts';

const header =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';

const row = (user: string, cells: string) => `${user},arn:aws:iam::111122223333:user/${user},${cells}`;

describe.skipIf(!sharedFixturesPresent)('credential report: cloudmapper sample', () => {
  const output = whenFixturesPresent(() =>
    readCredentialReport(sharedFixture('aws/cloudmapper-iam-get-credential-report.json')),
  );
  const byName = (name: string) => output.nhis.find((nhi) => nhi.name === name);

  it('reads every user of the plain-CSV Content without warnings', () => {
    expect(output.warnings).toEqual([]);
    expect(output.nhis.map((nhi) => nhi.name)).toEqual(['root account 123456789012', 'auditor_tmp', 'user']);
  });

  it('reports the root account’s active, used access key', () => {
    const root = byName('root account 123456789012');
    expect(root?.credentials).toEqual([
      expect.objectContaining({
        key: 'access_key_1',
        status: 'active',
        lastUsedAt: new Date('2018-11-27T00:02:00Z'),
        lastRotatedAt: new Date('2018-11-23T16:01:14Z'),
      }),
    ]);
    expect(root?.facts.map((fact) => fact.kind)).toEqual(['aws.root_access_key']);
  });

  it('flags auditor_tmp’s key that was never used and classifies it as a machine user', () => {
    const auditor = byName('auditor_tmp');
    expect(auditor?.kind).toBe('service_account');
    expect(auditor?.credentials).toEqual([
      expect.objectContaining({ key: 'access_key_1', lastUsedAt: null }),
    ]);
    expect(auditor?.facts).toEqual([
      expect.objectContaining({ kind: 'credential.never_used', credentialKey: 'access_key_1' }),
    ]);
  });

  it('reports user, whose console password and access key are both used, as a machine identity a person uses', () => {
    const user = byName('user');
    expect(user?.kind).toBe('service_account');
    expect(user?.metadata?.credentialReport).toMatchObject({ classification: 'mixed' });
    expect(user?.credentials?.map((c) => [c.key, c.status])).toEqual([
      ['access_key_1', 'active'],
      ['access_key_2', 'active'],
    ]);
    expect(user?.facts.map((fact) => fact.kind).sort()).toEqual([
      'aws.human_use',
      'aws.multiple_active_keys',
      'credential.never_used',
    ]);
    expect(user?.facts.find((fact) => fact.kind === 'aws.human_use')?.evidence).toEqual({
      keyLastUsed: '2018-05-07T15:35:54.000Z',
      passwordLastUsed: '2018-05-07T15:35:54.000Z',
    });
  });

  it('marks the root account, which is never a machine identity', () => {
    const root = byName('root account 123456789012');
    expect(root?.kind).toBe('other');
    expect(root?.metadata).toMatchObject({
      awsRoot: true,
      credentialReport: { classification: 'root_account' },
    });
  });
});

describe('credential report: who uses a user', () => {
  // password_enabled, password_last_used, mfa_active, key 1 active, key 1 last used
  const cells = (password: string, passwordUsed: string, mfa: string, keyActive: string, keyUsed: string) =>
    `2024-01-01T00:00:00Z,${password},${passwordUsed},N/A,N/A,${mfa},${keyActive},${keyActive === 'true' || keyUsed !== 'N/A' ? '2024-01-02T00:00:00Z' : 'N/A'},${keyUsed},${keyUsed === 'N/A' ? 'N/A' : 'eu-west-1'},${keyUsed === 'N/A' ? 'N/A' : 's3'},false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`;
  const used = '2024-06-01T10:00:00Z';

  it.each([
    [
      'no console password, a used key',
      cells('false', 'N/A', 'false', 'true', used),
      'machine',
      'service_account',
      [],
    ],
    [
      'a console password never used, a used key',
      cells('true', 'no_information', 'false', 'true', used),
      'machine',
      'service_account',
      ['aws.console_password'],
    ],
    [
      'a used console password and a used key',
      cells('true', used, 'false', 'true', used),
      'mixed',
      'service_account',
      ['aws.human_use'],
    ],
    [
      'a used password and a used key that is now inactive',
      cells('true', used, 'true', 'false', used),
      'mixed',
      'service_account',
      ['aws.human_use'],
    ],
    [
      'a console password with MFA and no access key',
      cells('true', used, 'true', 'false', 'N/A'),
      'human',
      'other',
      [],
    ],
    [
      'a used password and an active key never used',
      cells('true', used, 'true', 'true', 'N/A'),
      'human_or_unknown',
      'other',
      ['credential.never_used'],
    ],
  ])('classifies a user with %s as %s', (_, row, classification, kind, facts) => {
    const [user] = readCredentialReport(
      [header, `u,arn:aws:iam::111122223333:user/u,${row}`].join('\n'),
    ).nhis;
    expect(user?.metadata?.credentialReport).toMatchObject({ classification });
    expect(user?.kind).toBe(kind);
    expect(user?.facts.map((fact) => fact.kind).sort()).toEqual(facts);
  });

  it('does not report a disabled key that was never used', () => {
    const disabled =
      '2024-01-01T00:00:00Z,false,N/A,N/A,N/A,false,false,2024-01-02T00:00:00Z,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A';
    const [user] = readCredentialReport(
      [header, `u,arn:aws:iam::111122223333:user/u,${disabled}`].join('\n'),
    ).nhis;
    expect(user?.credentials).toEqual([expect.objectContaining({ key: 'access_key_1', status: 'inactive' })]);
    expect(user?.facts).toEqual([]);
  });
});

describe('credential report: edge cases', () => {
  it('reads the API shape with base64 Content and Z timestamps', () => {
    const csv = [
      header,
      row(
        'ci',
        '2024-01-01T00:00:00Z,false,N/A,N/A,N/A,false,true,2024-01-02T00:00:00Z,2024-06-01T10:00:00Z,eu-west-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
      ),
    ].join('\n');
    const json = JSON.stringify({ Content: Buffer.from(csv).toString('base64'), ReportFormat: 'text/csv' });

    const output = readCredentialReport(json);

    expect(output.nhis[0]).toMatchObject({
      name: 'ci',
      kind: 'service_account',
      lastUsedAt: new Date('2024-06-01T10:00:00Z'),
    });
    expect(output.nhis[0]?.metadata?.credentialReport).toMatchObject({
      keys: [{ slot: 'access_key_1', lastUsedRegion: 'eu-west-1', lastUsedService: 's3', active: true }],
    });
  });

  it('flags a machine user that also has a console password', () => {
    const csv = [
      header,
      row(
        'robot',
        '2024-01-01T00:00:00+00:00,true,no_information,N/A,N/A,false,true,2024-01-02T00:00:00+00:00,2024-06-01T10:00:00+00:00,us-east-1,ec2,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
      ),
    ].join('\n');

    const [robot] = readCredentialReport(csv).nhis;

    expect(robot?.kind).toBe('service_account');
    expect(robot?.facts.map((fact) => fact.kind)).toEqual(['aws.console_password']);
  });

  it('reports malformed rows as warnings and keeps reading', () => {
    const csv = [
      header,
      'short,row',
      row(
        'bad-date',
        'yesterday,false,N/A,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
      ),
      row(
        'good',
        '2024-01-01T00:00:00Z,false,N/A,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
      ),
    ].join('\n');

    const output = readCredentialReport(csv);

    expect(output.nhis.map((nhi) => nhi.name)).toEqual(['good']);
    expect(output.warnings).toEqual([
      { item: 'row 2', message: 'has 2 columns, the header 22' },
      { item: 'row 3 (bad-date)', message: 'not a timestamp: "yesterday"' },
    ]);
  });

  it('refuses a file that is not a credential report', () => {
    expect(() => readCredentialReport('name,email\na,b')).toThrow(UnreadableInputError);
    expect(() => readCredentialReport('{"foo": 1}')).toThrow(/no Content/);
  });

  it('reads an empty report (header only) as no identities', () => {
    expect(readCredentialReport(header)).toMatchObject({ nhis: [], warnings: [] });
  });
});

describe('credential report: identities made as they are taken', () => {
  const unused = (user: string) =>
    row(
      user,
      '2024-01-01T00:00:00Z,false,N/A,N/A,N/A,false,true,2024-01-02T00:00:00Z,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
    );
  const csv = [header, unused('first'), unused('second'), 'short,row', unused('last')].join('\n');

  it('refuses a file that is no credential report before any identity is taken', () => {
    expect(() => credentialReportStream('name,value\nci,1')).toThrow(UnreadableInputError);
  });

  it('makes a row an identity only when it is taken, and warns of a bad row when the reading reaches it', () => {
    const stream = credentialReportStream(csv);
    const identities = stream.identities[Symbol.iterator]();

    expect(stream.expected).toBe(4);
    expect(identities.next().value?.name).toBe('first');
    expect(identities.next().value?.name).toBe('second');
    expect(stream.output.warnings).toEqual([]);
    expect(identities.next().value?.name).toBe('last');
    expect(stream.output.warnings).toEqual([{ item: 'row 4', message: 'has 2 columns, the header 22' }]);
    expect(identities.next().done).toBe(true);
    expect(stream.output.nhis).toEqual([]);
  });

  it('takes the same identities and warnings as reading the whole report', () => {
    const stream = credentialReportStream(csv);
    const taken = [...stream.identities];

    expect({ ...stream.output, nhis: taken }).toEqual(readCredentialReport(csv));
  });
});
