import { createHash } from 'node:crypto';
import { rules as recommendedRules } from '@secretlint/secretlint-rule-preset-recommend';
import { describe, expect, it } from 'vitest';
import { exposedRuns } from '../../testing/secret-exposure.ts';
import { maskSecret } from './mask.ts';
import { scanText } from './scan-text.ts';
import { fingerprintInput } from './secret-hit.ts';
import { fakePem, fakeSecrets } from './testdata/fake-secrets.ts';

const fingerprint = async (secret: string) => createHash('sha256').update(secret).digest('hex');
const fake = fakeSecrets(7);

interface Sample {
  /** The leak's rule: secretlint's rule id without its package prefix. */
  rule: string;
  file: string;
  /** The secret as the file holds it: what the leak is fingerprinted by. */
  secret: string;
  /** The secret's unguessable part, of which nothing beyond the mask may show (default: secret). */
  material?: string;
  content: (secret: string) => string;
}

const pem = fakePem(fake, 'PRIVATE KEY');
const escapedPem = `${pem.replaceAll('\n', '\\n')}\\n`;
const opsJson = (pad: string) =>
  JSON.stringify({
    email: `${fake.alnum(12)}@example.com`,
    secretKey: fake.alnum(40),
    srpX: fake.hex(64),
    pad,
  });
// A 1Password token is base64 of a JSON object whose encoding ends in `fQ` (a closing brace).
const opsToken = `ops_${Buffer.from([0, 1, 2].map((n) => opsJson('x'.repeat(n))).find((json) => json.length % 3 === 1) ?? '').toString('base64')}`;
const pemLines = fakePem(fake);
const webhookPath = `T${fake.upperAlnum(10)}/B${fake.upperAlnum(10)}/${fake.alnum(24)}`;

/** A true positive for every detecting rule of secretlint's recommended preset, with made-up secrets. */
const samples: Sample[] = [
  {
    rule: 'aws',
    file: 'config.js',
    secret: `AKIA${fake.base32(16)}`,
    content: (s) => `const id = "${s}";\n`,
  },
  {
    rule: 'aws',
    file: 'credentials',
    secret: fake.base64(40),
    content: (s) => `[default]\naws_secret_access_key = "${s}"\n`,
  },
  {
    rule: 'gcp',
    file: 'service-account.json',
    secret: escapedPem,
    material: pem.split('\n').slice(1, -1).join(''),
    content: (s) =>
      `{\n  "type": "service_account",\n  "private_key_id": "${fake.hex(40)}",\n  "private_key": "${s}",\n  "client_email": "ci@p.iam.gserviceaccount.com"\n}\n`,
  },
  {
    rule: 'npm',
    file: 'package.json',
    secret: fake.hex(40),
    content: (s) => `{ "repository": "https://${s}:x-oauth-basic@github.com/org/repo.git" }\n`,
  },
  {
    rule: 'npm',
    file: '.npmrc',
    secret: `${fake.hex(8)}-${fake.hex(4)}-${fake.hex(4)}-${fake.hex(12)}`,
    content: (s) => `//registry.npmjs.org/:_authToken=${s}\n`,
  },
  { rule: 'npm', file: 'ci.sh', secret: `npm_${fake.alnum(36)}`, content: (s) => `NPM_TOKEN=${s}\n` },
  {
    rule: 'slack',
    file: 'bot.py',
    secret: `xoxb-${fake.digits(12)}-${fake.digits(13)}-${fake.alnum(24)}`,
    content: (s) => `token = '${s}'\n`,
  },
  {
    rule: 'slack',
    file: 'notify.sh',
    secret: `https://hooks.slack.com/services/${webhookPath}`,
    // The host is public; the path is the secret.
    material: webhookPath,
    content: (s) => `curl -X POST ${s} -d '{}'\n`,
  },
  {
    rule: 'basicauth',
    file: 'deploy.md',
    secret: fake.alnum(18),
    content: (s) => `Upload to https://deployer:${s}@artifacts.corp.net/upload\n`,
  },
  {
    rule: 'openai',
    file: 'app.py',
    secret: `sk-proj-${fake.alnum(74)}T3BlbkFJ${fake.alnum(74)}`,
    content: (s) => `client = OpenAI(api_key="${s}")\n`,
  },
  {
    rule: 'anthropic',
    file: 'app.py',
    secret: `sk-ant-api03-${fake.alnum(93)}AA`,
    content: (s) => `key = '${s}'\n`,
  },
  { rule: 'groq', file: '.env', secret: `gsk_${fake.alnum(52)}`, content: (s) => `GROQ_API_KEY=${s}\n` },
  { rule: 'huggingface', file: '.env', secret: `hf_${fake.alpha(34)}`, content: (s) => `HF_TOKEN=${s}\n` },
  { rule: 'linear', file: '.env', secret: `lin_api_${fake.alnum(40)}`, content: (s) => `LINEAR=${s}\n` },
  {
    rule: 'notion',
    file: '.env',
    secret: `ntn_${fake.digits(11)}${fake.alnum(35)}`,
    content: (s) => `NOTION_TOKEN=${s}\n`,
  },
  {
    rule: 'privatekey',
    file: 'id_rsa',
    secret: pemLines,
    material: pemLines.split('\n').slice(1, -1).join(''),
    content: (s) => `${s}\n`,
  },
  {
    rule: 'sendgrid',
    file: 'mail.js',
    secret: `SG.${fake.alnum(22)}.${fake.alnum(43)}`,
    content: (s) => `sgMail.setApiKey("${s}");\n`,
  },
  { rule: 'shopify', file: 'shop.rb', secret: `shpat_${fake.alnum(32)}`, content: (s) => `TOKEN = "${s}"\n` },
  {
    rule: 'stripe',
    file: 'pay.rb',
    secret: `sk_live_${fake.alnum(24)}`,
    content: (s) => `Stripe.api_key = '${s}'\n`,
  },
  { rule: 'github', file: 'ci.yml', secret: `ghp_${fake.alnum(36)}`, content: (s) => `token: ${s}\n` },
  { rule: 'gitlab', file: 'ci.yml', secret: `glpat-${fake.alnum(20)}`, content: (s) => `token: ${s}\n` },
  {
    rule: 'grafana',
    file: '.env',
    secret: `glsa_${fake.alnum(32)}_${fake.hex(8)}`,
    content: (s) => `GRAFANA_TOKEN=${s}\n`,
  },
  { rule: '1password', file: '.env', secret: opsToken, content: (s) => `OP_SERVICE_ACCOUNT_TOKEN=${s}\n` },
  {
    rule: 'database-connection-string',
    file: 'settings.py',
    secret: fake.alnum(16),
    content: (s) => `DATABASE_URL = "postgres://app:${s}@db.internal:5432/app"\n`,
  },
  {
    rule: 'hashicorp-vault',
    file: '.env',
    secret: `hvs.${fake.alnum(95)}`,
    content: (s) => `VAULT_TOKEN=${s}\n`,
  },
  { rule: 'vercel', file: '.env', secret: `vcp_${fake.alnum(40)}`, content: (s) => `VERCEL_TOKEN=${s}\n` },
  {
    rule: 'databricks',
    file: '.env',
    secret: `dapi${fake.hex(32)}`,
    content: (s) => `DATABRICKS_TOKEN=${s}\n`,
  },
  {
    rule: 'docker',
    file: '.env',
    secret: `dckr_pat_${fake.alnum(27)}`,
    content: (s) => `DOCKER_TOKEN=${s}\n`,
  },
  { rule: 'figma', file: '.env', secret: `figd_${fake.alnum(40)}`, content: (s) => `FIGMA_TOKEN=${s}\n` },
  {
    rule: 'cloudflare',
    file: '.env',
    secret: `cfat_${fake.alnum(40)}${fake.hex(8)}`,
    content: (s) => `CLOUDFLARE_API_TOKEN=${s}\n`,
  },
  {
    rule: 'tailscale',
    file: '.env',
    secret: `tskey-api-${fake.alnum(12)}-${fake.alnum(24)}`,
    content: (s) => `TS_KEY=${s}\n`,
  },
];

describe('secretlint rules: the secret is found, fingerprinted and masked', () => {
  it('has a sample for every detecting rule of the recommended preset', () => {
    const presetRules = recommendedRules
      .map((rule) => rule.meta.id.replace('@secretlint/secretlint-rule-', ''))
      .filter((rule) => rule !== 'filter-comments');

    expect(new Set(samples.map((sample) => sample.rule))).toEqual(new Set(presetRules));
  });

  it.each(samples.map((sample, index) => [`${sample.rule} #${index}`, sample] as const))(
    '%s: the leak is of the secret, and the output gives away nothing of it beyond its mask',
    async (_name, sample) => {
      const content = sample.content(sample.secret);
      const leaks = await scanText({ path: sample.file, content }, fingerprint);
      const leak = leaks.find((found) => found.rule === `secretlint/${sample.rule}`);

      expect(leak?.fingerprint).toBe(await fingerprint(fingerprintInput(sample.secret)));
      expect(leak?.line).toBe(content.slice(0, content.indexOf(sample.secret)).split('\n').length);
      for (const found of leaks) expect(found.maskedMatch).not.toContain(sample.secret);
      expect(exposedRuns(leaks, sample.material ?? sample.secret)).toEqual([]);
    },
  );
});

describe('secretlint rules whose range is not the secret', () => {
  it('masks the whole AWS secret access key, not the start of its assignment', async () => {
    const secret = fake.base64(40);
    const [leak] = await scanText(
      { path: 'credentials', content: `aws_secret_access_key = "${secret}"\n` },
      fingerprint,
    );

    expect(leak).toMatchObject({
      rule: 'secretlint/aws',
      maskedMatch: `aws_secret_access_key = "${maskSecret(secret)}"`,
      fingerprint: await fingerprint(secret),
      secretType: 'aws_secret_access_key',
    });
  });

  it('masks every secret of a line in each leak of that line', async () => {
    const keyId = `AKIA${fake.base32(16)}`;
    const secret = fake.base64(40);
    const leaks = await scanText(
      { path: 'env.sh', content: `export AWS_ACCESS_KEY_ID=${keyId} AWS_SECRET_ACCESS_KEY=${secret}\n` },
      fingerprint,
    );

    expect(leaks.map((leak) => leak.secretType).sort()).toEqual([
      'aws_access_key_id',
      'aws_secret_access_key',
    ]);
    expect(exposedRuns(leaks, keyId.slice(4))).toEqual([]);
    expect(exposedRuns(leaks, secret)).toEqual([]);
  });

  it('shows a multi-line private key as its first line cut at the key, and masked', async () => {
    const key = fakePem(fake);
    const [leak] = await scanText(
      { path: 'deploy.yml', content: `ssh_key: |\n  ${key.replaceAll('\n', '\n  ')}\n` },
      fingerprint,
    );

    expect(leak?.maskedMatch).toBe(maskSecret(key.replaceAll('\n', '\n  ')));
    expect(leak?.line).toBe(2);
  });

  it('shows the user and host of a database URL and masks its password', async () => {
    const password = fake.alnum(16);
    const [leak] = await scanText(
      { path: 'app.env', content: `DATABASE_URL=mysql://app:${password}@db.internal/app?ssl=true\n` },
      fingerprint,
    );

    expect(leak).toMatchObject({
      maskedMatch: `DATABASE_URL=mysql://app:${maskSecret(password)}@db.internal/app?ssl=true`,
      fingerprint: await fingerprint(password),
      secretType: 'database_url',
    });
  });
});
