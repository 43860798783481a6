import { randomInt } from 'node:crypto';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it, onTestFinished } from 'vitest';
import { startFakeGitHubUser, startFakeSlack } from '../../../testing/fake-verification-servers.ts';
import { setupScanner } from '../../../testing/scanner-test-setup.ts';
import { exposedRuns } from '../../../testing/secret-exposure.ts';

const alnum = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const random = (length: number, alphabet = alnum) =>
  Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');

describeEachDatabase('scans that verify found secrets', (_kind, newDatabase) => {
  it('records each leak’s verification and the scan’s count of calls, and nothing of the secrets', async () => {
    const hub = await setupScanner(newDatabase);
    const scanner = await hub.scannerOf();
    const live = `ghp_${random(36)}`;
    const revoked = `xoxb-${random(12, '0123456789')}-${random(13, '0123456789')}-${random(24)}`;
    const github = await startFakeGitHubUser({ tokens: [live] });
    const slack = await startFakeSlack({ tokens: [] });
    onTestFinished(async () => {
      await github.close();
      await slack.close();
    });
    const source = await scanner.createSource({
      type: 'secrets',
      name: 'repos',
      settings: { verify: true, verifyEndpoints: `github=${github.baseUrl}, slack=${slack.baseUrl}` },
    });

    const started = await scanner.startScan({
      sourceId: source.id,
      input: 'secrets.files',
      upload: {
        name: 'ci.env',
        contentBase64: Buffer.from(`GITHUB_TOKEN=${live}\nSLACK_TOKEN=${revoked}\n`).toString('base64'),
      },
    });
    const scan = await hub.finished(scanner, started.id);
    const leaks = await scanner.listLeaks();

    expect(scan).toMatchObject({ state: 'succeeded', counts: { leaks: 2 } });
    expect(scan.warnings).toEqual([
      {
        item: 'secret verification',
        message: 'verified 2 secrets: 1 live, 1 invalid; github 1 (1 live), slack 1 (1 invalid)',
      },
    ]);
    expect(leaks.map((leak) => [leak.secretType, leak.verification]).sort()).toEqual([
      ['github_token', 'live'],
      ['slack_token', 'invalid'],
    ]);
    expect(github.requests).toHaveLength(1);
    expect(slack.requests).toHaveLength(1);
    for (const secret of [live, revoked]) expect(exposedRuns({ scan, leaks }, secret)).toEqual([]);
  });
});
