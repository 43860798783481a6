// Scan benchmark on PostgreSQL: a synthetic AWS credential report and authorization-details export
// with N principals (default 100k), ingested by the scanner (connector + batch reconciliation, as the
// scanner.scan job runs it), next to a raw COPY of the same identity and credential rows, and a
// re-scan of the unchanged files. Works in a fresh database nhi_bench_scan_<timestamp>, dropped at the end.
//
// Usage: pnpm bench:scan [principals=100000]
//        TEST_DATABASE_URL selects the server (default postgresql://postgres@127.0.0.1:5432/postgres).
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import {
  applyMigrations,
  createLogger,
  IN_MEMORY,
  loadConfig,
  openDatabase,
  type PlatformDatabase,
  RealmDb,
  SecretFingerprints,
} from '../../packages/platform/src/index.ts';
import { ScannerSecrets, ScanRunner } from '../../packages/scanner/src/index.ts';

const principals = Number(process.argv[2] ?? 100_000);
const serverUrl = process.env.TEST_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';
const databaseName = `nhi_bench_scan_${Date.now()}`;
const benchUrl = (() => {
  const url = new URL(serverUrl);
  url.pathname = `/${databaseName}`;
  return url.toString();
})();
const account = '123456789012';
const iso = (daysAgo: number) =>
  new Date(Date.UTC(2026, 10, 1) - daysAgo * 86_400_000).toISOString().replace('.000Z', '+00:00');

const header =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';

/** Deterministic variety: machine users with one or two keys, some unused, some with a password. */
function credentialReport(count: number): string {
  const lines = [header];
  for (let i = 0; i < count; i++) {
    const name = `svc-${i}`;
    const password = i % 10 === 0;
    const used = i % 7 !== 0 ? iso(i % 90) : 'N/A';
    const second = i % 4 === 0;
    lines.push(
      [
        name,
        `arn:aws:iam::${account}:user/${name}`,
        iso(400 + (i % 300)),
        String(password),
        password ? iso(i % 30) : 'N/A',
        'N/A',
        'N/A',
        'false',
        'true',
        iso(100 + (i % 200)),
        used,
        used === 'N/A' ? 'N/A' : 'us-east-1',
        used === 'N/A' ? 'N/A' : 's3',
        String(second),
        second ? iso(50) : 'N/A',
        second ? iso(3) : 'N/A',
        second ? 'eu-west-1' : 'N/A',
        second ? 'sts' : 'N/A',
        'false',
        'N/A',
        'false',
        'N/A',
      ].join(','),
    );
  }
  return lines.join('\n');
}

function authorizationDetails(count: number): string {
  const groups = ['admins', 'deployers', 'readers'].map((name, index) => ({
    GroupName: name,
    Arn: `arn:aws:iam::${account}:group/${name}`,
    AttachedManagedPolicies:
      index === 0
        ? [{ PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess', PolicyName: 'AdministratorAccess' }]
        : [],
    GroupPolicyList:
      index === 1
        ? [
            {
              PolicyName: 'deploy',
              PolicyDocument: {
                Statement: [{ Effect: 'Allow', Action: ['s3:*', 'iam:PassRole'], Resource: '*' }],
              },
            },
          ]
        : [
            {
              PolicyName: 'read',
              PolicyDocument: { Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: '*' }] },
            },
          ],
  }));
  const users = Array.from({ length: count }, (_, i) => ({
    UserName: `svc-${i}`,
    Arn: `arn:aws:iam::${account}:user/svc-${i}`,
    CreateDate: iso(400 + (i % 300)),
    GroupList: [groups[i % 100 === 0 ? 0 : i % 2 === 0 ? 1 : 2]?.GroupName],
    UserPolicyList: [],
    AttachedManagedPolicies: [],
  }));
  return JSON.stringify({ UserDetailList: users, GroupDetailList: groups, RoleDetailList: [], Policies: [] });
}

async function scan(
  db: PlatformDatabase,
  runner: ScanRunner,
  secrets: ScannerSecrets,
  realmId: string,
  sourceId: string,
  input: string,
  content: string,
) {
  const realmDb = new RealmDb(db, realmId);
  const encrypted = await secrets.encrypt(Buffer.from(content));
  const { id } = await realmDb.transaction((tx) =>
    tx.scan.create({
      data: {
        sourceId,
        input,
        uploadEncrypted: new Uint8Array(encrypted),
        triggeredByType: 'system',
        triggeredById: 'bench',
      },
      select: { id: true },
    }),
  );
  const started = performance.now();
  await runner.run(realmId, id, { batchSize: 2000 });
  const seconds = (performance.now() - started) / 1000;
  const result = await realmDb.transaction((tx) =>
    tx.scan.findUniqueOrThrow({
      where: { id },
      select: {
        state: true,
        error: true,
        newCount: true,
        updatedCount: true,
        unchangedCount: true,
        itemsTotal: true,
      },
    }),
  );
  if (result.state !== 'succeeded') throw new Error(`scan ${result.state}: ${result.error}`);
  return { seconds, ...result };
}

/** The same identities and credentials as plain rows, through COPY: the floor any ingest is measured against. */
async function rawCopy(url: string, realmId: string, count: number) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const started = performance.now();
    await client.query('BEGIN');
    const nhiIds: string[] = [];
    const nhiRows = Readable.from(
      (function* () {
        for (let i = 0; i < count; i++) {
          const id = randomUUID();
          nhiIds.push(id);
          yield `${id}\t${realmId}\tservice_account\taws\tarn:aws:iam::${account}:user/svc-${i}\tsvc-${i}\tproduction\tactive\t[]\t{"awsAccountId":"${account}"}\tscan:aws_iam\t${iso(1)}\n`;
        }
      })(),
    );
    await pipeline(
      nhiRows,
      client.query(
        copyFrom(
          'COPY "Nhi" (id, "realmId", kind, provider, "externalId", name, environment, status, permissions, metadata, "sourceType", "updatedAt") FROM STDIN',
        ),
      ),
    );
    const credentialRows = Readable.from(
      (function* () {
        for (let i = 0; i < count; i++) {
          yield `${randomUUID()}\t${realmId}\t${nhiIds[i]}\taccess_key\taccess_key_1\t${iso(100)}\tactive\t${iso(1)}\n`;
          if (i % 4 === 0)
            yield `${randomUUID()}\t${realmId}\t${nhiIds[i]}\taccess_key\taccess_key_2\t${iso(50)}\tactive\t${iso(1)}\n`;
        }
      })(),
    );
    await pipeline(
      credentialRows,
      client.query(
        copyFrom(
          'COPY "Credential" (id, "realmId", "nhiId", kind, hint, "lastRotatedAt", status, "updatedAt") FROM STDIN',
        ),
      ),
    );
    await client.query('COMMIT');
    return (performance.now() - started) / 1000;
  } finally {
    await client.end();
  }
}

async function main() {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${databaseName}"`);
  let db: PlatformDatabase | undefined;
  try {
    db = await openDatabase({ databaseUrl: benchUrl, dataDir: IN_MEMORY, maxConnections: 4 });
    await applyMigrations(db);
    const logger = createLogger({ level: 'warn' });
    const config = loadConfig({ NHI_DATA_DIR: IN_MEMORY, LOG_LEVEL: 'warn' });
    const secrets = new ScannerSecrets(config, db, logger);
    const runner = new ScanRunner(db, logger, secrets, new SecretFingerprints(config, db, logger));
    const prisma = db.systemPrisma;
    const realm = await prisma.realm.create({ data: { slug: 'bench', name: 'Bench' }, select: { id: true } });
    const copyRealm = await prisma.realm.create({
      data: { slug: 'copy', name: 'Raw COPY' },
      select: { id: true },
    });
    const source = await prisma.source.create({
      data: { realmId: realm.id, type: 'aws_iam', name: 'bench account', environment: 'production' },
      select: { id: true },
    });

    console.log(`Generating a credential report and an authorization export with ${principals} principals…`);
    const report = credentialReport(principals);
    const details = authorizationDetails(principals);
    console.log(
      `  credential report ${(report.length / 1e6).toFixed(1)} MB, authorization details ${(details.length / 1e6).toFixed(1)} MB\n`,
    );

    const copySeconds = await rawCopy(benchUrl, copyRealm.id, principals);
    const copyRate = principals / copySeconds;
    console.log(
      `raw COPY of the same identities + credentials: ${copySeconds.toFixed(2)} s = ${Math.round(copyRate)} NHIs/s`,
    );

    const first = await scan(db, runner, secrets, realm.id, source.id, 'aws.credential_report', report);
    const firstRate = principals / first.seconds;
    console.log(
      `credential report, first scan:  ${first.seconds.toFixed(2)} s = ${Math.round(firstRate)} NHIs/s ` +
        `(${first.newCount} new) = ${(firstRate / copyRate).toFixed(2)}x raw COPY`,
    );
    const again = await scan(db, runner, secrets, realm.id, source.id, 'aws.credential_report', report);
    console.log(
      `credential report, unchanged re-scan: ${again.seconds.toFixed(2)} s (${again.unchangedCount} unchanged, ` +
        `${again.updatedCount} updated) = ${(first.seconds / again.seconds).toFixed(1)}x faster than the first`,
    );
    const authz = await scan(db, runner, secrets, realm.id, source.id, 'aws.authorization_details', details);
    console.log(
      `authorization details, first scan: ${authz.seconds.toFixed(2)} s = ${Math.round(principals / authz.seconds)} NHIs/s ` +
        `(${authz.updatedCount} identities gained permissions)`,
    );
    const authzAgain = await scan(
      db,
      runner,
      secrets,
      realm.id,
      source.id,
      'aws.authorization_details',
      details,
    );
    console.log(
      `authorization details, unchanged re-scan: ${authzAgain.seconds.toFixed(2)} s = ` +
        `${(authz.seconds / authzAgain.seconds).toFixed(1)}x faster than the first\n`,
    );
    const targets = [
      [`>= 20000 NHIs/s on the first scan`, firstRate >= 20_000],
      [`>= 0.5x raw COPY`, firstRate / copyRate >= 0.5],
      [`unchanged re-scan >= 3x faster`, first.seconds / again.seconds >= 3],
    ] as const;
    for (const [name, met] of targets) console.log(`${met ? 'met    ' : 'MISSED '} ${name}`);
  } finally {
    await db?.close();
    await admin.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
