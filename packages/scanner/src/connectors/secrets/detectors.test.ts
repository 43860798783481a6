import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { exposedRuns } from '../../testing/secret-exposure.ts';
import {
  type GitleaksConfig,
  gitleaksHits,
  ruleSetOf,
  shannonEntropy,
  withMarkupEnd,
} from './gitleaks-detector.ts';
import { maskSecret } from './mask.ts';
import { scanText } from './scan-text.ts';
import { fingerprintInput, isPlaceholder, isUnsecuredJwt } from './secret-hit.ts';
import { fakeJwt, fakePem, fakeSecrets } from './testdata/fake-secrets.ts';

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
/** A password as people and generators write them: letters, digits and URL-safe punctuation. */
const urlPassword = () =>
  `${fake.alnum(6)}.${fake.alnum(5)}~${fake.alnum(4)}-${fake.alnum(4)}_${fake.alnum(3)}`;
const punctuatedPassword = () => `${fake.alnum(7)}!${fake.alnum(5)}#${fake.alnum(4)}%*${fake.alnum(4)}+`;
const ecKey = fakePem(fake, 'EC PRIVATE KEY');
const base64Pem = (pem: string) => Buffer.from(`${pem}\n`).toString('base64');
const certificate = fakePem(fake, 'CERTIFICATE');
const [pipPassword, clonePassword, amqpPassword, mysqlPassword, redisPassword, percentPassword] = [
  urlPassword(),
  urlPassword(),
  urlPassword(),
  urlPassword(),
  urlPassword(),
  `${fake.alnum(8)}%2A${fake.alnum(8)}*`,
];
const [pythonPassword, yamlPassword] = [punctuatedPassword(), punctuatedPassword()];
const gcpKey = `AIza${fake.alnum(20)}_${fake.alnum(14)}`;
const awsSecretKey = `${fake.base64(39)}/`;

interface Expected {
  name: string;
  file: string;
  content: string;
  secret: string;
  rule: string;
  secretType: string;
  /** The secret's unguessable part (default: all of it but a PEM's armour lines). */
  material?: string;
  /** Text of the file that is the secret encoded (base64 of a PEM key): none of it shows either. */
  encoded?: string;
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
  {
    name: 'an AWS secret access key that ends in a slash (no word boundary after it)',
    file: 'credentials',
    content: `[default]\naws_secret_access_key = ${awsSecretKey}\n`,
    secret: awsSecretKey,
    rule: 'nhi/aws-secret-access-key',
    secretType: 'aws_secret_access_key',
  },
  {
    name: 'the password of a package index URL',
    file: 'pip.conf',
    content: `[global]\nindex-url = https://deploy:${pipPassword}@pypi.internal.example.com/simple/\n`,
    secret: pipPassword,
    rule: 'nhi/url-credentials',
    secretType: 'basic_auth',
  },
  {
    name: 'the password of a git clone URL',
    file: 'checkout.sh',
    content: `git clone https://build-bot:${clonePassword}@git.example.com/acme/app.git src\n`,
    secret: clonePassword,
    rule: 'nhi/url-credentials',
    secretType: 'basic_auth',
  },
  {
    name: 'the password of an AMQP URL',
    file: 'broker.yml',
    content: `broker:\n  url: amqps://orders:${amqpPassword}@mq.internal.example.com:5671/orders\n`,
    secret: amqpPassword,
    rule: 'nhi/url-credentials',
    secretType: 'basic_auth',
  },
  {
    name: 'a percent-encoded password with a star in a URL',
    file: 'fetch.sh',
    content: `curl -fsS "ftp://mirror:${percentPassword}@ftp.internal.example.com/dist/"\n`,
    secret: percentPassword,
    rule: 'nhi/url-credentials',
    secretType: 'basic_auth',
  },
  {
    name: 'the password of a mysql2:// URL',
    file: 'database.yml',
    content: `production:\n  url: mysql2://shop:${mysqlPassword}@mysql.internal.example.com:3306/shop\n`,
    secret: mysqlPassword,
    rule: 'nhi/url-credentials',
    secretType: 'database_url',
  },
  {
    name: 'the password of a Redis URL without a user',
    file: 'settings.toml',
    content: `[cache]\nurl = "rediss://:${redisPassword}@cache.internal.example.com:6380/0"\n`,
    secret: redisPassword,
    rule: 'nhi/url-credentials',
    secretType: 'database_url',
  },
  {
    name: 'a quoted password with punctuation in a Python dict',
    file: 'settings_prod.py',
    content: `DATABASES = {\n    "default": {\n        "USER": "shop",\n        "PASSWORD": "${pythonPassword}",\n    }\n}\n`,
    secret: pythonPassword,
    rule: 'nhi/password-assignment',
    secretType: 'generic',
  },
  {
    name: 'a quoted password with punctuation in YAML',
    file: 'ldap.yaml',
    content: `ldap:\n  bindDN: cn=svc-portal,dc=example,dc=com\n  password: '${yamlPassword}'\n`,
    secret: yamlPassword,
    rule: 'nhi/password-assignment',
    secretType: 'generic',
  },
  {
    name: 'a Google API key in an Android resource file (the value ends at a tag)',
    file: 'res/values/keys.xml',
    content: `<resources>\n    <string name="google_api_key" translatable="false">${gcpKey}</string>\n</resources>\n`,
    secret: gcpKey,
    rule: 'gitleaks/gcp-api-key',
    secretType: 'gcp_api_key',
  },
  {
    name: 'a private key as base64 kubeconfig client-key-data (the certificate is no secret)',
    file: '.kube/config',
    content: `users:\n  - name: admin\n    user:\n      client-certificate-data: ${base64Pem(certificate)}\n      client-key-data: ${base64Pem(ecKey)}\n`,
    secret: ecKey,
    encoded: base64Pem(ecKey),
    rule: 'nhi/base64-private-key',
    secretType: 'private_key',
  },
  {
    name: 'a private key as the base64 tls.key of a Kubernetes Secret',
    file: 'tls-secret.yaml',
    content: `kind: Secret\ntype: kubernetes.io/tls\ndata:\n  tls.crt: ${base64Pem(certificate)}\n  tls.key: ${base64Pem(ecKey)}\n`,
    secret: ecKey,
    encoded: base64Pem(ecKey),
    rule: 'nhi/base64-private-key',
    secretType: 'private_key',
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
      if (sample.encoded) expect(exposedRuns(leaks, sample.encoded)).toEqual([]);
    },
  );

  it('fingerprints a private key alike in PEM, indented in YAML, in JSON and base64-encoded', async () => {
    const files: [string, string][] = [
      ['id_ecdsa', `${ecKey}\n`],
      ['deploy.yml', `ssh_key: |\n  ${ecKey.replaceAll('\n', '\n  ')}\n`],
      ['sa.json', `${JSON.stringify({ private_key: `${ecKey}\n` })}\n`],
      ['.kube/config', `users:\n- user:\n    client-key-data: ${base64Pem(ecKey)}\n`],
    ];

    const fingerprints = await Promise.all(
      files.map(async ([file, content]) => (await scan(file, content)).map((leak) => leak.fingerprint)),
    );

    expect(new Set(fingerprints.flat())).toEqual(new Set([await fingerprint(fingerprintInput(ecKey))]));
    expect(fingerprints.map((list) => list.length)).toEqual([1, 1, 1, 1]);
  });

  it.each([
    [
      'a token that is the password of a URL is one leak of the token’s type',
      '.git/config',
      `url = https://x-access-token:ghp_${fake.alnum(36)}@github.com/acme/app.git\n`,
      'github_token',
    ],
    [
      'a database URL found by secretlint and by the URL rule is one leak',
      'app.env',
      `DATABASE_URL=postgres://app:${fake.alnum(20)}@db.internal:5432/app\n`,
      'database_url',
    ],
  ])('%s', async (_name, file, content, secretType) => {
    expect((await scan(file, content)).map((leak) => leak.secretType)).toEqual([secretType]);
  });

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
    ['a GitHub token of 36 x', 'README.md', 'GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n'],
    [
      'placeholder tokens of zeros, X and sequences',
      '.env.example',
      [
        'SLACK_BOT_TOKEN=xoxb-000000000000-0000000000000-xxxxxxxxxxxxxxxxxxxxxxxx',
        'STRIPE_SECRET_KEY=sk_live_XXXXXXXXXXXXXXXXXXXXXXXX',
        'TWILIO_ACCOUNT_SID=AC00000000000000000000000000000000',
        'GOOGLE_API_KEY=AIzaSyXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX',
        'OPENAI_API_KEY=sk-proj-1234567890abcdefghij1234567890abcdefgh',
        'GITLAB_TOKEN=glpat-EXAMPLEEXAMPLEEXAMPLE',
        '',
      ].join('\n'),
    ],
    [
      'an unsecured JWT (alg none)',
      'auth.md',
      `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: fake.alnum(12), iat: 1516239022 })).toString('base64url')}.\n`,
    ],
    [
      'URLs with no password or a placeholder for one',
      'README.md',
      [
        'git clone https://git@github.com/acme/app.git',
        'psql postgres://user:password@localhost:5432/mydb',
        'amqp://guest:guest@localhost:5672',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the reference is the point.
        'DATABASE_URL=postgres://app:${DB_PASSWORD}@localhost:5432/app',
        'git clone https://oauth2:$CI_JOB_TOKEN@gitlab.com/acme/app.git',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the reference is the point.
        'https://x-access-token:${{ secrets.GITHUB_TOKEN }}@github.com/acme/app.git',
        'https://user:<token>@github.com/acme/app.git',
        'redis://:****@cache:6379/0',
        'mongodb://admin:changeme@db:27017',
        'url = f"postgresql://{user}:{password}@{host}/db"',
        'url = "mysql://%s:%s@%s/%s" % (user, password, host, name)',
        'url = "postgres://app:%(password)s@db/app"',
        'ssh://git@github.com:22/acme/app.git',
        'http://[::1]:8080/health',
        '',
      ].join('\n'),
    ],
    [
      'password words, templates, references and hashes',
      'settings.py',
      [
        'password_reset_url = f"{BASE_URL}/account/password/reset"',
        'PASSWORD_MIN_LENGTH = 12',
        'password = os.environ["DB_PASSWORD"]',
        'password: "{{ .Values.db.password }}"',
        'password: "%(password)s"',
        'secret: "$API_KEY"',
        'password: "********"',
        '"password": "Contraseña:"',
        '"password": "Kennwort:"',
        'secret: "my-app-secret"',
        `"password": "$2b$12$${fake.alnum(53)}"`,
        'secret = "projects/acme-1/secrets/db-pass/versions/latest"',
        'password = "vault:secret/data/db#password"',
        '<input type="password" name="pwd" placeholder="Password!">',
        '',
      ].join('\n'),
    ],
    [
      'a kubeconfig with only certificates and an exec plugin',
      '.kube/config',
      `clusters:\n- cluster:\n    certificate-authority-data: ${base64Pem(certificate)}\nusers:\n- user:\n    client-certificate-data: ${base64Pem(certificate)}\n    exec:\n      command: aws\n`,
    ],
    [
      'a Kubernetes Secret holding certificates only',
      'ca-secret.yaml',
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ca\ndata:\n  tls.crt: ${base64Pem(certificate)}\n  ca.crt: ${base64Pem(certificate)}\n`,
    ],
    [
      'public keys, plain and base64-encoded',
      'keys.yaml',
      `ssh: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${fake.base64(43)} ci@example\npub: ${base64Pem(fakePem(fake, 'PUBLIC KEY'))}\n`,
    ],
    [
      'git SHAs and an image digest',
      'CHANGELOG.md',
      `Fixed in ${fake.hex(40)}.\nimage: ghcr.io/acme/app@sha256:${fake.hex(64)}\ncommit: ${fake.hex(40)}\n`,
    ],
    ['a base64 image', 'logo.css', `.logo { background: url(data:image/png;base64,${fake.base64(600)}); }\n`],
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

describe('placeholders and unsecured JWTs, whichever detector finds them', () => {
  it.each([
    ['ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'github_token', true],
    ['AKIAIOSFODNN7EXAMPLE', 'aws_access_key_id', true],
    ['sk_live_000000000000000000000000', 'stripe_key', true],
    ['xoxb-1111-2222-abababababababab', 'slack_token', true],
    ['sk-proj-1234567890abcdefghij', 'openai_api_key', true],
    ['changeme', 'generic', true],
    ['YOUR_PASSWORD', 'basic_auth', true],
    ['<your-token>', 'generic', true],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the reference is the point.
    ['${DB_PASSWORD}', 'database_url', true],
    ['$API_KEY', 'generic', true],
    ['%(password)s', 'database_url', true],
    ['{{ .Values.token }}', 'generic', true],
    ['%s', 'basic_auth', true],
    ['SomeNewPassword123!@#', 'generic', true],
    ['ghp_...', 'github_token', true],
    ['-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----', 'private_key', true],
    [`ghp_${fake.alnum(36)}`, 'github_token', false],
    [`sk_live_${fake.alnum(24)}`, 'stripe_key', false],
    [`${fake.alnum(6)}.${fake.alnum(6)}~${fake.alnum(6)}`, 'basic_auth', false],
    // DER has long runs of A: a key is judged by the variety of its body only.
    [
      `-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAAAAAAAB${fake.base64(60)}\n-----END OPENSSH PRIVATE KEY-----`,
      'private_key',
      false,
    ],
  ] as const)('%s (%s) is a placeholder: %s', (secret, type, expected) => {
    expect(isPlaceholder(secret, type)).toBe(expected);
  });

  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  it.each([
    ['alg none, no signature', `${part({ alg: 'none', typ: 'JWT' })}.${part({ sub: 'a' })}.`, true],
    ['alg None', `${part({ alg: 'None' })}.${part({ sub: 'a' })}`, true],
    ['alg HS256', `${part({ alg: 'HS256' })}.${part({ sub: 'a' })}.${fake.alnum(43)}`, false],
    ['base64 JSON that is no JWT', Buffer.from('{"auths":{}}').toString('base64'), false],
  ])('%s is an unsecured JWT: %s', (_name, secret, expected) => {
    expect(isUnsecuredJwt(secret)).toBe(expected);
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

  it('ends a secret at a markup tag as at a quote', () => {
    const ruleSet = rules({
      id: 't',
      regex: withMarkupEnd('\\b(tok_[a-z0-9]{12})(?:[\\x60\'"\\s;]|\\\\[nr]|$)'),
      keywords: ['tok_'],
      allowlists: [],
    });
    const hitsOf = (content: string) =>
      gitleaksHits({ path: 'a.xml', content }, ruleSet).map((hit) => content.slice(hit.start, hit.end));

    expect(hitsOf('<key>tok_q8w7e6r5t4y3</key>')).toEqual(['tok_q8w7e6r5t4y3']);
    expect(hitsOf('<key>tok_q8w7e6r5t4y3x</key>')).toEqual([]);
  });

  it('computes entropy as gitleaks does', () => {
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('abcd')).toBe(2);
  });
});
