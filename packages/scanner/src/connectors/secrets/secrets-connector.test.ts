import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import { describe, expect, it, onTestFinished } from 'vitest';
import { exposedRuns } from '../../testing/secret-exposure.ts';
import { sharedFixture, sharedFixturePath, sharedFixturesPresent } from '../../testing/shared-fixtures.ts';
import { maxScannedFileBytes } from './file-sources.ts';
import { readGitleaksReport } from './gitleaks-report.ts';
import { maskSecret } from './mask.ts';
import { scanDirectory, scanUpload } from './secrets-connector.ts';
import { entriesOfZip } from './zip-archive.ts';

const fingerprint = async (secret: string) => createHash('sha256').update(secret).digest('hex');
const signal = new AbortController().signal;
const awsKeyId = 'AKIALALEMEL33243OLIA';

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nhi-secrets-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe.skipIf(!sharedFixturesPresent)('secret scanning: gitleaks and secretlint samples', () => {
  it('finds the AWS key in gitleaks’ main.go at line 20, masked, with its fingerprint', async () => {
    const output = await scanUpload(
      Buffer.from(sharedFixture('secrets/gitleaks-nogit/main.go')),
      'main.go',
      fingerprint,
      signal,
    );

    expect(output.leaks).toEqual([
      {
        rule: 'secretlint/aws',
        file: 'main.go',
        line: 20,
        commit: null,
        maskedMatch: `awsToken := "${maskSecret(awsKeyId)}"`,
        fingerprint: await fingerprint(awsKeyId),
        secretType: 'aws_access_key_id',
        verification: null,
      },
    ]);
    expect(JSON.stringify(output)).not.toContain(awsKeyId);
  });

  it('finds the GitHub fine-grained token', async () => {
    const output = await scanUpload(
      Buffer.from(sharedFixture('secrets/secretlint-github-fine-grained-pat.txt')),
      'pat.txt',
      fingerprint,
      signal,
    );

    expect(output.leaks.map((leak) => [leak.rule, leak.line])).toEqual([['secretlint/github', 1]]);
    expect(output.leaks[0]?.maskedMatch).toMatch(/^gith\*+/);
  });

  it('imports the gitleaks JSON report, showing only the mask when the match does not hold the secret', async () => {
    const output = await readGitleaksReport(
      sharedFixture('secrets/gitleaks-report-json_simple.json'),
      fingerprint,
    );

    expect(output.leaks).toEqual([
      {
        rule: 'gitleaks/test-rule',
        file: 'auth.py',
        line: 1,
        commit: null,
        maskedMatch: maskSecret('a secret'),
        fingerprint: await fingerprint('a secret'),
        secretType: 'api_token',
        verification: null,
      },
    ]);
  });

  it('scans a directory tree, finding what gitleaks finds in it', async () => {
    const output = await scanDirectory(
      sharedFixturePath('secrets/gitleaks-nogit'),
      false,
      fingerprint,
      signal,
    );

    // gitleaks' own test expects the generic-api-key finding in .env.prod at line 4.
    expect(output.leaks.map((leak) => [leak.file, leak.line, leak.rule, leak.secretType])).toEqual([
      ['.env.prod', 4, 'gitleaks/generic-api-key', 'generic'],
      ['main.go', 20, 'secretlint/aws', 'aws_access_key_id'],
    ]);
    expect(output.leaks[0]?.fingerprint).toBe(await fingerprint('8ae31cacf141669ddfb5da'));
    expect(output.leaks[0]?.maskedMatch).toBe(`DB_PASSWORD=${maskSecret('8ae31cacf141669ddfb5da')}`);
  });
});

describe('secret scanning: synthetic inputs', () => {
  const secretLine = `const key = "${'AKIA'}IOSFODNN7EXAMPLQ";`;

  it('scans the files of a .tar.gz upload', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'src/config'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'src/config/aws.js'), `// config\n${secretLine}\n`);
    fs.writeFileSync(path.join(dir, 'README.md'), 'nothing here\n');
    const archive = path.join(dir, 'upload.tgz');
    execFileSync('tar', ['-czf', archive, '-C', dir, 'src', 'README.md']);

    const output = await scanUpload(fs.readFileSync(archive), 'upload.tgz', fingerprint, signal);

    expect(output.leaks.map((leak) => `${leak.file}:${leak.line}`)).toEqual(['src/config/aws.js:2']);
  });

  it('scans the files of a .zip upload, skipping directories and files too large to be code', async () => {
    const zip = Buffer.from(
      zipSync({
        'src/config/aws.js': Buffer.from(`// config\n${secretLine}\n`),
        'README.md': Buffer.from('nothing here\n'),
        'empty/': new Uint8Array(0),
        'dump.sql': new Uint8Array(maxScannedFileBytes + 1).fill(0x20),
      }),
    );

    const output = await scanUpload(zip, 'upload.zip', fingerprint, signal);

    expect(output.leaks.map((leak) => `${leak.file}:${leak.line}`)).toEqual(['src/config/aws.js:2']);
    expect(output.warnings).toEqual([{ item: 'dump.sql', message: expect.stringContaining('larger than') }]);
  });

  it('stops unpacking a zip that expands beyond the limit, whatever sizes its headers claim', () => {
    const zip = Buffer.from(zipSync({ 'zeros.txt': new Uint8Array(8 * 1024 * 1024) }, { level: 9 }));
    // A bomb lies: the local header (offset 22) and the central directory claim 1000 bytes.
    zip.writeUInt32LE(1000, 22);
    zip.writeUInt32LE(1000, zip.lastIndexOf(Buffer.from('PK\x01\x02', 'latin1')) + 24);
    const limits = { totalBytes: 1024 * 1024, entries: 10 };

    expect(() => entriesOfZip(zip, maxScannedFileBytes, [], () => undefined, limits)).toThrow(
      'The zip archive expands to more than 1048576 bytes',
    );
  });

  it('refuses a zip with more entries than the limit', async () => {
    const files = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`f${i}.txt`, Buffer.from('x')]));
    const zip = Buffer.from(zipSync(files));

    expect(() =>
      entriesOfZip(zip, maxScannedFileBytes, [], () => undefined, { totalBytes: 1024, entries: 10 }),
    ).toThrow('The zip archive has more than 10 entries');
    // Within the limits the same archive is read.
    expect(entriesOfZip(zip, maxScannedFileBytes, [], () => undefined)).toHaveLength(11);
  });

  it('finds a secret that is only in git history, with its commit', async () => {
    const dir = tempDir();
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args])
        .toString()
        .trim();
    git('init', '-q');
    fs.writeFileSync(path.join(dir, 'app.js'), `one\ntwo\n${secretLine}\n`);
    git('add', '.');
    git('commit', '-qm', 'add key');
    const leakedIn = git('rev-parse', 'HEAD');
    fs.writeFileSync(path.join(dir, 'app.js'), 'one\ntwo\n');
    git('commit', '-qam', 'remove key');

    const tree = await scanDirectory(dir, false, fingerprint, signal);
    const withHistory = await scanDirectory(dir, true, fingerprint, signal);

    expect(tree.leaks).toEqual([]);
    expect(withHistory.leaks.map((leak) => [leak.file, leak.line, leak.commit])).toEqual([
      ['app.js', 3, leakedIn],
    ]);
  });

  it('reports malformed gitleaks findings and refuses a report that is not an array', async () => {
    const output = await readGitleaksReport(
      JSON.stringify([
        { RuleID: 'x' },
        {
          RuleID: 'aws',
          File: 'a.txt',
          StartLine: 3,
          Secret: 'sup3r-secret-value-123',
          Match: 'k=sup3r-secret-value-123',
        },
      ]),
      fingerprint,
    );

    expect(output.warnings).toEqual([{ item: 'finding 1', message: 'has no Secret or File' }]);
    expect(output.leaks[0]?.maskedMatch).toBe(`k=${maskSecret('sup3r-secret-value-123')}`);
    await expect(readGitleaksReport('{}', fingerprint)).rejects.toThrow(/array of findings/);
  });

  it('finds a kubeconfig client key and the same key in PEM as one secret, giving away none of it', async () => {
    const body = Array.from({ length: 4 }, (_, line) =>
      createHash('sha512').update(`client-key-${line}`).digest('base64').slice(0, 64),
    );
    const key = `-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE${body.join('\n')}\n-----END EC PRIVATE KEY-----\n`;
    const encoded = Buffer.from(key).toString('base64');
    const zip = Buffer.from(
      zipSync({
        '.kube/config': Buffer.from(`users:\n- name: admin\n  user:\n    client-key-data: ${encoded}\n`),
        'keys/admin.pem': Buffer.from(key),
      }),
    );

    const output = await scanUpload(zip, 'upload.zip', fingerprint, signal);

    expect(output.leaks.map((leak) => [leak.file, leak.secretType])).toEqual([
      ['.kube/config', 'private_key'],
      ['keys/admin.pem', 'private_key'],
    ]);
    expect(new Set(output.leaks.map((leak) => leak.fingerprint)).size).toBe(1);
    expect(exposedRuns(output, body.join(''))).toEqual([]);
    expect(exposedRuns(output, encoded)).toEqual([]);
  });

  it('refuses a directory that does not exist', async () => {
    await expect(
      scanDirectory(path.join(os.tmpdir(), 'no-such-dir-nhi'), false, fingerprint, signal),
    ).rejects.toThrow(/not a directory/);
  });
});
