import { RealmDb } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it, onTestFinished } from 'vitest';
import { memberIam } from '../testing/aws-organization-fixture.ts';
import { type FakeOrganization, startFakeAwsOrganization } from '../testing/fake-aws-organization-server.ts';
import { setupScanner } from '../testing/scanner-test-setup.ts';

const accessKeyId = 'AKIAMANAGEMENTKEY002';
const externalId = 'Zq8Rt2Lm5Wx9Kp3';

describeEachDatabase('AWS organization scans', (_kind, newDatabase) => {
  async function setup() {
    const hub = await setupScanner(newDatabase);
    const organization: FakeOrganization = {
      accessKeyId,
      managementAccountId: '111111111111',
      rootId: 'r-root',
      externalId,
      accounts: [
        { id: '111111111111', name: 'management', parent: 'r-root', iam: memberIam('111111111111') },
        { id: '222222222222', name: 'production', parent: 'r-root', iam: memberIam('222222222222') },
        {
          id: '333333333333',
          name: 'staging',
          parent: 'r-root',
          iam: memberIam('333333333333'),
          refusesAssumeRole: true,
        },
      ],
    };
    const aws = await startFakeAwsOrganization(organization);
    onTestFinished(() => aws.close());
    const scanner = await hub.scannerOf();
    const source = await scanner.createSource({
      type: 'aws_iam',
      name: 'organization',
      settings: {
        endpoint: aws.endpoint,
        region: 'us-east-1',
        roleName: 'NhiHubReadOnly',
        accessAdvisor: 'false',
      },
      secrets: { accessKeyId, secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY', externalId },
    });
    const staging = organization.accounts[2] as FakeOrganization['accounts'][number];
    const scan = async () => {
      const started = await scanner.startScan({ sourceId: source.id, input: 'aws.organization' });
      return hub.finished(scanner, started.id);
    };
    /** Each identity of the source by external id, and whether the source's last word is "missing". */
    const inventory = () =>
      new RealmDb(hub.db, hub.hubRealm.id).transaction(async (tx) => {
        const rows = await tx.sourceItem.findMany({
          where: { sourceId: source.id },
          select: { missing: true, nhi: { select: { externalId: true } } },
        });
        return rows.map((row) => [row.nhi.externalId, row.missing] as const).sort();
      });
    return { scan, staging, inventory };
  }

  it('keeps a refusing account’s identities, and adds them once when the account is read again', async () => {
    const { scan, staging, inventory } = await setup();

    const first = await scan();
    staging.refusesAssumeRole = false;
    const second = await scan();
    staging.refusesAssumeRole = true;
    const third = await scan();

    expect(first).toMatchObject({ state: 'succeeded', counts: { new: 4, missing: 0 } });
    expect(first.warnings).toEqual([
      expect.objectContaining({
        item: 'account 333333333333 (staging)',
        message: expect.stringMatching(/not authorized to perform: sts:AssumeRole/),
      }),
    ]);
    expect(second).toMatchObject({ state: 'succeeded', counts: { new: 2, missing: 0 }, warnings: [] });
    expect(third).toMatchObject({ state: 'succeeded', counts: { new: 0, missing: 0 } });
    expect(await inventory()).toEqual([
      ['arn:aws:iam::111111111111:role/app', false],
      ['arn:aws:iam::111111111111:user/deployer', false],
      ['arn:aws:iam::222222222222:role/app', false],
      ['arn:aws:iam::222222222222:user/deployer', false],
      ['arn:aws:iam::333333333333:role/app', false],
      ['arn:aws:iam::333333333333:user/deployer', false],
    ]);
  });

  it('marks an account’s identities missing once the organization no longer lists it as active', async () => {
    const { scan, staging, inventory } = await setup();
    staging.refusesAssumeRole = false;
    await scan();

    staging.state = 'SUSPENDED';
    const after = await scan();

    expect(after).toMatchObject({ state: 'succeeded', counts: { missing: 2 } });
    expect((await inventory()).filter(([, missing]) => missing).map(([arn]) => arn)).toEqual([
      'arn:aws:iam::333333333333:role/app',
      'arn:aws:iam::333333333333:user/deployer',
    ]);
  });
});
