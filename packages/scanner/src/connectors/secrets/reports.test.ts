import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exposedRuns } from '../../testing/secret-exposure.ts';
import { UnreadableInputError } from '../connector.ts';
import { readDetectSecretsBaseline } from './detect-secrets-baseline.ts';
import { readGitleaksReport } from './gitleaks-report.ts';
import { maskedMatch, maskSecret } from './mask.ts';
import { fakeSecrets } from './testdata/fake-secrets.ts';
import { readTrufflehogReport } from './trufflehog-report.ts';

const fingerprint = async (secret: string) => createHash('sha256').update(secret).digest('hex');
/** Report samples in each tool's documented format (testdata/README.md). */
const sample = (name: string) => fs.readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8');
const fake = fakeSecrets(23);

describe('gitleaks reports: JSON, CSV and SARIF, told apart by their first character', () => {
  it('imports the CSV report gitleaks writes', async () => {
    const output = await readGitleaksReport(sample('gitleaks-report.csv'), fingerprint);

    expect(output).toEqual({
      nhis: [],
      looseFacts: [],
      warnings: [],
      read: { count: 1, unit: 'findings' },
      leaks: [
        {
          rule: 'gitleaks/generic-api-key',
          file: 'deploy/settings.py',
          line: 12,
          commit: '3f1c2d4e5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d',
          maskedMatch: maskedMatch('API_KEY = "q8Zr2VwX9mKp4LtN6sYb"', 'q8Zr2VwX9mKp4LtN6sYb'),
          fingerprint: await fingerprint('q8Zr2VwX9mKp4LtN6sYb'),
          secretType: 'generic',
          verification: null,
        },
      ],
    });
  });

  it('imports the SARIF report gitleaks writes, the secret taken from the snippet', async () => {
    const output = await readGitleaksReport(sample('gitleaks-report.sarif'), fingerprint);

    expect(output.leaks).toEqual([
      {
        rule: 'gitleaks/aws-access-token',
        file: 'ci/release.sh',
        line: 4,
        commit: '9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c',
        maskedMatch: maskSecret('AKIAQ3EGRU7XW5NVTZ4K'),
        fingerprint: await fingerprint('AKIAQ3EGRU7XW5NVTZ4K'),
        secretType: 'aws_access_key_id',
        verification: null,
      },
    ]);
  });

  it('keeps nothing of the secrets of any format beyond their masks', async () => {
    const secret = `ghp_${fake.alnum(36)}`;
    const commit = 'f'.repeat(40);
    const json = JSON.stringify([
      {
        RuleID: 'github-pat',
        File: 'ci.yml',
        StartLine: 3,
        Commit: commit,
        Secret: secret,
        Match: `token: ${secret}`,
      },
    ]);
    const csv = `RuleID,Commit,File,SymlinkFile,Secret,Match,StartLine,EndLine,StartColumn,EndColumn,Author,Message,Date,Email,Fingerprint,Tags\ngithub-pat,${commit},ci.yml,,${secret},"token: ${secret}",3,3,8,47,a,m,d,e,f,\n`;
    const sarif = sample('gitleaks-report.sarif')
      .replace('"AKIAQ3EGRU7XW5NVTZ4K"', JSON.stringify(secret))
      .replace('"ruleId": "aws-access-token"', '"ruleId": "github-pat"');

    for (const report of [json, csv, sarif]) {
      const output = await readGitleaksReport(report, fingerprint);

      expect(output.leaks[0]?.fingerprint).toBe(await fingerprint(secret));
      expect(output.leaks[0]?.secretType).toBe('github_token');
      expect(exposedRuns(output, secret.slice(4))).toEqual([]);
    }
  });

  it('warns of redacted findings, which cannot be fingerprinted, and keeps the others', async () => {
    const output = await readGitleaksReport(
      JSON.stringify([
        { RuleID: 'aws-access-token', File: 'a.txt', Secret: 'REDACTED', Match: 'key=REDACTED' },
        { RuleID: 'aws-access-token', File: 'b.txt', Secret: 'AKIA...', Match: 'key=AKIA...' },
        { RuleID: 'generic-api-key', File: 'c.txt', Secret: 'k3y-v4lue-9000', Match: 'x=k3y-v4lue-9000' },
      ]),
      fingerprint,
    );

    expect(output.warnings.map((warning) => warning.item)).toEqual(['finding 1', 'finding 2']);
    expect(output.leaks.map((leak) => leak.file)).toEqual(['c.txt']);
  });

  it('reads an empty CSV report (gitleaks found nothing) as no leaks', async () => {
    expect((await readGitleaksReport('', fingerprint)).leaks).toEqual([]);
  });

  it.each([
    [
      'JSON that does not parse, without quoting it',
      `[{"Secret": "${fake.alnum(30)}"`,
      /^The gitleaks report is not JSON$/,
    ],
    ['an object that is not SARIF', '{"findings": []}', /SARIF report has runs/],
    ['CSV without gitleaks’ header', 'a,b,c\n1,2,3\n', /header RuleID/],
    [
      'CSV that does not parse, without quoting it',
      `RuleID,Secret\n"x,"${fake.alnum(20)}\n`,
      /cannot be read \(CSV_/,
    ],
  ])('refuses %s', async (_name, input, message) => {
    const refused = readGitleaksReport(input, fingerprint);

    await expect(refused).rejects.toBeInstanceOf(UnreadableInputError);
    await expect(refused).rejects.toThrow(message);
  });
});

describe('trufflehog JSON output', () => {
  it('imports each finding, verified ones as live, the secret decoded from Raw and dropped', async () => {
    const output = await readTrufflehogReport(sample('trufflehog.jsonl'), fingerprint);

    expect(output.warnings).toEqual([]);
    expect(output.leaks).toEqual([
      {
        rule: 'trufflehog/AWS',
        file: 'infra/keys.env',
        line: 4,
        commit: '5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d',
        maskedMatch: maskSecret('AKIAZ7LQ4MXV2WPRH3TN'),
        fingerprint: await fingerprint('AKIAZ7LQ4MXV2WPRH3TN'),
        secretType: 'aws_access_key_id',
        verification: 'live',
      },
      {
        rule: 'trufflehog/URI',
        file: 'docs/mirror.md',
        line: 3,
        commit: '0a1b2c3d4e5f60718293a4b5c6d7e8f901234567',
        maskedMatch: maskSecret('https://deploy:Vq7mZ2xR9pLw@mirror.example.com/artifacts'),
        fingerprint: await fingerprint('https://deploy:Vq7mZ2xR9pLw@mirror.example.com/artifacts'),
        secretType: 'basic_auth',
        verification: 'unknown',
      },
    ]);
    // trufflehog's own Redacted text is not what is shown.
    expect(JSON.stringify(output)).not.toContain('AKIAZ7LQ4MXV2WPRH3TN');
  });

  it('keeps an unverified finding as unknown, skips log lines and warns of lines that are not findings', async () => {
    const secret = `xoxb-${fake.digits(12)}-${fake.alnum(24)}`;
    const finding = {
      SourceMetadata: { Data: { Filesystem: { file: 'bot/config.py', line: 7 } } },
      DetectorName: 'Slack',
      Verified: false,
      Raw: Buffer.from(secret).toString('base64'),
      Redacted: secret,
    };
    const input = [
      JSON.stringify({
        level: 'info-0',
        ts: '2024-01-01T00:00:00Z',
        logger: 'trufflehog',
        msg: 'running source',
      }),
      JSON.stringify(finding),
      `not json ${secret}`,
      JSON.stringify({ DetectorName: 'Slack' }),
    ].join('\n');

    const output = await readTrufflehogReport(input, fingerprint);

    expect(output.leaks).toMatchObject([
      {
        rule: 'trufflehog/Slack',
        file: 'bot/config.py',
        line: 7,
        commit: null,
        secretType: 'slack_token',
        verification: 'unknown',
      },
    ]);
    expect(output.warnings).toEqual([
      { item: 'line 3', message: 'is not JSON' },
      { item: 'line 4', message: 'has no DetectorName or Raw secret' },
    ]);
    expect(exposedRuns(output, secret.slice(5))).toEqual([]);
  });

  it('refuses output that has no JSON line at all', async () => {
    await expect(
      readTrufflehogReport('Found verified result 🐷🔑\nDetector Type: AWS\n', fingerprint),
    ).rejects.toThrow(/run trufflehog with --json/);
  });
});

describe('detect-secrets baselines', () => {
  it('imports each result, fingerprinted by its hash since the baseline holds no secret, one per secret and line', async () => {
    const output = await readDetectSecretsBaseline(sample('detect-secrets.baseline.json'), fingerprint);

    expect(output.warnings).toEqual([]);
    expect(
      output.leaks.map((leak) => [leak.rule, leak.file, leak.line, leak.maskedMatch, leak.secretType]),
    ).toEqual([
      ['detect-secrets/twilio-api-key', 'scripts/notify.py', 17, 'Twilio API Key', 'twilio_key'],
      ['detect-secrets/hex-high-entropy-string', 'config/app.ini', 25, 'Hex High Entropy String', 'generic'],
      ['detect-secrets/json-web-token', 'config/app.ini', 40, 'JSON Web Token', 'jwt'],
      ['detect-secrets/secret-keyword', 'config/app.ini', 43, 'Secret Keyword', 'generic'],
    ]);
    expect(output.leaks[0]?.fingerprint).toBe(
      await fingerprint('sha1:7c4a8d09ca3762af61e59520943dc26494f8941b'),
    );
    expect(output.leaks.every((leak) => leak.verification === null && leak.commit === null)).toBe(true);
  });

  it('keeps verified results as live and leaves out results audited as not secret', async () => {
    const result = (line: number, extra: object) => ({
      type: 'AWS Access Key',
      filename: 'a.py',
      hashed_secret: fake.hex(40),
      is_verified: false,
      line_number: line,
      ...extra,
    });
    const output = await readDetectSecretsBaseline(
      JSON.stringify({
        results: { 'a.py': [result(1, { is_verified: true }), result(2, { is_secret: false })] },
      }),
      fingerprint,
    );

    expect(output.leaks.map((leak) => [leak.line, leak.verification, leak.secretType])).toEqual([
      [1, 'live', 'aws_access_key_id'],
    ]);
  });

  it.each([
    ['JSON that does not parse', '{"results": ', /not JSON/],
    ['JSON without results', '{"version": "1.5.0"}', /object with results/],
  ])('refuses %s', async (_name, input, message) => {
    await expect(readDetectSecretsBaseline(input, fingerprint)).rejects.toThrow(message);
  });

  it('warns of results without a hash', async () => {
    const output = await readDetectSecretsBaseline(
      JSON.stringify({ results: { 'a.py': [{ type: 'Secret Keyword', line_number: 3 }], 'b.py': 'x' } }),
      fingerprint,
    );

    expect(output.warnings).toEqual([
      { item: 'a.py result 1', message: 'has no type or hashed_secret' },
      { item: 'b.py', message: 'its results are not a list' },
    ]);
  });
});
