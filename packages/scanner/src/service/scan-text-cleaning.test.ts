import { RealmDb } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { setupScanner } from '../testing/scanner-test-setup.ts';

const header =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';
const machine = (name: string, rotated = '2024-01-02T00:00:00+00:00') =>
  `${name},arn:aws:iam::111122223333:user/${name},2024-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,${rotated},2024-06-01T10:00:00+00:00,us-\u0000east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`;

describeEachDatabase('scans of provider data with text the database cannot store', (_kind, newDatabase) => {
  it('stores the identities with NUL removed and a date out of range as unknown, instead of failing the scan', async () => {
    const hub = await setupScanner(newDatabase);
    const scanner = await hub.scannerOf();
    const source = await scanner.createSource({ type: 'aws_iam', name: 'prod', environment: 'production' });
    const content = [header, machine('ci\u0000bot'), machine('deployer', '0000-01-01T00:00:00+00:00')].join(
      '\n',
    );

    const started = await scanner.startScan({
      sourceId: source.id,
      input: 'aws.credential_report',
      upload: { name: 'credential-report.csv', contentBase64: Buffer.from(content).toString('base64') },
    });
    const scan = await hub.finished(scanner, started.id);

    expect(scan).toMatchObject({ state: 'succeeded', counts: { new: 2 } });
    const stored = await new RealmDb(hub.db, hub.hubRealm.id).transaction((tx) =>
      tx.nhi.findMany({
        select: { name: true, externalId: true, credentials: { select: { lastRotatedAt: true } } },
        orderBy: { name: 'asc' },
      }),
    );
    expect(stored).toEqual([
      {
        name: 'cibot',
        externalId: 'arn:aws:iam::111122223333:user/cibot',
        credentials: [{ lastRotatedAt: new Date('2024-01-02T00:00:00Z') }],
      },
      {
        name: 'deployer',
        externalId: 'arn:aws:iam::111122223333:user/deployer',
        credentials: [{ lastRotatedAt: null }],
      },
    ]);
  });
});
