import { JOB_QUEUE, JobQueue, LOGGER, SecretFingerprints } from '@nhi/platform';
import { describeEachDatabase, type NewTestDatabase } from '@nhi/platform/testing';
import { registerScannerJobs, type ScanInput, ScannerService } from '@nhi/scanner';
import { sharedFixture, sharedFixturesPresent } from '@nhi/scanner/testing';
import { expect, it, onTestFinished } from 'vitest';
import { setupAlerts } from '../testing/alert-test-setup.ts';

/**
 * The rules on third-party samples (../shared/fixtures beside the repository), after real scans
 * through the scanner's jobs: what a user sees after uploading these exports.
 */
async function setup(newDatabase: NewTestDatabase) {
  const w = await setupAlerts(newDatabase);
  const jobs = new JobQueue(w.db.jobStore, w.root.resolve(LOGGER), { pollingIntervalSeconds: 0.5 });
  await jobs.start();
  onTestFinished(() => jobs.stop());
  w.root.register(JOB_QUEUE, { useValue: jobs });
  await registerScannerJobs(w.root, {});
  const scanner = (await w.scopeOf(w.ana)).resolve(ScannerService);

  async function scan(sourceId: string, input: ScanInput, file: string, name = file.split('/').at(-1)) {
    const upload = { name: name ?? file, contentBase64: Buffer.from(sharedFixture(file)).toString('base64') };
    const started = await scanner.startScan({ sourceId, input, upload });
    const deadline = Date.now() + 100_000;
    while (Date.now() < deadline) {
      const current = await scanner.getScan(started.id);
      if (['succeeded', 'failed', 'cancelled'].includes(current.state)) return current;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`scan of ${file} did not finish`);
  }
  return { ...w, scanner, scan };
}

describeEachDatabase('Alert rules on the shared samples after a scan', (_kind, newDatabase) => {
  it.skipIf(!sharedFixturesPresent)(
    'flags the never-used key, the admin group member, the open trust policy and the leaked AWS key',
    async () => {
      const t = await setup(newDatabase);
      // One source per sample: a scan reconciles its source, and these are different accounts.
      for (const [input, file] of [
        ['aws.credential_report', 'aws/cloudmapper-iam-get-credential-report.json'],
        ['aws.authorization_details', 'aws/cloudsplaining-example-authz-details.json'],
        ['aws.authorization_details', 'aws/cloudmapper-iam-get-account-authorization-details.json'],
      ] as const) {
        const aws = await t.scanner.createSource({ type: 'aws_iam', name: file });
        expect(await t.scan(aws.id, input, file)).toMatchObject({ state: 'succeeded' });
      }
      const repos = await t.scanner.createSource({ type: 'secrets', name: 'repositories' });
      // The key committed in the gitleaks sample, as the inventory knows it: only its fingerprint.
      const source = sharedFixture('secrets/gitleaks-nogit/main.go');
      const leakedKey = source.match(/AKIA[0-9A-Z]{16}/)?.[0] ?? '';
      const fingerprint = await t.root.resolve(SecretFingerprints).fingerprint(leakedKey);
      const ci = await t.nhi({ ownerUserId: t.eve.id });
      const key = await t.credential(ci.id, { fingerprint });
      expect(await t.scan(repos.id, 'secrets.files', 'secrets/gitleaks-nogit/main.go')).toMatchObject({
        state: 'succeeded',
        counts: { leaks: 1 },
      });

      await t.evaluate();

      const named = await t.realmDb.transaction((tx) =>
        tx.nhi.findMany({ select: { id: true, name: true } }),
      );
      const idOf = (name: string) => named.find((n) => n.name === name)?.id ?? `missing ${name}`;
      expect(await t.rulesFiring({ nhiId: idOf('auditor_tmp') })).toContain('nhi1.never_used');
      expect(await t.rulesFiring({ nhiId: idOf('userwithlotsofpermissions') })).toContain('nhi5.admin');
      expect(await t.rulesFiring({ nhiId: idOf('bad_role') })).toContain('nhi3.trust_open_to_any');
      expect(await t.rulesFiring({ credentialId: key.id })).toContain('nhi2.leaked_secret');
      // The biden user writes objects anywhere but is no admin: the samples' own negative case.
      expect(await t.rulesFiring({ nhiId: idOf('biden') })).not.toContain('nhi5.admin');
    },
  );
});
