import { RealmDb } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it, onTestFinished } from 'vitest';
import { startFakeIam } from '../testing/fake-iam-server.ts';
import { setupScanner } from '../testing/scanner-test-setup.ts';
import { applySourceSchedules, scheduledScanJob } from './scanner-jobs.ts';

const header =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';
const accessKeyId = 'AKIAFAKEIAMTESTKEY02';

describeEachDatabase('live and scheduled scans', (_kind, newDatabase) => {
  async function setup() {
    const hub = await setupScanner(newDatabase);
    const iam = await startFakeIam({
      accessKeyId,
      credentialReportCsv: [
        header,
        'robot,arn:aws:iam::111122223333:user/robot,2024-01-01T00:00:00Z,false,N/A,N/A,N/A,false,true,2024-01-02T00:00:00Z,2024-03-01T00:00:00Z,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
      ].join('\n'),
      authorizationPages: [
        { UserDetailList: [{ UserName: 'robot', Arn: 'arn:aws:iam::111122223333:user/robot' }] },
      ],
    });
    onTestFinished(() => iam.close());
    const scanner = await hub.scannerOf();
    const source = await scanner.createSource({
      type: 'aws_iam',
      name: 'live account',
      settings: { endpoint: iam.endpoint, region: 'us-east-1' },
      secrets: { accessKeyId, secretAccessKey: 'fake-secret-for-tests' },
    });
    const names = () =>
      new RealmDb(hub.db, hub.hubRealm.id).transaction((tx) => tx.nhi.findMany({ select: { name: true } }));
    return { ...hub, scanner, source, names };
  }

  it('scans a live AWS account with the source’s stored credentials', async () => {
    const { scanner, source, finished, names } = await setup();

    const started = await scanner.startScan({ sourceId: source.id, input: 'aws.live' });
    const scan = await finished(scanner, started.id);

    expect(scan).toMatchObject({ state: 'succeeded', counts: { new: 1 } });
    expect(await names()).toEqual([{ name: 'robot' }]);
  });

  it('starts a scan of the source’s live input when its schedule fires', async () => {
    const { scanner, source, jobs, hubRealm, names } = await setup();

    await jobs.enqueue(scheduledScanJob, { realmId: hubRealm.id, sourceId: source.id });

    await expect
      .poll(() => scanner.listScans(), { timeout: 100_000 })
      .toEqual([
        expect.objectContaining({
          state: 'succeeded',
          input: 'aws.live',
          triggeredBy: { type: 'system', id: 'schedule' },
        }),
      ]);
    expect(await names()).toEqual([{ name: 'robot' }]);
  });

  it('applies each source’s schedule again when the scanner starts, after the job queue lost it (a restored backup)', async () => {
    const { scanner, source, jobs, root } = await setup();
    await scanner.updateSource({ id: source.id, schedule: '0 4 * * *' });
    await jobs.unschedule(scheduledScanJob, source.id);
    expect(await jobs.schedules(scheduledScanJob)).toEqual([]);

    await applySourceSchedules(root);

    expect(await jobs.schedules(scheduledScanJob)).toEqual([
      expect.objectContaining({ key: source.id, cron: '0 4 * * *' }),
    ]);
  });
});
