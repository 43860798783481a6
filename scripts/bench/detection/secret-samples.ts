// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the placeholder cases are literal ${...} references, on purpose
// Secrets corpus of the detection bench: fake secrets in each documented public format, embedded in
// the files they are found in (.env, YAML, JSON, source code, shell, Dockerfile, kubeconfig, docker
// config.json, curl commands, URLs), and look-alikes that are no secret (placeholders, hashes, ids,
// public keys, encoded media, ordinary code). Every value is drawn from a seeded generator, so the
// corpus is the same on every run and no secret-looking value is stored in the repository.
//
// Each case says what it expects (`tp`: a leak must be found, `fp`: no leak at all), why, and which
// documentation the format follows. `corpus/secrets/expected.json` records these expectations; it is
// rewritten from this module with:
//   pnpm exec tsx scripts/bench/detection/secret-samples.ts --write
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const defaultSeed = 'nhi-hub-detection-corpus-1';

export interface SecretSample {
  id: string;
  /** The secret type the case is about (the bench prints per group). */
  group: string;
  /** The file the text is scanned as. */
  file: string;
  expect: 'tp' | 'fp';
  source: string;
  why: string;
  text: string;
}

// ---- Deterministic randomness -------------------------------------------------------------------

const upper = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const lower = 'abcdefghijklmnopqrstuvwxyz';
const digits = '0123456789';
const alnum = upper + lower + digits;
const base32 = `${upper}234567`;
const hexChars = '0123456789abcdef';
const urlSafe = `${alnum}_-`;
const base64Chars = `${alnum}+/`;

/** SHA-256 in counter mode: the same seed gives the same stream on every platform. */
class Random {
  private counter = 0;
  private pool = Buffer.alloc(0);
  constructor(private readonly seed: string) {}
  bytes(count: number): Buffer {
    while (this.pool.length < count) {
      const block = crypto
        .createHash('sha256')
        .update(`${this.seed}:${this.counter++}`)
        .digest();
      this.pool = Buffer.concat([this.pool, block]);
    }
    const out = this.pool.subarray(0, count);
    this.pool = this.pool.subarray(count);
    return Buffer.from(out);
  }
  /** Uniform in [0, n), by rejection. */
  below(n: number): number {
    const limit = Math.floor(0x100000000 / n) * n;
    for (;;) {
      const value = this.bytes(4).readUInt32BE(0);
      if (value < limit) return value % n;
    }
  }
  chars(alphabet: string, length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[this.below(alphabet.length)];
    return out;
  }
  hex(length: number): string {
    return this.chars(hexChars, length);
  }
  uuid(): string {
    const b = this.bytes(16);
    b[6] = ((b[6] as number) & 0x0f) | 0x40;
    b[8] = ((b[8] as number) & 0x3f) | 0x80;
    const h = b.toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  /** A password a person or a generator would pick: letters, digits and a few symbols. */
  password(length: number): string {
    return this.chars(`${alnum}!#%*+-._~`, length);
  }
  /** A password that needs no escaping in a URL's userinfo. */
  urlPassword(length: number): string {
    return this.chars(`${alnum}-._~`, length);
  }
  bigint(bits: number): bigint {
    return BigInt(`0x${this.bytes(bits / 8).toString('hex')}`);
  }
}

// ---- Keys, certificates and tokens --------------------------------------------------------------

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [a % m, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return ((oldS % m) + m) % m;
}

const smallPrimes = (() => {
  const primes: bigint[] = [];
  for (let n = 3; n < 2000; n += 2) if (primes.every((p) => BigInt(n) % p !== 0n)) primes.push(BigInt(n));
  return primes;
})();

function probablyPrime(n: bigint): boolean {
  for (const p of smallPrimes) if (n % p === 0n) return n === p;
  let d = n - 1n;
  let r = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    r++;
  }
  witness: for (const a of [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n]) {
    let x = modPow(a, d, n);
    if (x === 1n || x === n - 1n) continue;
    for (let i = 1; i < r; i++) {
      x = (x * x) % n;
      if (x === n - 1n) continue witness;
    }
    return false;
  }
  return true;
}

function prime(random: Random, bits: number, e: bigint): bigint {
  let candidate = random.bigint(bits) | (3n << BigInt(bits - 2)) | 1n;
  while (!(probablyPrime(candidate) && (candidate - 1n) % e !== 0n)) candidate += 2n;
  return candidate;
}

const bigToB64url = (n: bigint) => {
  const hex = n.toString(16);
  return b64url(Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex'));
};

/** An RSA key from seeded primes, as a Node key object. */
function rsaKey(random: Random, bits = 2048): crypto.KeyObject {
  const e = 65537n;
  const p = prime(random, bits / 2, e);
  let q = prime(random, bits / 2, e);
  while (q === p) q = prime(random, bits / 2, e);
  const n = p * q;
  const d = modInverse(e, (p - 1n) * (q - 1n));
  return crypto.createPrivateKey({
    format: 'jwk',
    key: {
      kty: 'RSA',
      n: bigToB64url(n),
      e: bigToB64url(e),
      d: bigToB64url(d),
      p: bigToB64url(p),
      q: bigToB64url(q),
      dp: bigToB64url(d % (p - 1n)),
      dq: bigToB64url(d % (q - 1n)),
      qi: bigToB64url(modInverse(q, p)),
    },
  });
}

function ecKey(random: Random): crypto.KeyObject {
  const ecdh = crypto.createECDH('prime256v1');
  ecdh.setPrivateKey(random.bytes(32));
  const pub = ecdh.getPublicKey();
  return crypto.createPrivateKey({
    format: 'jwk',
    key: {
      kty: 'EC',
      crv: 'P-256',
      d: b64url(ecdh.getPrivateKey()),
      x: b64url(pub.subarray(1, 33)),
      y: b64url(pub.subarray(33, 65)),
    },
  });
}

const sshString = (value: Buffer | string) => {
  const data = Buffer.from(value);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, data]);
};
const uint32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const wrap = (text: string, width: number) => text.match(new RegExp(`.{1,${width}}`, 'g'))?.join('\n') ?? '';

/** An Ed25519 key: the OpenSSH private key file (openssh-key-v1, unencrypted) and its public line. */
function ed25519Key(random: Random, comment: string) {
  const seed = random.bytes(32);
  const key = crypto.createPrivateKey({
    format: 'der',
    type: 'pkcs8',
    key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]),
  });
  const pub = Buffer.from(crypto.createPublicKey(key).export({ format: 'jwk' }).x as string, 'base64url');
  const publicBlob = Buffer.concat([sshString('ssh-ed25519'), sshString(pub)]);
  const check = random.bytes(4);
  let section = Buffer.concat([
    check,
    check,
    sshString('ssh-ed25519'),
    sshString(pub),
    sshString(Buffer.concat([seed, pub])),
    sshString(comment),
  ]);
  const padding: number[] = [];
  for (let i = 1; (section.length + padding.length) % 8 !== 0; i++) padding.push(i);
  section = Buffer.concat([section, Buffer.from(padding)]);
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0'),
    sshString('none'),
    sshString('none'),
    sshString(''),
    uint32(1),
    sshString(publicBlob),
    sshString(section),
  ]);
  return {
    privatePem: `-----BEGIN OPENSSH PRIVATE KEY-----\n${wrap(body.toString('base64'), 70)}\n-----END OPENSSH PRIVATE KEY-----\n`,
    publicLine: `ssh-ed25519 ${publicBlob.toString('base64')} ${comment}`,
    pkcs8Pem: key.export({ type: 'pkcs8', format: 'pem' }) as string,
  };
}

// Minimal DER, enough for a self-signed X.509 certificate.
function der(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const length =
    n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, content]);
}
const seq = (...items: Buffer[]) => der(0x30, Buffer.concat(items));
const commonName = (name: string) =>
  seq(der(0x31, seq(Buffer.from('0603550403', 'hex'), der(0x0c, Buffer.from(name)))));
const sha256WithRsa = seq(Buffer.from('06092a864886f70d01010b', 'hex'), Buffer.from('0500', 'hex'));

/** A self-signed certificate (RSA PKCS#1 v1.5 signatures are deterministic). */
function certificate(key: crypto.KeyObject, name: string, serial: Buffer): string {
  const spki = crypto.createPublicKey(key).export({ type: 'spki', format: 'der' });
  const tbs = seq(
    der(0xa0, der(0x02, Buffer.from([2]))),
    der(0x02, Buffer.concat([Buffer.from([((serial[0] as number) & 0x7f) | 0x01]), serial.subarray(1)])),
    sha256WithRsa,
    commonName(name),
    seq(der(0x17, Buffer.from('240506000000Z')), der(0x17, Buffer.from('340504000000Z'))),
    commonName(name),
    spki,
  );
  const signature = crypto.sign('sha256', tbs, key);
  const cert = seq(tbs, sha256WithRsa, der(0x03, Buffer.concat([Buffer.from([0]), signature])));
  return `-----BEGIN CERTIFICATE-----\n${wrap(cert.toString('base64'), 64)}\n-----END CERTIFICATE-----\n`;
}

function jwtHs256(payload: object, secret: Buffer): string {
  const head = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(payload))}`;
  return `${head}.${crypto.createHmac('sha256', secret).update(head).digest('base64url')}`;
}

function jwtRs256(payload: object, key: crypto.KeyObject, kid: string): string {
  const head = `${b64url(JSON.stringify({ alg: 'RS256', kid }))}.${b64url(JSON.stringify(payload))}`;
  return `${head}.${crypto.sign('sha256', Buffer.from(head), key).toString('base64url')}`;
}

// ---- Documentation each format follows ----------------------------------------------------------

const docs = {
  aws: 'AWS IAM: access keys (AKIA long-term, ASIA temporary) https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids',
  awsExample:
    'AWS documentation example credentials https://docs.aws.amazon.com/IAM/latest/UserGuide/security-creds.html',
  github:
    'GitHub token formats https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/about-authentication-to-github#githubs-token-formats',
  gitlab: 'GitLab token prefixes https://docs.gitlab.com/security/tokens/#token-prefixes',
  slack: 'Slack token types https://api.slack.com/authentication/token-types',
  slackWebhook: 'Slack incoming webhooks https://api.slack.com/messaging/webhooks',
  openai: 'OpenAI API keys https://platform.openai.com/docs/api-reference/authentication',
  anthropic: 'Anthropic API keys https://docs.anthropic.com/en/api/overview#authentication',
  stripe: 'Stripe API keys (sk_live_, rk_live_, sk_test_) https://docs.stripe.com/keys',
  twilio: 'Twilio API keys and auth tokens https://www.twilio.com/docs/iam/api-keys',
  sendgrid: 'SendGrid API keys https://www.twilio.com/docs/sendgrid/ui/account-and-settings/api-keys',
  npm: 'npm access tokens https://docs.npmjs.com/about-access-tokens',
  pypi: 'PyPI API tokens https://pypi.org/help/#apitoken',
  gcpApiKey: 'Google Cloud API keys https://cloud.google.com/docs/authentication/api-keys',
  gcpServiceAccount:
    'Google Cloud service account keys (JSON) https://cloud.google.com/iam/docs/keys-create-delete',
  azure:
    'Azure Storage connection strings https://learn.microsoft.com/azure/storage/common/storage-configure-connection-string',
  azureServiceBus:
    'Azure Service Bus SAS connection strings https://learn.microsoft.com/azure/service-bus-messaging/service-bus-sas',
  pem: 'PEM labels (RFC 7468), PKCS #1 (RFC 8017), SEC 1 EC keys (RFC 5915), PKCS #8 (RFC 5958)',
  openssh: 'OpenSSH private key format (openssh-key-v1, PROTOCOL.key in the OpenSSH sources)',
  jwt: 'JSON Web Token (RFC 7519), HMAC SHA-256 signature (RFC 7518)',
  k8sToken:
    'Kubernetes ServiceAccount token Secrets https://kubernetes.io/docs/concepts/configuration/secret/#serviceaccount-token-secrets',
  kubeconfig:
    'kubeconfig files https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/',
  docker: 'docker login credentials in config.json https://docs.docker.com/reference/cli/docker/login/',
  url: 'URI userinfo (RFC 3986 section 3.2.1)',
  postgres:
    'PostgreSQL connection URIs https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING-URIS',
  mongodb: 'MongoDB connection strings https://www.mongodb.com/docs/manual/reference/connection-string/',
  generic: 'a hard-coded credential (CWE-798)',
  written: 'written for this corpus',
};

// ---- The cases ----------------------------------------------------------------------------------

export function secretSamples(seed: string = defaultSeed): SecretSample[] {
  const random = new Random(seed);
  const samples: SecretSample[] = [];
  const add = (
    group: string,
    name: string,
    expect: 'tp' | 'fp',
    file: string,
    source: string,
    why: string,
    text: string,
  ) => samples.push({ id: `${group}/${expect}/${name}`, group, file, expect, source, why, text });

  // Values drawn in a fixed order: adding a case at the end leaves the others unchanged.
  const akia = `AKIA${random.chars(base32, 16)}`;
  const asia = `ASIA${random.chars(base32, 16)}`;
  const awsSecret = () => random.chars(base64Chars, 40);
  const rsa = rsaKey(random);
  const ec = ecKey(random);
  const ed = ed25519Key(random, 'deploy@build-01');

  // AWS
  add(
    'aws',
    'credentials-file',
    'tp',
    '.aws/credentials',
    docs.aws,
    'long-term key id (AKIA + 16 base32) with its 40-character secret access key',
    `[default]\naws_access_key_id = ${akia}\naws_secret_access_key = ${awsSecret()}\nregion = eu-west-1\n`,
  );
  add(
    'aws',
    'dotenv',
    'tp',
    'services/billing/.env',
    docs.aws,
    'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in a .env file',
    `NODE_ENV=production\nPORT=8080\nAWS_REGION=eu-west-1\nAWS_ACCESS_KEY_ID=AKIA${random.chars(base32, 16)}\nAWS_SECRET_ACCESS_KEY=${awsSecret()}\nS3_BUCKET=billing-exports\n`,
  );
  add(
    'aws',
    'boto3-session-token',
    'tp',
    'scripts/sync_reports.py',
    docs.aws,
    'temporary key id (ASIA) with secret key and session token in Python code',
    `import boto3\n\nsession = boto3.Session(\n    aws_access_key_id="${asia}",\n    aws_secret_access_key="${awsSecret()}",\n    aws_session_token="${random.chars(base64Chars, 356)}",\n    region_name="us-east-1",\n)\ns3 = session.client("s3")\n`,
  );
  add(
    'aws',
    'secret-key-alone-yaml',
    'tp',
    'deploy/values-prod.yaml',
    docs.aws,
    '40-character secret access key next to aws_secret_access_key (no key id in the file)',
    `storage:\n  driver: s3\n  s3:\n    bucket: artifacts-prod\n    region: eu-central-1\n    aws_secret_access_key: ${awsSecret()}\n`,
  );
  add(
    'aws',
    'terraform-provider',
    'tp',
    'infra/provider.tf',
    docs.aws,
    'static credentials in a Terraform provider block',
    `provider "aws" {\n  region     = "eu-west-1"\n  access_key = "AKIA${random.chars(base32, 16)}"\n  secret_key = "${awsSecret()}"\n}\n`,
  );
  add(
    'aws',
    'documentation-example',
    'fp',
    '.aws/credentials.example',
    docs.awsExample,
    "the AWS documentation's example key pair (AKIAIOSFODNN7EXAMPLE), published as an example",
    '[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n',
  );
  add(
    'aws',
    'env-reference',
    'fp',
    'docker-compose.yml',
    docs.written,
    'credentials taken from the environment (${...}), none written',
    'services:\n  worker:\n    image: registry.example.com/worker:1.4.2\n    environment:\n      AWS_ACCESS_KEY_ID: ${AWS_ACCESS_KEY_ID}\n      AWS_SECRET_ACCESS_KEY: ${AWS_SECRET_ACCESS_KEY}\n',
  );
  add(
    'aws',
    'arns-and-account-ids',
    'fp',
    'infra/outputs.json',
    docs.written,
    'ARNs, an account id and a role id (AROA...): identifiers, not credentials',
    `{\n  "role_arn": "arn:aws:iam::111122223333:role/app-runtime",\n  "role_id": "AROA${random.chars(base32, 17)}",\n  "account_id": "111122223333",\n  "kms_key_arn": "arn:aws:kms:eu-west-1:111122223333:key/${random.uuid()}"\n}\n`,
  );

  // GitHub
  const gh = (prefix: string) => `${prefix}${random.chars(alnum, 36)}`;
  add(
    'github',
    'ghp-shell-export',
    'tp',
    'scripts/release.sh',
    docs.github,
    'personal access token (ghp_ + 36) exported in a shell script',
    `#!/usr/bin/env bash\nset -euo pipefail\nexport GITHUB_TOKEN=${gh('ghp_')}\ngh release create "v$VERSION" dist/*.tar.gz\n`,
  );
  add(
    'github',
    'gho-json',
    'tp',
    'config/oauth-cache.json',
    docs.github,
    'OAuth access token (gho_ + 36) in JSON',
    `{\n  "provider": "github",\n  "access_token": "${gh('gho_')}",\n  "scope": "repo,read:org",\n  "token_type": "bearer"\n}\n`,
  );
  add(
    'github',
    'ghu-yaml',
    'tp',
    '.config/gh/hosts.yml',
    docs.github,
    'GitHub App user-to-server token (ghu_ + 36) in YAML',
    `github.com:\n    user: octo-dev\n    oauth_token: ${gh('ghu_')}\n    git_protocol: https\n`,
  );
  add(
    'github',
    'ghs-go',
    'tp',
    'internal/vcs/client.go',
    docs.github,
    'GitHub App installation token (ghs_ + 36) in Go code',
    `package vcs\n\nconst installationToken = "${gh('ghs_')}"\n\nfunc NewClient() *Client {\n\treturn &Client{token: installationToken, baseURL: "https://api.github.com"}\n}\n`,
  );
  add(
    'github',
    'ghr-dotenv',
    'tp',
    '.env',
    docs.github,
    'refresh token (ghr_ + 36) in a .env file',
    `GITHUB_APP_ID=381234\nGITHUB_REFRESH_TOKEN=${gh('ghr_')}\n`,
  );
  add(
    'github',
    'fine-grained-curl',
    'tp',
    'docs/ops/runbook.md',
    docs.github,
    'fine-grained personal access token (github_pat_ 22_59) in a curl Authorization header',
    `To list the workflow runs:\n\n\`\`\`sh\ncurl -H "Authorization: Bearer github_pat_${random.chars(alnum, 22)}_${random.chars(alnum, 59)}" \\\n  https://api.github.com/repos/acme/web/actions/runs\n\`\`\`\n`,
  );
  add(
    'github',
    'token-in-remote-url',
    'tp',
    '.git/config',
    docs.github,
    'token as the password of an https remote URL',
    `[remote "origin"]\n\turl = https://x-access-token:${gh('ghp_')}@github.com/acme/platform.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n`,
  );
  add(
    'github',
    'xxx-placeholder',
    'fp',
    'README.md',
    docs.written,
    'ghp_ followed by 36 x: a placeholder in documentation',
    '## Setup\n\nCreate a token and put it in `.env`:\n\n```\nGITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n```\n',
  );
  add(
    'github',
    'actions-secret-reference',
    'fp',
    '.github/workflows/ci.yml',
    docs.written,
    'a GitHub Actions secret reference (${{ secrets.X }}), no value',
    'jobs:\n  publish:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: gh release upload "$TAG" dist/*\n        env:\n          GH_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n',
  );

  // GitLab
  add(
    'gitlab',
    'ci-variable-file',
    'tp',
    '.gitlab/ci/release.sh',
    docs.gitlab,
    'personal access token (glpat- + 20) in a PRIVATE-TOKEN header',
    `curl --header "PRIVATE-TOKEN: glpat-${random.chars(urlSafe, 20)}" \\\n  "https://gitlab.example.com/api/v4/projects/42/releases"\n`,
  );
  add(
    'gitlab',
    'python-config',
    'tp',
    'tools/gl_sync/settings.py',
    docs.gitlab,
    'personal access token (glpat- + 20) in Python settings',
    `GITLAB_URL = "https://gitlab.example.com"\nGITLAB_TOKEN = "glpat-${random.chars(urlSafe, 20)}"\nGROUP_ID = 118\n`,
  );
  add(
    'gitlab',
    'placeholder',
    'fp',
    'docs/gitlab.md',
    docs.written,
    'a placeholder in angle brackets',
    'Set `GITLAB_TOKEN=<your-gitlab-token>` in your shell before running the sync.\n',
  );

  // Slack
  const slackBot = `xoxb-${random.chars(digits, 12)}-${random.chars(digits, 13)}-${random.chars(alnum, 24)}`;
  add(
    'slack',
    'bot-token-yaml',
    'tp',
    'charts/alerts/values.yaml',
    docs.slack,
    'bot token (xoxb-) in Helm values',
    `notifier:\n  slack:\n    channel: "#alerts"\n    botToken: ${slackBot}\n`,
  );
  add(
    'slack',
    'user-token-js',
    'tp',
    'src/integrations/slack.js',
    docs.slack,
    'user token (xoxp-) in JavaScript',
    `const { WebClient } = require('@slack/web-api');\n\nconst client = new WebClient('xoxp-${random.chars(digits, 12)}-${random.chars(digits, 12)}-${random.chars(digits, 13)}-${random.hex(32)}');\n\nmodule.exports = { client };\n`,
  );
  add(
    'slack',
    'app-token-dotenv',
    'tp',
    '.env.local',
    docs.slack,
    'app-level token (xapp-) in a .env file',
    `SLACK_APP_TOKEN=xapp-1-A${random.chars(upper + digits, 10)}-${random.chars(digits, 13)}-${random.hex(64)}\nSLACK_SOCKET_MODE=true\n`,
  );
  add(
    'slack',
    'webhook-python',
    'tp',
    'jobs/notify.py',
    docs.slackWebhook,
    'incoming webhook URL (its path is the secret) in Python',
    `import requests\n\nWEBHOOK = "https://hooks.slack.com/services/T${random.chars(upper + digits, 9)}/B${random.chars(upper + digits, 10)}/${random.chars(alnum, 24)}"\n\ndef notify(text):\n    requests.post(WEBHOOK, json={"text": text}, timeout=5)\n`,
  );
  add(
    'slack',
    'webhook-curl',
    'tp',
    'ci/notify.sh',
    docs.slackWebhook,
    'incoming webhook URL in a curl command',
    `curl -X POST -H 'Content-type: application/json' \\\n  --data '{"text":"deploy finished"}' \\\n  https://hooks.slack.com/services/T${random.chars(upper + digits, 9)}/B${random.chars(upper + digits, 10)}/${random.chars(alnum, 24)}\n`,
  );
  add(
    'slack',
    'angle-placeholder',
    'fp',
    '.env.example',
    docs.written,
    'placeholders in an example env file',
    'SLACK_BOT_TOKEN=<your-slack-bot-token>\nSLACK_SIGNING_SECRET=<your-signing-secret>\n',
  );
  add(
    'slack',
    'webhook-placeholder',
    'fp',
    'docs/alerts.md',
    docs.written,
    'the documentation-style webhook URL with XXX/YYY/ZZZ',
    'Paste the webhook URL, e.g. `https://hooks.slack.com/services/XXX/YYY/ZZZ`, into the form.\n',
  );

  // OpenAI
  add(
    'openai',
    'project-key-dotenv',
    'tp',
    'apps/assistant/.env',
    docs.openai,
    'project key (sk-proj-... with T3BlbkFJ) in a .env file',
    `OPENAI_API_KEY=sk-proj-${random.chars(urlSafe, 64)}T3BlbkFJ${random.chars(urlSafe, 64)}\nOPENAI_MODEL=gpt-4o-mini\n`,
  );
  add(
    'openai',
    'legacy-key-ts',
    'tp',
    'src/llm/client.ts',
    docs.openai,
    'user key (sk- 20 T3BlbkFJ 20) in TypeScript',
    `import OpenAI from 'openai';\n\nexport const openai = new OpenAI({\n  apiKey: 'sk-${random.chars(alnum, 20)}T3BlbkFJ${random.chars(alnum, 20)}',\n});\n`,
  );
  add(
    'openai',
    'env-interpolation',
    'fp',
    'compose.yaml',
    docs.written,
    'the key comes from the environment (${OPENAI_API_KEY})',
    'services:\n  assistant:\n    build: .\n    environment:\n      - OPENAI_API_KEY=${OPENAI_API_KEY}\n',
  );

  // Anthropic
  add(
    'anthropic',
    'api-key-python',
    'tp',
    'agent/config.py',
    docs.anthropic,
    'API key (sk-ant-api03- ... AA) in Python',
    `import anthropic\n\nclient = anthropic.Anthropic(api_key="sk-ant-api03-${random.chars(urlSafe, 93)}AA")\n`,
  );
  add(
    'anthropic',
    'curl-header',
    'tp',
    'scripts/smoke.sh',
    docs.anthropic,
    'API key in an x-api-key header',
    `curl https://api.anthropic.com/v1/messages \\\n  -H "x-api-key: sk-ant-api03-${random.chars(urlSafe, 93)}AA" \\\n  -H "anthropic-version: 2023-06-01" \\\n  -H "content-type: application/json" -d @request.json\n`,
  );

  // Stripe
  add(
    'stripe',
    'live-secret-key-ruby',
    'tp',
    'config/initializers/stripe.rb',
    docs.stripe,
    'live secret key (sk_live_) in Ruby',
    `Stripe.api_key = "sk_live_51${random.chars(alnum, 97)}"\nStripe.api_version = "2024-04-10"\n`,
  );
  add(
    'stripe',
    'restricted-key-php',
    'tp',
    'app/Billing/StripeClient.php',
    docs.stripe,
    'restricted live key (rk_live_) in PHP',
    `<?php\n\n$stripe = new \\Stripe\\StripeClient('rk_live_51${random.chars(alnum, 97)}');\n$charges = $stripe->charges->all(['limit' => 3]);\n`,
  );
  add(
    'stripe',
    'test-secret-key',
    'tp',
    'tests/fixtures/billing.env',
    docs.stripe,
    "test-mode secret key (sk_test_): decided a leak. It authenticates to the account's test mode (its customers, webhooks and settings there); lower impact than a live key, but a credential, not a placeholder",
    `STRIPE_SECRET_KEY=sk_test_51${random.chars(alnum, 97)}\n`,
  );
  add(
    'stripe',
    'publishable-key',
    'fp',
    'web/src/checkout.js',
    docs.stripe,
    'publishable key (pk_live_): meant to be public, embedded in web pages',
    `const stripe = Stripe('pk_live_51${random.chars(alnum, 97)}');\n`,
  );

  // Twilio
  add(
    'twilio',
    'api-key-and-secret',
    'tp',
    'notifications/.env',
    docs.twilio,
    'API key SID (SK + 32 hex) with its secret',
    `TWILIO_API_KEY=SK${random.hex(32)}\nTWILIO_API_SECRET=${random.chars(alnum, 32)}\n`,
  );
  add(
    'twilio',
    'account-sid-auth-token',
    'tp',
    'sms/sender.cs',
    docs.twilio,
    'account SID (AC + 32 hex) with its auth token (32 hex) in C#',
    `using Twilio;\n\npublic static class Sms\n{\n    const string AccountSid = "AC${random.hex(32)}";\n    const string AuthToken = "${random.hex(32)}";\n\n    public static void Init() => TwilioClient.Init(AccountSid, AuthToken);\n}\n`,
  );

  // SendGrid
  add(
    'sendgrid',
    'api-key-java',
    'tp',
    'src/main/java/com/acme/mail/Mailer.java',
    docs.sendgrid,
    'API key (SG.22.43) in Java',
    `package com.acme.mail;\n\npublic class Mailer {\n    private static final String SENDGRID_API_KEY = "SG.${random.chars(urlSafe, 22)}.${random.chars(urlSafe, 43)}";\n}\n`,
  );
  add(
    'sendgrid',
    'api-key-env',
    'tp',
    'mailer.env',
    docs.sendgrid,
    'API key in an env file',
    `SENDGRID_API_KEY=SG.${random.chars(urlSafe, 22)}.${random.chars(urlSafe, 43)}\n`,
  );

  // npm
  add(
    'npm',
    'npmrc',
    'tp',
    '.npmrc',
    docs.npm,
    'access token (npm_ + 36) as _authToken',
    `registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=npm_${random.chars(alnum, 36)}\n`,
  );
  add(
    'npm',
    'npmrc-env-reference',
    'fp',
    'packages/ui/.npmrc',
    docs.npm,
    'the token comes from the environment (${NPM_TOKEN})',
    '//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n',
  );

  // PyPI
  add(
    'pypi',
    'pypirc',
    'tp',
    '.pypirc',
    docs.pypi,
    'API token (pypi-AgEIcHlwaS5vcmc...) as the password of __token__',
    `[pypi]\nusername = __token__\npassword = pypi-AgEIcHlwaS5vcmc${b64url(random.bytes(120))}\n`,
  );

  // Google Cloud
  add(
    'gcp',
    'api-key-js',
    'tp',
    'web/src/maps.js',
    docs.gcpApiKey,
    'API key (AIza + 35) in JavaScript',
    `export const mapsConfig = {\n  apiKey: 'AIza${random.chars(urlSafe, 35)}',\n  libraries: ['places'],\n};\n`,
  );
  add(
    'gcp',
    'api-key-android-xml',
    'tp',
    'app/src/main/res/values/keys.xml',
    docs.gcpApiKey,
    'API key in an Android resource file',
    `<?xml version="1.0" encoding="utf-8"?>\n<resources>\n    <string name="google_api_key" translatable="false">AIza${random.chars(urlSafe, 35)}</string>\n</resources>\n`,
  );
  const gcpProject = `acme-data-${random.chars(digits, 6)}`;
  add(
    'gcp',
    'service-account-json',
    'tp',
    'secrets/etl-sa.json',
    docs.gcpServiceAccount,
    'service account key file: private_key is a PKCS #8 RSA key',
    `${JSON.stringify(
      {
        type: 'service_account',
        project_id: gcpProject,
        private_key_id: random.hex(40),
        private_key: rsa.export({ type: 'pkcs8', format: 'pem' }),
        client_email: `etl-runner@${gcpProject}.iam.gserviceaccount.com`,
        client_id: random.chars(digits, 21),
        auth_uri: 'https://accounts.google.com/o/oauth2/auth',
        token_uri: 'https://oauth2.googleapis.com/token',
        auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
        client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/etl-runner%40${gcpProject}.iam.gserviceaccount.com`,
        universe_domain: 'googleapis.com',
      },
      null,
      2,
    )}\n`,
  );
  add(
    'gcp',
    'workload-identity-config',
    'fp',
    'deploy/gcp-credentials.json',
    docs.gcpServiceAccount,
    'an external_account (workload identity federation) configuration: no key in it',
    `${JSON.stringify(
      {
        type: 'external_account',
        audience: `//iam.googleapis.com/projects/${random.chars(digits, 12)}/locations/global/workloadIdentityPools/github/providers/actions`,
        subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
        token_url: 'https://sts.googleapis.com/v1/token',
        credential_source: { file: '/var/run/secrets/tokens/gcp-ksa/token' },
      },
      null,
      2,
    )}\n`,
  );

  // Azure
  const storageKey = () => random.bytes(64).toString('base64');
  add(
    'azure',
    'storage-connection-string-json',
    'tp',
    'src/Api/appsettings.Production.json',
    docs.azure,
    'storage connection string with AccountKey (86 base64 + ==)',
    `{\n  "Logging": { "LogLevel": { "Default": "Information" } },\n  "ConnectionStrings": {\n    "Blobs": "DefaultEndpointsProtocol=https;AccountName=acmeprodblobs;AccountKey=${storageKey()};EndpointSuffix=core.windows.net"\n  }\n}\n`,
  );
  add(
    'azure',
    'storage-key-env',
    'tp',
    'infra/.env',
    docs.azure,
    'storage account key alone next to its account name',
    `AZURE_STORAGE_ACCOUNT=acmelogs\nAZURE_STORAGE_KEY=${storageKey()}\n`,
  );
  add(
    'azure',
    'service-bus-connection-string',
    'tp',
    'worker/local.settings.json',
    docs.azureServiceBus,
    'Service Bus connection string with SharedAccessKey',
    `{\n  "IsEncrypted": false,\n  "Values": {\n    "ServiceBus": "Endpoint=sb://acme-orders.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=${random.bytes(32).toString('base64')}"\n  }\n}\n`,
  );
  add(
    'azure',
    'development-storage',
    'fp',
    'src/Api/appsettings.Development.json',
    docs.azure,
    'UseDevelopmentStorage=true: the local emulator, no key',
    '{\n  "ConnectionStrings": {\n    "Blobs": "UseDevelopmentStorage=true"\n  }\n}\n',
  );

  // Private keys
  add(
    'private-key',
    'rsa-pkcs1',
    'tp',
    'deploy/keys/signing.key',
    docs.pem,
    'RSA PRIVATE KEY (PKCS #1) PEM file',
    rsa.export({ type: 'pkcs1', format: 'pem' }) as string,
  );
  add(
    'private-key',
    'ec-sec1-yaml',
    'tp',
    'k8s/ingress-tls.yaml',
    docs.pem,
    'EC PRIVATE KEY (SEC 1) in a Kubernetes Secret stringData block',
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ingress-tls\ntype: kubernetes.io/tls\nstringData:\n  tls.key: |\n${(ec.export({ type: 'sec1', format: 'pem' }) as string).replace(/^/gm, '    ').trimEnd()}\n`,
  );
  add(
    'private-key',
    'openssh-ed25519',
    'tp',
    '.ssh/id_ed25519',
    docs.openssh,
    'OPENSSH PRIVATE KEY file (Ed25519, unencrypted)',
    ed.privatePem,
  );
  add(
    'private-key',
    'pkcs8-in-json-string',
    'tp',
    'config/jwt-keys.json',
    docs.pem,
    'PRIVATE KEY (PKCS #8, EC) inside a JSON string with \\n escapes',
    `${JSON.stringify({ kid: 'signing-2024', alg: 'ES256', privateKey: ec.export({ type: 'pkcs8', format: 'pem' }) }, null, 2)}\n`,
  );
  add(
    'private-key',
    'pkcs8-dockerfile',
    'tp',
    'Dockerfile',
    docs.pem,
    'PKCS #8 key written into an image by a Dockerfile',
    `FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nRUN mkdir -p /etc/app && printf '%s\\n' \\\n${(
      ed.pkcs8Pem as string
    )
      .trimEnd()
      .split('\n')
      .map((line) => `    '${line}'`)
      .join(' \\\n')} \\\n    > /etc/app/signing.pem\nCMD ["node", "server.js"]\n`,
  );
  add(
    'private-key',
    'placeholder-dots',
    'fp',
    'docs/tls.md',
    docs.written,
    'a PEM frame with no key in it (dots)',
    'Put the key in `tls.key`:\n\n```\n-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----\n```\n',
  );
  add(
    'private-key',
    'placeholder-text',
    'fp',
    'charts/app/values.yaml',
    docs.written,
    'a PEM frame around a placeholder',
    'tls:\n  key: |\n    -----BEGIN RSA PRIVATE KEY-----\n    <paste your private key here>\n    -----END RSA PRIVATE KEY-----\n',
  );

  // Public keys and certificates (no secret)
  add(
    'public-key-and-certificate',
    'public-key-pem',
    'fp',
    'config/jwt-public.pem',
    docs.pem,
    'PUBLIC KEY (SubjectPublicKeyInfo): public by design',
    crypto.createPublicKey(rsa).export({ type: 'spki', format: 'pem' }) as string,
  );
  add(
    'public-key-and-certificate',
    'authorized-keys',
    'fp',
    '.ssh/authorized_keys',
    docs.openssh,
    'an OpenSSH public key line',
    `${ed.publicLine}\n`,
  );
  add(
    'public-key-and-certificate',
    'certificate',
    'fp',
    'certs/internal-ca.crt',
    docs.pem,
    'a self-signed CERTIFICATE: public',
    certificate(rsa, 'internal-ca', random.bytes(16)),
  );
  add(
    'public-key-and-certificate',
    'kubeconfig-ca-only',
    'fp',
    'kubeconfig-exec.yaml',
    docs.kubeconfig,
    'kubeconfig with the cluster CA (base64 certificate) and an exec credential plugin: no credential in the file',
    `apiVersion: v1\nkind: Config\nclusters:\n  - name: prod\n    cluster:\n      server: https://203.0.113.10:6443\n      certificate-authority-data: ${Buffer.from(certificate(rsa, 'kubernetes', random.bytes(16))).toString('base64')}\ncontexts:\n  - name: prod\n    context: { cluster: prod, user: oidc }\ncurrent-context: prod\nusers:\n  - name: oidc\n    user:\n      exec:\n        apiVersion: client.authentication.k8s.io/v1\n        command: kubectl\n        args: [oidc-login, get-token, --oidc-issuer-url=https://sso.example.com]\n`,
  );

  // JWTs
  add(
    'jwt',
    'hs256-curl',
    'tp',
    'scripts/call-api.sh',
    docs.jwt,
    'a signed bearer token (HS256) in a curl Authorization header',
    `curl -s https://api.example.com/v2/orders \\\n  -H "Authorization: Bearer ${jwtHs256({ sub: 'svc-reporting', scope: 'orders:read', iat: 1714953600, exp: 2030745600 }, random.bytes(32))}"\n`,
  );
  const saToken = jwtRs256(
    {
      iss: 'kubernetes/serviceaccount',
      'kubernetes.io/serviceaccount/namespace': 'ci',
      'kubernetes.io/serviceaccount/secret.name': `deployer-token-${random.chars(lower + digits, 5)}`,
      'kubernetes.io/serviceaccount/service-account.name': 'deployer',
      'kubernetes.io/serviceaccount/service-account.uid': random.uuid(),
      sub: 'system:serviceaccount:ci:deployer',
    },
    rsa,
    random.chars(urlSafe, 43),
  );
  add(
    'jwt',
    'k8s-serviceaccount-token',
    'tp',
    'ci/kube-token.env',
    docs.k8sToken,
    'a Kubernetes ServiceAccount token (iss kubernetes/serviceaccount, RS256): never expires',
    `KUBE_SERVER=https://203.0.113.10:6443\nKUBE_TOKEN=${saToken}\n`,
  );
  add(
    'jwt',
    'alg-none-example',
    'fp',
    'docs/auth.md',
    docs.jwt,
    'decided no leak: an unsecured JWT (alg none, no signature) is forgeable by anyone and proves nothing; this one is the usual documentation example',
    `An unsigned token looks like this:\n\n    ${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${b64url(JSON.stringify({ sub: '1234567890', name: 'John Doe', iat: 1516239022 }))}.\n`,
  );

  // kubeconfig
  add(
    'kubeconfig',
    'client-key-data',
    'tp',
    '.kube/config',
    docs.kubeconfig,
    'client-key-data: a base64 EC private key',
    `apiVersion: v1\nkind: Config\nclusters:\n  - name: staging\n    cluster:\n      server: https://198.51.100.7:6443\n      certificate-authority-data: ${Buffer.from(certificate(rsa, 'staging-ca', random.bytes(16))).toString('base64')}\nusers:\n  - name: admin\n    user:\n      client-certificate-data: ${Buffer.from(certificate(rsa, 'admin', random.bytes(16))).toString('base64')}\n      client-key-data: ${Buffer.from(ec.export({ type: 'sec1', format: 'pem' }) as string).toString('base64')}\ncontexts:\n  - name: staging\n    context: { cluster: staging, user: admin }\ncurrent-context: staging\n`,
  );
  add(
    'kubeconfig',
    'token',
    'tp',
    'ci/kubeconfig.yaml',
    docs.kubeconfig,
    'a ServiceAccount token as user token',
    `apiVersion: v1\nkind: Config\nclusters:\n  - name: prod\n    cluster: { server: "https://203.0.113.10:6443", insecure-skip-tls-verify: true }\nusers:\n  - name: deployer\n    user:\n      token: ${saToken}\ncontexts:\n  - name: prod\n    context: { cluster: prod, user: deployer, namespace: ci }\ncurrent-context: prod\n`,
  );

  // Docker
  const dockerAuth = Buffer.from(`ci-bot:${random.password(24)}`).toString('base64');
  add(
    'docker',
    'config-json-auth',
    'tp',
    '.docker/config.json',
    docs.docker,
    'auths entry: "auth" is base64(user:password)',
    `{\n  "auths": {\n    "registry.example.com": {\n      "auth": "${dockerAuth}"\n    }\n  }\n}\n`,
  );
  add(
    'docker',
    'dockerconfigjson-secret',
    'tp',
    'k8s/pull-secret.yaml',
    docs.docker,
    'a kubernetes.io/dockerconfigjson Secret with username, password and auth',
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: regcred\ntype: kubernetes.io/dockerconfigjson\nstringData:\n  .dockerconfigjson: |\n    {"auths":{"ghcr.io":{"username":"acme-bot","password":"${random.password(28)}","auth":"${Buffer.from(`acme-bot:${random.password(28)}`).toString('base64')}"}}}\n`,
  );
  add(
    'docker',
    'creds-store',
    'fp',
    '.docker/config.json',
    docs.docker,
    'credentials kept in the OS store (credsStore), empty auths',
    '{\n  "auths": {\n    "https://index.docker.io/v1/": {}\n  },\n  "credsStore": "desktop"\n}\n',
  );

  // URLs with credentials
  add(
    'url-credentials',
    'pip-index-url',
    'tp',
    'pip.conf',
    docs.url,
    'basic-auth credentials in a package index URL',
    `[global]\nindex-url = https://deploy:${random.urlPassword(20)}@pypi.internal.example.com/simple/\n`,
  );
  add(
    'url-credentials',
    'git-clone',
    'tp',
    'ci/checkout.sh',
    docs.url,
    'user and password in a git clone URL',
    `git clone https://build-bot:${random.urlPassword(22)}@git.example.com/acme/app.git src\n`,
  );
  add(
    'url-credentials',
    'amqp-url',
    'tp',
    'config/broker.yml',
    docs.url,
    'password in an AMQP URL',
    `broker:\n  url: amqps://orders:${random.urlPassword(24)}@mq.internal.example.com:5671/orders\n`,
  );
  add(
    'url-credentials',
    'user-only',
    'fp',
    'Makefile',
    docs.url,
    'a user name in the URL, no password',
    'clone:\n\tgit clone https://git@github.com/acme/app.git\n',
  );

  // Database URLs
  add(
    'database-url',
    'postgres-dotenv',
    'tp',
    'api/.env',
    docs.postgres,
    'PostgreSQL URI with a password',
    `DATABASE_URL=postgres://app:${random.urlPassword(24)}@db.internal.example.com:5432/app?sslmode=require\n`,
  );
  add(
    'database-url',
    'mongodb-srv-js',
    'tp',
    'src/db.js',
    docs.mongodb,
    'MongoDB SRV connection string with a password',
    `const { MongoClient } = require('mongodb');\nconst uri = 'mongodb+srv://reporting:${random.urlPassword(20)}@cluster0.ab12c.mongodb.net/analytics?retryWrites=true&w=majority';\nmodule.exports = new MongoClient(uri);\n`,
  );
  add(
    'database-url',
    'mysql-yaml',
    'tp',
    'config/database.yml',
    docs.url,
    'MySQL URL with a password in YAML',
    `production:\n  url: mysql2://shop:${random.urlPassword(22)}@mysql.internal.example.com:3306/shop\n  pool: 10\n`,
  );
  add(
    'database-url',
    'redis-password',
    'tp',
    'worker/settings.toml',
    docs.url,
    'Redis URL with a password only (empty user)',
    `[cache]\nurl = "rediss://:${random.urlPassword(32)}@cache.internal.example.com:6380/0"\n`,
  );
  add(
    'database-url',
    'password-from-env',
    'fp',
    'api/.env.example',
    docs.written,
    'the password is a ${DB_PASSWORD} reference',
    'DATABASE_URL=postgres://app:${DB_PASSWORD}@localhost:5432/app\n',
  );
  add(
    'database-url',
    'literal-password-placeholder',
    'fp',
    'README.md',
    docs.written,
    'user:password in a documentation URL: the word "password" as a placeholder',
    'Connect with `psql postgres://user:password@localhost:5432/mydb`.\n',
  );

  // Generic passwords
  add(
    'generic-password',
    'python-assignment',
    'tp',
    'app/settings_prod.py',
    docs.generic,
    'password = "<high entropy>" in Python',
    `DATABASES = {\n    "default": {\n        "ENGINE": "django.db.backends.postgresql",\n        "NAME": "shop",\n        "USER": "shop",\n        "PASSWORD": "${random.password(24)}",\n        "HOST": "db.internal.example.com",\n    }\n}\n`,
  );
  add(
    'generic-password',
    'java-properties',
    'tp',
    'src/main/resources/application-prod.properties',
    docs.generic,
    'spring datasource password in a properties file',
    `spring.datasource.url=jdbc:postgresql://db.internal.example.com:5432/orders\nspring.datasource.username=orders\nspring.datasource.password=${random.password(22)}\n`,
  );
  add(
    'generic-password',
    'yaml-password',
    'tp',
    'config/ldap.yaml',
    docs.generic,
    'bind password in YAML',
    `ldap:\n  url: ldaps://ldap.example.com:636\n  bindDN: cn=svc-portal,ou=services,dc=example,dc=com\n  password: "${random.password(26)}"\n`,
  );
  add(
    'generic-password',
    'csharp-connection-string',
    'tp',
    'src/Data/Db.cs',
    docs.generic,
    'Password= in an ADO.NET connection string',
    `public static class Db\n{\n    public const string ConnectionString =\n        "Server=sql.internal.example.com;Database=Orders;User Id=orders_app;Password=${random.password(24)};Encrypt=True";\n}\n`,
  );
  add(
    'generic-password',
    'changeme',
    'fp',
    'docker-compose.dev.yml',
    docs.written,
    'changeme: a well-known default for local development',
    'services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: changeme\n',
  );
  add(
    'generic-password',
    'helm-template',
    'fp',
    'charts/app/templates/secret.yaml',
    docs.written,
    'a Helm template expression ({{ .Values.token }}), no value',
    'apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ include "app.fullname" . }}\nstringData:\n  token: {{ .Values.token | quote }}\n  password: {{ required "password is required" .Values.password }}\n',
  );
  add(
    'generic-password',
    'password-words',
    'fp',
    'src/auth/routes.py',
    docs.written,
    'identifiers containing "password": no value',
    'PASSWORD_MIN_LENGTH = 12\npassword_reset_url = f"{BASE_URL}/account/password/reset"\n\ndef forgot_password(request):\n    token_expiry_minutes = settings.PASSWORD_RESET_TIMEOUT // 60\n    return render(request, "forgot_password.html", {"expiry": token_expiry_minutes})\n',
  );
  add(
    'generic-password',
    'password-prompt',
    'fp',
    'cli/login.go',
    docs.written,
    'a password read from the terminal, not written',
    'package cli\n\nfunc readPassword() (string, error) {\n\tfmt.Print("Password: ")\n\tpassword, err := term.ReadPassword(int(os.Stdin.Fd()))\n\treturn string(password), err\n}\n',
  );

  // Hashes and identifiers
  const integrity = () => `sha512-${random.bytes(64).toString('base64')}`;
  add(
    'hashes-and-ids',
    'package-lock-integrity',
    'fp',
    'package-lock.json',
    docs.written,
    'sha512 integrity hashes of a lockfile',
    `{\n  "name": "web",\n  "lockfileVersion": 3,\n  "packages": {\n    "node_modules/react": {\n      "version": "18.3.1",\n      "resolved": "https://registry.npmjs.org/react/-/react-18.3.1.tgz",\n      "integrity": "${integrity()}"\n    },\n    "node_modules/scheduler": {\n      "version": "0.23.2",\n      "resolved": "https://registry.npmjs.org/scheduler/-/scheduler-0.23.2.tgz",\n      "integrity": "${integrity()}"\n    }\n  }\n}\n`,
  );
  add(
    'hashes-and-ids',
    'pnpm-lock',
    'fp',
    'pnpm-lock.yaml',
    docs.written,
    'pnpm lockfile resolutions (sha512 integrity)',
    `lockfileVersion: '9.0'\npackages:\n  lodash@4.17.21:\n    resolution: {integrity: ${integrity()}}\n  zod@3.23.8:\n    resolution: {integrity: ${integrity()}}\n`,
  );
  add(
    'hashes-and-ids',
    'cargo-and-go-sums',
    'fp',
    'go.sum',
    docs.written,
    'go.sum h1: hashes (sha256, base64)',
    `github.com/google/uuid v1.6.0 h1:${random.bytes(32).toString('base64')}\ngithub.com/google/uuid v1.6.0/go.mod h1:${random.bytes(32).toString('base64')}\n`,
  );
  add(
    'hashes-and-ids',
    'git-shas',
    'fp',
    'CHANGELOG.md',
    docs.written,
    'git commit SHAs (40 hex) in a changelog',
    `## 2.3.0\n\n- Faster search (${random.hex(40)})\n- Fix the login redirect (${random.hex(40)})\n- Merge branch 'release/2.3' into main, ${random.hex(40)}\n`,
  );
  add(
    'hashes-and-ids',
    'image-digest',
    'fp',
    'k8s/deployment.yaml',
    docs.written,
    'an image pinned by its sha256 digest',
    `spec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: ghcr.io/acme/web@sha256:${random.hex(64)}\n`,
  );
  add(
    'hashes-and-ids',
    'uuids',
    'fp',
    'fixtures/orders.json',
    docs.written,
    'UUIDs as record ids',
    `[\n  { "id": "${random.uuid()}", "customer": "${random.uuid()}", "total": 41.9 },\n  { "id": "${random.uuid()}", "customer": "${random.uuid()}", "total": 7.5 }\n]\n`,
  );
  add(
    'hashes-and-ids',
    'sri-script-tag',
    'fp',
    'public/index.html',
    docs.written,
    'a subresource integrity hash (sha384) on a script tag',
    `<script src="https://cdn.example.com/lib/app.min.js" integrity="sha384-${random.bytes(48).toString('base64')}" crossorigin="anonymous"></script>\n`,
  );

  // Encoded media and code
  const png = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), random.bytes(600)]);
  add(
    'encoded-media',
    'png-data-uri',
    'fp',
    'src/styles/logo.css',
    docs.written,
    'a PNG image as a base64 data URI',
    `.logo {\n  background-image: url("data:image/png;base64,${png.toString('base64')}");\n}\n`,
  );
  const woff2 = Buffer.concat([Buffer.from('wOF2'), random.bytes(900)]);
  add(
    'encoded-media',
    'font-data-uri',
    'fp',
    'src/styles/fonts.css',
    docs.written,
    'a WOFF2 font as a base64 data URI',
    `@font-face {\n  font-family: "Inter";\n  src: url(data:font/woff2;base64,${woff2.toString('base64')}) format("woff2");\n}\n`,
  );
  const colours = Array.from({ length: 24 }, () => `'#${random.hex(6)}'`);
  add(
    'code-and-prose',
    'colour-table',
    'fp',
    'src/theme/palette.ts',
    docs.written,
    'a table of hex colours',
    `export const palette = [\n  ${colours.join(', ')},\n];\n`,
  );
  add(
    'code-and-prose',
    'minified-js',
    'fp',
    'dist/assets/index-4f2a.js',
    docs.written,
    'minified-JavaScript-like identifiers and webpack chunk names',
    `"use strict";(self.webpackChunkacme_web=self.webpackChunkacme_web||[]).push([[179],{${random.chars(digits, 4)}:function(e,t,n){var __WEBPACK_IMPORTED_MODULE_0_react_dom_client__=n(${random.chars(digits, 4)});var _0x${random.hex(6)}=function(e){return e.replace(/[A-Za-z0-9_$]{24}/g,"")};t.Z=useMemoizedCallbackWithDependencyTrackingForSuspenseBoundary}}]);\n`,
  );
  add(
    'code-and-prose',
    'test-fixture-names',
    'fp',
    'src/auth/token.test.ts',
    docs.written,
    'test code about tokens, with obviously fake values',
    "it('rejects an expired token', () => {\n  const token = 'expired-token';\n  expect(verify(token, { secret: 'test-secret' })).toBe(false);\n});\n",
  );

  return samples;
}

// ---- Writing the expectations file --------------------------------------------------------------

const here = path.dirname(fileURLToPath(import.meta.url));
export const expectationsFile = path.join(here, 'corpus/secrets/expected.json');

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (!process.argv.includes('--write')) {
    console.log('usage: tsx scripts/bench/detection/secret-samples.ts --write');
  } else {
    const samples = secretSamples(defaultSeed);
    const file = {
      description:
        'tp: a leak must be found in the text (any rule); fp: no leak at all. The texts are generated at run time by scripts/bench/detection/secret-samples.ts from the seed below; this file records each case, what it expects and why. Written from each format’s public documentation before any detector run.',
      seed: defaultSeed,
      cases: samples.map(({ text: _, ...rest }) => rest),
    };
    fs.writeFileSync(expectationsFile, `${JSON.stringify(file, null, 2)}\n`);
    console.log(`${samples.length} cases written to ${path.relative(process.cwd(), expectationsFile)}`);
  }
}
