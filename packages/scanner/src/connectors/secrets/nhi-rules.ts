import type { SecretHit, TextFile } from './secret-hit.ts';
import type { SecretType } from './secret-types.ts';

/**
 * Secrets of machine identities that neither rule set tells apart or finds: Kubernetes
 * service-account tokens among JWTs, Azure storage account keys, registry credentials in Docker
 * config files, passwords in URLs and quoted password assignments (whatever punctuation they hold),
 * and private keys kept base64-encoded (a kubeconfig's client-key-data). The patterns have no nested
 * repetition and bounded lengths, so they run in linear time like the RE2 rules.
 */

const jwtPattern = /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/g;

function jsonOfBase64(text: string): unknown {
  try {
    return JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A service-account token names its issuer `kubernetes/serviceaccount` (legacy Secret tokens) or
 * carries a `kubernetes.io` claim (bound tokens, whose issuer is the cluster's URL).
 */
export function isKubernetesServiceAccountClaims(payload: Record<string, unknown>): boolean {
  return (
    payload.iss === 'kubernetes/serviceaccount' ||
    Object.keys(payload).some((claim) => claim.startsWith('kubernetes.io'))
  );
}

function jwtHits(content: string): SecretHit[] {
  const hits: SecretHit[] = [];
  for (const match of content.matchAll(jwtPattern)) {
    const [header, payload] = match[0].split('.').map(jsonOfBase64);
    if (!isObject(header) || typeof header.alg !== 'string' || !isObject(payload)) continue;
    const kubernetes = isKubernetesServiceAccountClaims(payload);
    hits.push({
      rule: kubernetes ? 'nhi/kubernetes-service-account-token' : 'nhi/jwt',
      secretType: kubernetes ? 'kubernetes_service_account_token' : 'jwt',
      start: match.index,
      end: match.index + match[0].length,
    });
  }
  return hits;
}

// A storage account key is 64 random bytes: 86 base64 characters and `==`.
const storageKeyPatterns = [
  /\bAccountKey=([A-Za-z0-9+/]{86}==)/g,
  /(?:azure|storage)[\w.-]{0,30}(?:key|secret)[\w.-]{0,10}["']?\s{0,3}[:=]\s{0,3}["']?([A-Za-z0-9+/]{86}==)/gi,
];

function azureStorageKeyHits(content: string): SecretHit[] {
  return storageKeyPatterns.flatMap((pattern) =>
    [...content.matchAll(pattern)].map((match) => {
      const key = match[1] ?? '';
      const start = match.index + match[0].length - key.length;
      return {
        rule: 'nhi/azure-storage-account-key',
        secretType: 'azure_storage_key' as const,
        start,
        end: start + key.length,
      };
    }),
  );
}

const dockerAuthPattern = /"auth"\s*:\s*"([A-Za-z0-9+/]{4,}={0,2})"/g;
const dockerConfigValuePattern = /\.dockerconfigjson["']?\s*:\s*["']?([A-Za-z0-9+/]{20,}={0,2})/g;

/** `auth` is base64 of `user:password`. */
function isBasicCredential(base64: string): boolean {
  const decoded = Buffer.from(base64, 'base64').toString('utf8');
  return /^[^:\s]+:\S+$/.test(decoded);
}

function dockerAuthHits(content: string): SecretHit[] {
  const hits: SecretHit[] = [];
  const hit = (start: number, length: number) =>
    hits.push({ rule: 'nhi/docker-config-auth', secretType: 'docker_auth', start, end: start + length });
  if (content.includes('"auths"'))
    for (const match of content.matchAll(dockerAuthPattern)) {
      const auth = match[1] ?? '';
      if (isBasicCredential(auth)) hit(match.index + match[0].length - 1 - auth.length, auth.length);
    }
  // A Kubernetes Secret of type dockerconfigjson holds the whole config file base64-encoded.
  for (const match of content.matchAll(dockerConfigValuePattern)) {
    const value = match[1] ?? '';
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const auths = decoded.includes('"auths"') ? [...decoded.matchAll(dockerAuthPattern)] : [];
    if (auths.some((auth) => isBasicCredential(auth[1] ?? '')))
      hit(match.index + match[0].length - value.length, value.length);
  }
  return hits;
}

/**
 * Schemes of databases and data stores: a password in their URL is a `database_url`, in any other
 * (https, ftp, amqp, ssh, ldap, ...) `basic_auth`. A scheme's `+` variant (`mongodb+srv`,
 * `postgresql+psycopg2`) is its base scheme.
 */
const databaseSchemes = new Set([
  'postgres',
  'postgresql',
  'postgis',
  'pgsql',
  'mysql',
  'mysql2',
  'mysqlx',
  'mariadb',
  'mongodb',
  'redis',
  'rediss',
  'valkey',
  'sqlserver',
  'mssql',
  'oracle',
  'cockroachdb',
  'clickhouse',
  'couchdb',
  'cassandra',
  'neo4j',
  'bolt',
  'memcached',
  'influxdb',
  'db2',
  'snowflake',
  'vertica',
  'presto',
  'trino',
  'hive',
]);

// RFC 3986 userinfo after `scheme://`: a user (possibly empty) and a password of unreserved,
// percent-encoded and sub-delimiter characters (no quotes, which end the string the URL is in), then
// `@` and a host.
const userinfoPattern = /([^\s:/?#@'"`<>[\]{}\\]{0,128}):([A-Za-z0-9\-._~%!$&()*+,;=]{1,256})@[A-Za-z0-9[]/y;

/**
 * Passwords in URLs of any scheme (`https://user:password@host`, `amqps://`, `rediss://:password@`,
 * `mysql2://`): the secret is the password. One that repeats the user (`admin:admin`) is a default,
 * not a secret; placeholders (`${...}`, `****`, `password`) are dropped with every detector's.
 */
function urlCredentialHits(content: string): SecretHit[] {
  const hits: SecretHit[] = [];
  for (let at = content.indexOf('://'); at !== -1; at = content.indexOf('://', at + 3)) {
    let schemeStart = at;
    while (schemeStart > 0 && schemeStart > at - 32 && /[A-Za-z0-9+.-]/.test(content[schemeStart - 1] ?? ''))
      schemeStart -= 1;
    const scheme = content
      .slice(schemeStart, at)
      .replace(/^[^A-Za-z]+/, '')
      .toLowerCase();
    if (!scheme) continue;
    userinfoPattern.lastIndex = at + 3;
    const match = userinfoPattern.exec(content);
    if (!match) continue;
    const [whole, user = '', password = ''] = match;
    if (password === user) continue;
    const start = match.index + user.length + 1;
    const secretType: SecretType = databaseSchemes.has(scheme.split('+')[0] ?? '')
      ? 'database_url'
      : 'basic_auth';
    hits.push({ rule: 'nhi/url-credentials', secretType, start, end: start + password.length });
    at = match.index + whole.length - 3;
  }
  return hits;
}

/**
 * A quoted value assigned to a key that names a password or a secret (`"PASSWORD": "..."`,
 * `password: '...'`, `db_password = "..."`, `client_secret => "..."`): the quotes delimit it, so it
 * may hold any punctuation. Template expressions, references and prose (spaces) are not matched or
 * are dropped as placeholders; a value must look random enough to be a secret: 8 to 128 characters,
 * at least three kinds among lower case, upper case, digits and symbols, and not a reference to a
 * store (`vault:...`, `env:...`, a path). The keyword ends the key: `password_reset_url = "..."`
 * names no password.
 */
const passwordAssignmentPattern =
  /(?:passw(?:or)?d|passphrase|pwd|secret)(?:[_-]?key)?["']?[ \t]{0,3}(?:=>|:=|=|:)[ \t]{0,3}[rbuRBU]?(["'`])([^"'`\s\\]{8,128})\1/gi;

/**
 * Kinds of characters in a value: lower case, upper case, digits, ASCII symbols. Letters of other
 * scripts count as none, and a final `:`, `.`, `?` or `!` is punctuation of a label, not of a secret
 * (`"password": "Contraseña:"` in a locale file).
 */
function characterKinds(value: string): number {
  const body = value.replace(/[:.?!]$/, '');
  return [/[a-z]/, /[A-Z]/, /[0-9]/, /[!-/:-@[-`{-~]/].filter((kind) => kind.test(body)).length;
}

/**
 * Values of a password key that are no password: a hash of one (`$2b$12$...`, `pbkdf2_sha256$...`,
 * `{SSHA}...`), a reference to a store or an identifier (`vault:...`, `env:DB_PASSWORD`, `arn:...`,
 * `sha256:...`), a path or a resource name (`projects/p/secrets/db/versions/1`, `./secret.txt`).
 */
const notAPassword = [
  /^\$(?:2[abxy]?|[156]|argon2\w*|scrypt|pbkdf2[\w-]*)\$/,
  /^(?:pbkdf2_sha\d+|bcrypt(?:_sha256)?|argon2|sha1|md5)\$/,
  /^\{[A-Z0-9-]+\}/,
  /^[A-Za-z][\w+.-]*:/,
  /^[~.]{0,2}\//,
  /^[a-z0-9_.-]+(?:\/[a-z0-9_.-]+)+$/,
];

function passwordAssignmentHits(content: string): SecretHit[] {
  const hits: SecretHit[] = [];
  for (const match of content.matchAll(passwordAssignmentPattern)) {
    const value = match[2] ?? '';
    if (characterKinds(value) < 3 || notAPassword.some((pattern) => pattern.test(value))) continue;
    const start = match.index + match[0].length - 1 - value.length;
    hits.push({ rule: 'nhi/password-assignment', secretType: 'generic', start, end: start + value.length });
  }
  return hits;
}

// `-----BEGIN` in base64, as it starts a base64-encoded PEM file.
const base64PemStart = 'LS0tLS1CRUdJT';
const privateKeyBlock =
  /-----BEGIN ([A-Z0-9 ]{0,40})PRIVATE KEY( BLOCK)?-----[\s\S]{0,16384}?-----END \1PRIVATE KEY\2-----/;

/**
 * A PEM file kept base64-encoded, as kubeconfig `client-key-data` and the `tls.key` of a Kubernetes
 * TLS Secret hold it: a private key in it is reported as the base64 text, fingerprinted as the
 * decoded PEM block so that it is the same leak as the key found in PEM form elsewhere. Certificates
 * (`client-certificate-data`, `certificate-authority-data`) are no secret.
 */
function base64PrivateKeyHits(content: string): SecretHit[] {
  const hits: SecretHit[] = [];
  for (let at = content.indexOf(base64PemStart); at !== -1; at = content.indexOf(base64PemStart, at + 1)) {
    let end = at;
    while (end < content.length && /[A-Za-z0-9+/=]/.test(content[end] ?? '')) end += 1;
    const key = privateKeyBlock.exec(Buffer.from(content.slice(at, end), 'base64').toString('latin1'));
    if (key)
      hits.push({
        rule: 'nhi/base64-private-key',
        secretType: 'private_key',
        start: at,
        end,
        decoded: key[0],
      });
    at = end - 1;
  }
  return hits;
}

/**
 * An AWS secret access key (40 base64 characters) assigned to a key that names it
 * (`aws_secret_access_key = ...`, `"SecretAccessKey": "..."`). secretlint's rule wants a word
 * boundary after the key, so it misses the keys that end in `/` or `+` (one in 32).
 */
const awsSecretKeyPattern =
  /(?:aws_?)?secret_?access_?key["']?[ \t]{0,3}(?::|=>|=)[ \t]{0,3}["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi;

function awsSecretKeyHits(content: string): SecretHit[] {
  return [...content.matchAll(awsSecretKeyPattern)].map((match) => {
    const key = match[1] ?? '';
    const start = match.index + match[0].length - key.length;
    return {
      rule: 'nhi/aws-secret-access-key',
      secretType: 'aws_secret_access_key',
      start,
      end: start + key.length,
    };
  });
}

/** The secrets this project's own rules find in a file. */
export function nhiHits(file: TextFile): SecretHit[] {
  return [
    ...jwtHits(file.content),
    ...azureStorageKeyHits(file.content),
    ...dockerAuthHits(file.content),
    ...urlCredentialHits(file.content),
    ...passwordAssignmentHits(file.content),
    ...base64PrivateKeyHits(file.content),
    ...awsSecretKeyHits(file.content),
  ];
}
