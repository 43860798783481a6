import { describeEachDatabase } from '@nhi/platform/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { ScanProgress, ScanView } from '../api/scanner.schema.ts';
import { readAwsOrganization } from '../connectors/aws/aws-organization.ts';
import { memberIam } from '../testing/aws-organization-fixture.ts';
import { type FakeOrganization, startFakeAwsOrganization } from '../testing/fake-aws-organization-server.ts';
import { setupScanner } from '../testing/scanner-test-setup.ts';

const accessKeyId = 'AKIAMANAGEMENTKEY003';
const externalId = 'Wm4Tz8Qa1Ls6Nd2';

describeEachDatabase('AWS organization scan progress', (_kind, newDatabase) => {
  /** An organization of four accounts: staging refuses the role, audit answers only when released. */
  async function setup() {
    const hub = await setupScanner(newDatabase);
    const account = (
      id: string,
      name: string,
      extra: Partial<FakeOrganization['accounts'][number]> = {},
    ) => ({
      id,
      name,
      parent: 'r-root',
      iam: memberIam(id),
      ...extra,
    });
    const aws = await startFakeAwsOrganization({
      accessKeyId,
      managementAccountId: '111111111111',
      rootId: 'r-root',
      externalId,
      accounts: [
        account('111111111111', 'management'),
        account('222222222222', 'production'),
        account('333333333333', 'staging', { refusesAssumeRole: true }),
        account('444444444444', 'audit'),
      ],
    });
    onTestFinished(() => aws.close());
    const release = aws.hold('444444444444');
    onTestFinished(release);
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
    const started = await scanner.startScan({ sourceId: source.id, input: 'aws.organization' });
    /** The scan as its page reads it, once it says what `until` waits for. */
    const observe = async (until: (scan: ScanView) => boolean) => {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const scan = await scanner.getScan(started.id);
        if (until(scan)) return scan;
        if (Date.now() > deadline) throw new Error(`the scan never got there: ${JSON.stringify(scan)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    return { release, observe, finished: () => hub.finished(scanner, started.id) };
  }

  it('shows the accounts done, those refused and the one still read while the scan runs, then all done', async () => {
    const { release, observe, finished } = await setup();

    const midway = await observe((scan) => (scan.progress?.done ?? 0) >= 3);
    release();
    const done = await finished();

    expect(midway).toMatchObject({
      state: 'running',
      phase: 'reading',
      progress: {
        unit: 'accounts',
        total: 4,
        done: 3,
        failed: ['staging (333333333333)'],
        reading: ['audit (444444444444)'],
      },
    });
    expect(done).toMatchObject({
      state: 'succeeded',
      counts: { new: 6 },
      progress: { unit: 'accounts', total: 4, done: 4, failed: ['staging (333333333333)'], reading: [] },
    });
  });
});

describe('AWS organization reading progress', () => {
  it('is told once when reading starts and once as each account ends, never per request', async () => {
    const aws = await startFakeAwsOrganization({
      accessKeyId,
      managementAccountId: '111111111111',
      rootId: 'r-root',
      accounts: ['111111111111', '222222222222', '333333333333'].map((id, index) => ({
        id,
        name: `account-${index + 1}`,
        parent: 'r-root',
        iam: memberIam(id),
        refusesAssumeRole: index === 2,
      })),
    });
    onTestFinished(() => aws.close());
    const reports: ScanProgress[] = [];

    await readAwsOrganization({
      settings: {
        endpoint: aws.endpoint,
        roleName: 'NhiHubReadOnly',
        accessAdvisor: 'false',
        concurrency: 2,
      },
      secrets: { accessKeyId, secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY' },
      fingerprint: async (secret) => secret.length.toString(),
      signal: new AbortController().signal,
      uploadName: null,
      progress: (progress) => reports.push(progress),
    });

    expect(reports.map(({ done, reading }) => [done, reading.length])).toEqual([
      [0, 2],
      [1, 2],
      [2, 1],
      [3, 0],
    ]);
    expect(reports.at(-1)).toEqual({
      unit: 'accounts',
      total: 3,
      done: 3,
      failed: ['account-3 (333333333333)'],
      reading: [],
    });
  });
});
