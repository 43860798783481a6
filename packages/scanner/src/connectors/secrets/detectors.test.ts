import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { exposedRuns } from '../../testing/secret-exposure.ts';
import { type GitleaksConfig, gitleaksHits, ruleSetOf, shannonEntropy } from './gitleaks-detector.ts';
import { maskSecret } from './mask.ts';
import { scanText } from './scan-text.ts';
import { fingerprintInput } from './secret-hit.ts';
import { fakeJwt, fakeSecrets } from './testdata/fake-secrets.ts';

const fingerprint = async (secret: string) => createHash('sha256').update(secret).digest('hex');
const fake = fakeSecrets(11);
const scan = (path: string, content: string) => scanText({ path, content }, fingerprint);

const serviceAccountToken = fakeJwt(fake, {
  iss: 'kubernetes/serviceaccount',
  'kubernetes.io/serviceaccount/namespace': 'ci',
  'kubernetes.io/serviceaccount/secret.name': 'deployer-token-x7k2p',
  'kubernetes.io/serviceaccount/service-account.name': 'deployer',
  sub: 'system:serviceaccount:ci:deployer',
});
const boundToken = fakeJwt(fake, {
  aud: ['https://kubernetes.default.svc.cluster.local'],
  exp: 1893456000,
  iss: 'https://kubernetes.default.svc.cluster.local',
  'kubernetes.io': { namespace: 'ci', serviceaccount: { name: 'deployer', uid: fake.hex(32) } },
  sub: 'system:serviceaccount:ci:deployer',
});
const userJwt = fakeJwt(fake, { sub: fake.alnum(12), iss: 'https://auth.example.com', exp: 1893456000 });
const storageKey = `${fake.base64(86)}==`;
const dockerAuth = Buffer.from(`robot$ci:${fake.alnum(32)}`).toString('base64');
const dockerConfig = JSON.stringify({ auths: { 'registry.example.com': { auth: dockerAuth } } });
const pypiBody = fake.alnum(80);
const opensshKey = `-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA${fake.base64(60)}\n${fake.base64(70)}\n${fake.base64(70)}\n-----END OPENSSH PRIVATE KEY-----`;

interface Expected {
  name: string;
  file: string;
  content: string;
  secret: string;
  rule: string;
  secretType: string;
  /** The secret's unguessable part (default: all of it but a PEM's armour lines). */
  material?: string;
}

const found: Expected[] = [
  {
    name: 'a Kubernetes service-account token (legacy Secret token)',
    file: 'kubeconfig',
    content: `users:\n- name: deployer\n  user:\n    token: ${serviceAccountToken}\n`,
    secret: serviceAccountToken,
    rule: 'nhi/kubernetes-service-account-token',
    secretType: 'kubernetes_service_account_token',
  },
  {
    name: 'a Kubernetes service-account token (bound token)',
    file: 'ci.env',
    content: `KUBE_TOKEN=${boundToken}\n`,
    secret: boundToken,
    rule: 'nhi/kubernetes-service-account-token',
    secretType: 'kubernetes_service_account_token',
  },
  {
    name: 'another JWT',
    file: 'test.http',
    content: `Authorization: Bearer ${userJwt}\n`,
    secret: userJwt,
    rule: 'nhi/jwt',
    secretType: 'jwt',
  },
  {
    name: 'an Azure storage account key',
    file: 'appsettings.json',
    content: `{ "Storage": "DefaultEndpointsProtocol=https;AccountName=invoices;AccountKey=${storageKey};EndpointSuffix=core.windows.net" }\n`,
    secret: storageKey,
    rule: 'nhi/azure-storage-account-key',
    secretType: 'azure_storage_key',
  },
  {
    name: 'a Twilio API key',
    file: 'sms.py',
    content: `TWILIO_API_KEY = "SK${fake.hex(32)}"\n`,
    secret: '',
    rule: 'gitleaks/twilio-api-key',
    secretType: 'twilio_key',
  },
  {
    name: 'an OpenAI key (found by both detectors, one leak)',
    file: 'bot.py',
    content: `openai.api_key = "sk-proj-${fake.alnum(74)}T3BlbkFJ${fake.alnum(74)}"\n`,
    secret: '',
    rule: 'secretlint/openai',
    secretType: 'openai_api_key',
  },
  {
    name: 'a PyPI upload token',
    file: '.pypirc',
    content: `[pypi]\nusername = __token__\npassword = pypi-AgEIcHlwaS5vcmc${pypiBody}\n`,
    secret: '',
    // The prefix is the same in every PyPI token (base64 of the macaroon's location, pypi.org).
    material: pypiBody,
    rule: 'gitleaks/pypi-upload-token',
    secretType: 'pypi_token',
  },
  {
    name: 'a GCP API key',
    file: 'maps.js',
    content: `const key = "AIza${fake.alnum(35)}";\n`,
    secret: '',
    rule: 'gitleaks/gcp-api-key',
    secretType: 'gcp_api_key',
  },
  {
    name: 'an OpenSSH private key',
    file: 'id_ed25519',
    content: `${opensshKey}\n`,
    secret: opensshKey,
    rule: 'secretlint/privatekey',
    secretType: 'private_key',
  },
  {
    name: 'a registry credential in a Docker config file',
    file: 'config.json',
    content: dockerConfig,
    secret: dockerAuth,
    rule: 'nhi/docker-config-auth',
    secretType: 'docker_auth',
  },
  {
    name: 'a registry credential in a Kubernetes dockerconfigjson Secret',
    file: 'pull-secret.yaml',
    content: `apiVersion: v1\nkind: Secret\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: ${Buffer.from(dockerConfig).toString('base64')}\n`,
    secret: Buffer.from(dockerConfig).toString('base64'),
    rule: 'nhi/docker-config-auth',
    secretType: 'docker_auth',
  },
];

/** The secret of a sample: given, or the token the line assigns. */
const secretOf = (sample: Expected) => sample.secret || (/"?(\S+?)"?;?\n$/.exec(sample.content)?.[1] ?? '');

describe('secret detection by all detectors', () => {
  it.each(found.map((sample) => [sample.name, sample] as const))(
    'finds %s, once, fingerprinted and masked',
    async (_name, sample) => {
      const secret = secretOf(sample);
      const leaks = await scan(sample.file, sample.content);

      expect(leaks.map((leak) => [leak.rule, leak.secretType])).toEqual([[sample.rule, sample.secretType]]);
      expect(leaks[0]?.fingerprint).toBe(await fingerprint(fingerprintInput(secret)));
      const material =
        sample.material ?? (secret.startsWith('-----') ? secret.split('\n').slice(1, -1).join('') : secret);
      expect(exposedRuns(leaks, material)).toEqual([]);
    },
  );

  it('fingerprints a service-account token as the Kubernetes connector does, so the leak links to it', async () => {
    const secretData = Buffer.from(serviceAccountToken).toString('base64');
    const [leak] = await scan('sa.yaml', `token: ${serviceAccountToken}\n`);

    // The Kubernetes connector fingerprints the decoded `token` of a service-account-token Secret.
    expect(leak?.fingerprint).toBe(await fingerprint(Buffer.from(secretData, 'base64').toString('utf8')));
  });

  it.each([
    ['the documented AWS example key', 'aws.tf', 'aws_access_key_id = "AKIAIOSFODNN7EXAMPLE"\n'],
    [
      'lockfile hashes',
      'pnpm-lock.yaml',
      `  /left-pad@1.3.0:\n    resolution: {integrity: sha512-${fake.base64(86)}==}\n`,
    ],
    [
      'a hash in a lockfile of another name',
      'yarn.lock',
      `left-pad@^1.3.0:\n  integrity sha512-${fake.base64(86)}==\n`,
    ],
    [
      'UUIDs',
      'events.json',
      '{ "id": "550e8400-e29b-41d4-a716-446655440000", "traceId": "a3f1c2e4-9b7d-4c1e-8f2a-6d5e4c3b2a19" }\n',
    ],
    [
      'a password from the environment',
      'db.py',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the placeholder is the point.
      'password = ${DB_PASSWORD}\npassword = "${{ secrets.DB_PASSWORD }}"\n',
    ],
    ['a placeholder', 'settings.env', 'API_KEY=changeme\nSECRET=xxxxxxxxxxxxxxxx\n'],
  ])('finds nothing in %s', async (_name, file, content) => {
    expect(await scan(file, content)).toEqual([]);
  });

  it('masks each of several secrets on one line', async () => {
    const token = `ghp_${fake.alnum(36)}`;
    const stripe = `sk_live_${fake.alnum(24)}`;
    const leaks = await scan('ci.sh', `GH=${token} STRIPE=${stripe}\n`);

    expect(leaks.map((leak) => leak.maskedMatch)).toEqual([
      `GH=${maskSecret(token)} STRIPE=${maskSecret(stripe)}`,
      `GH=${maskSecret(token)} STRIPE=${maskSecret(stripe)}`,
    ]);
  });
});

describe('gitleaks rule evaluation', () => {
  const global = { paths: ['^vendored/'], stopwords: ['example'] };
  const rules = (...list: GitleaksConfig['rules']) => ruleSetOf({ allowlists: [global], rules: list });
  const token = { id: 't', regex: 'tok_[a-z0-9]{12}', allowlists: [] };

  it('runs a rule only where one of its keywords occurs', () => {
    const content = 'a tok_abcdef123456 b';

    expect(gitleaksHits({ path: 'a.txt', content }, rules({ ...token, keywords: ['TOK_'] }))).toHaveLength(1);
    expect(gitleaksHits({ path: 'a.txt', content }, rules({ ...token, keywords: ['zzz'] }))).toEqual([]);
  });

  it('takes the secret group, drops low entropy and honours allowlists', () => {
    const ruleSet = rules({
      id: 't',
      regex: '(key)=([a-z0-9]{12})',
      secretGroup: 2,
      entropy: 3,
      keywords: ['key'],
      allowlists: [{ regexTarget: 'line', regexes: ['# test'] }],
    });
    const hitsOf = (content: string, path = 'a.txt') =>
      gitleaksHits({ path, content }, ruleSet).map((hit) => content.slice(hit.start, hit.end));

    expect(hitsOf('key=q8w7e6r5t4y3')).toEqual(['q8w7e6r5t4y3']);
    expect(hitsOf('key=aaaaaaaaaaab')).toEqual([]);
    expect(hitsOf('key=q8w7e6r5t4y3 # test')).toEqual([]);
    expect(hitsOf('key=q8w7e6r5t4y3', 'vendored/lib.txt')).toEqual([]);
    expect(hitsOf('key=example12345')).toEqual([]);
    expect(hitsOf('key=q8w7e6r5t4y3 // gitleaks:allow')).toEqual([]);
  });

  it('computes entropy as gitleaks does', () => {
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('abcd')).toBe(2);
  });
});
