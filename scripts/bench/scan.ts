// Scan benchmark on PostgreSQL: a synthetic AWS credential report and authorization-details export
// with N principals (default 100k), ingested by the scanner (connector + batch reconciliation, as the
// scanner.scan job runs it), next to a raw COPY of the very rows each first scan wrote, and a re-scan
// of the unchanged files. Works in fresh databases nhi_bench_scan_<timestamp>[_copy], dropped at the end.
//
// Usage: pnpm bench:scan [principals=100000] [only=gcp]  (gcp: only the Google Cloud import row)
//        pnpm bench:scan 0 aws-organization: only the 50-account AWS organization row (scan-organization.ts)
//        pnpm bench:scan 20000 connector: only the connectors' reading of the two AWS files, in CPU time
//          (process.cpuUsage, three runs each, no database); add --cpu-prof to node for a profile:
//          node --cpu-prof --import tsx scripts/bench/scan.ts 20000 connector
//        TEST_DATABASE_URL selects the server (default postgresql://postgres@127.0.0.1:5432/postgres).
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
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
import { actionCatalogue } from '../../packages/scanner/src/connectors/aws/action-catalogue.ts';
import { readAuthorizationDetails } from '../../packages/scanner/src/connectors/aws/authorization-details.ts';
import { readCredentialReport } from '../../packages/scanner/src/connectors/aws/credential-report.ts';
import { ScannerSecrets, ScanRunner } from '../../packages/scanner/src/index.ts';
import { organizationRow } from './scan-organization.ts';

const principals = Number(process.argv[2] ?? 100_000);
const only = process.argv[3];
/** The Google Cloud row: an export of this many service accounts, as `gcloud` writes them. */
const gcpServiceAccounts = 20_000;
const serverUrl = process.env.TEST_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';
const databaseName = `nhi_bench_scan_${Date.now()}`;
const copyDatabaseName = `${databaseName}_copy`;
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

/**
 * A Google Cloud export of `count` service accounts over 20 projects: two in three with a user-managed key,
 * key activity for half of those, and project policies binding a few as
 * owner, editor or token creator and the rest as viewers, one binding per role as IAM keeps them.
 */
function gcpExport(count: number): string {
  const projects = Array.from({ length: 20 }, (_, i) => `bench-prj-${i}`);
  const serviceAccounts = [];
  const keys: Record<string, unknown[]> = {};
  const members: Record<string, Record<string, string[]>> = {};
  const activity: Record<string, unknown[]> = Object.fromEntries(projects.map((p) => [p, []]));
  for (let i = 0; i < count; i++) {
    const project = projects[i % projects.length] as string;
    const email = `svc-${i}@${project}.iam.gserviceaccount.com`;
    serviceAccounts.push({
      name: `projects/${project}/serviceAccounts/${email}`,
      projectId: project,
      uniqueId: String(100_000_000_000_000_000_000n + BigInt(i)),
      email,
      displayName: `svc ${i}`,
      disabled: i % 50 === 0,
    });
    const keyId = i.toString(16).padStart(40, '0');
    const keyName = `projects/${project}/serviceAccounts/${email}/keys/${keyId}`;
    // As `keys list --managed-by=user` prints them: system-managed keys are not asked for.
    keys[email] = [
      ...(i % 3 !== 0
        ? [
            {
              name: keyName,
              keyType: 'USER_MANAGED',
              keyOrigin: 'GOOGLE_PROVIDED',
              validAfterTime: iso(100 + (i % 300)),
              validBeforeTime: i % 4 === 0 ? iso(-30) : '9999-12-31T23:59:59Z',
              disabled: i % 40 === 0,
            },
          ]
        : []),
    ];
    if (i % 3 !== 0 && i % 2 === 0)
      activity[project]?.push({
        fullResourceName: `//iam.googleapis.com/${keyName}`,
        activityType: 'serviceAccountKeyLastAuthentication',
        activity: { lastAuthenticatedTime: iso(i % 60) },
      });
    const role =
      i % 500 === 0
        ? 'roles/owner'
        : i % 50 === 0
          ? 'roles/editor'
          : i % 100 === 7
            ? 'roles/iam.serviceAccountTokenCreator'
            : 'roles/viewer';
    const policy = members[`projects/${project}`] ?? {};
    members[`projects/${project}`] = policy;
    const list = policy[role] ?? [];
    policy[role] = list;
    list.push(`serviceAccount:${email}`);
  }
  const policies = Object.fromEntries(
    Object.entries(members).map(([resource, roles]) => [
      resource,
      { version: 1, bindings: Object.entries(roles).map(([role, list]) => ({ role, members: list })) },
    ]),
  );
  return JSON.stringify({ serviceAccounts, keys, policies, keyLastAuthentication: activity });
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
        startedAt: true,
      },
    }),
  );
  if (result.state !== 'succeeded' || !result.startedAt)
    throw new Error(`scan ${result.state}: ${result.error}`);
  return { seconds, ...result, startedAt: result.startedAt };
}

/** A database's URL on the bench server. */
function urlOf(name: string) {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

interface CopiedRows {
  table: string;
  rows: Buffer;
}

/** The rows a scan wrote, exactly as stored, in COPY's text format. */
async function rowsWritten(client: pg.Client, parts: { table: string; where: string }[]) {
  const copied: CopiedRows[] = [];
  for (const { table, where } of parts) {
    const chunks: Buffer[] = [];
    const stream = client.query(copyTo(`COPY (SELECT * FROM "${table}" WHERE ${where}) TO STDOUT`));
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    copied.push({ table, rows: Buffer.concat(chunks) });
  }
  return copied;
}

/**
 * The floor any ingest is measured against: the very rows the scan wrote (identities with all their
 * columns, credentials, versions, source items, facts), COPYed in one transaction into the same empty
 * tables of a second database with the same schema and indexes.
 */
async function rawCopy(url: string, copied: CopiedRows[]) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`TRUNCATE "Nhi", "NhiVersion", "Credential", "SourceItem", "ScanFact" CASCADE`);
    const started = performance.now();
    await client.query('BEGIN');
    for (const { table, rows } of copied)
      await pipeline(Readable.from([rows]), client.query(copyFrom(`COPY "${table}" FROM STDIN`)));
    await client.query('COMMIT');
    return (performance.now() - started) / 1000;
  } finally {
    await client.end();
  }
}

/**
 * The inventory list filtered by source (page of 50 and total, as nhi.list runs them), with the
 * plan of the page: how long a list takes on what a scan just wrote, depending on the statistics.
 */
async function listBySource(url: string, realmId: string, sourceId: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // A list that takes longer than this counts as "over two minutes".
    await client.query('SET statement_timeout = 120000');
    const where = `n."realmId" = $1 AND n."deletedAt" IS NULL AND EXISTS (SELECT 1 FROM "SourceItem" AS si
      WHERE si."realmId" = n."realmId" AND si."nhiId" = n.id AND si."sourceId" IN ($2))`;
    const page = `SELECT n.id, n.name, u.email FROM "Nhi" AS n LEFT JOIN "User" AS u ON u.id = n."ownerUserId"
      WHERE ${where} ORDER BY n.name, n.id LIMIT 51`;
    const count = `SELECT count(*)::int AS total FROM "Nhi" AS n WHERE ${where}`;
    const plan = await client.query(`EXPLAIN ${page}`, [realmId, sourceId]);
    const started = performance.now();
    try {
      await client.query(page, [realmId, sourceId]);
      await client.query(count, [realmId, sourceId]);
    } catch (error) {
      if ((error as { code?: string }).code !== '57014') throw error;
      return { seconds: Number.POSITIVE_INFINITY, plan: plan.rows.map((r) => r['QUERY PLAN']).join('\n') };
    }
    const seconds = (performance.now() - started) / 1000;
    return { seconds, plan: plan.rows.map((r) => r['QUERY PLAN']).join('\n') };
  } finally {
    await client.end();
  }
}

function describeList(label: string, list: { seconds: number; plan: string }) {
  const time = Number.isFinite(list.seconds) ? `${list.seconds.toFixed(2)} s` : 'over 120 s (stopped)';
  console.log(`${label}: ${time}`);
  for (const line of list.plan.split('\n').slice(0, 8)) console.log(`    ${line}`);
}

/**
 * The connector phase alone: the CPU time (user + system, not wall time, which a loaded machine makes
 * noise of) the AWS connectors take to read each file, parsing included, three runs each.
 */
async function connectorRow() {
  const report = credentialReport(principals);
  const details = authorizationDetails(principals);
  // The action catalogue is read once per process, before any scan: not part of the runs.
  await actionCatalogue();
  for (const [name, read] of [
    ['credential report', () => readCredentialReport(report)],
    ['authorization details', () => readAuthorizationDetails(details)],
  ] as const) {
    const runs: number[] = [];
    for (let run = 0; run < 3; run++) {
      const before = process.cpuUsage();
      const output = await read();
      const used = process.cpuUsage(before);
      runs.push((used.user + used.system) / 1e6);
      if (output.nhis.length !== principals) throw new Error(`${name}: ${output.nhis.length} identities`);
    }
    console.log(
      `${name}, connector of ${principals} principals, CPU time: ${runs.map((s) => `${s.toFixed(2)} s`).join(', ')}`,
    );
  }
}

async function main() {
  // No database: the organization row measures reading 50 accounts from the fake AWS endpoints.
  if (only === 'aws-organization') return organizationRow();
  if (only === 'connector') return connectorRow();
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${databaseName}"`);
  await admin.query(`CREATE DATABASE "${copyDatabaseName}"`);
  let db: PlatformDatabase | undefined;
  let copyDb: PlatformDatabase | undefined;
  const reader = new pg.Client({ connectionString: urlOf(databaseName) });
  try {
    db = await openDatabase({ databaseUrl: urlOf(databaseName), dataDir: IN_MEMORY, maxConnections: 4 });
    await applyMigrations(db);
    copyDb = await openDatabase({
      databaseUrl: urlOf(copyDatabaseName),
      dataDir: IN_MEMORY,
      maxConnections: 1,
    });
    await applyMigrations(copyDb);
    await reader.connect();
    const logger = createLogger({ level: 'warn' });
    const config = loadConfig({ NHI_DATA_DIR: IN_MEMORY, LOG_LEVEL: 'warn' });
    const secrets = new ScannerSecrets(config, db, logger);
    const runner = new ScanRunner(db, logger, secrets, new SecretFingerprints(config, db, logger));
    const realm = await db.systemPrisma.realm.create({
      data: { slug: 'bench', name: 'Bench' },
      select: { id: true, slug: true, name: true },
    });
    const source = await db.systemPrisma.source.create({
      data: { realmId: realm.id, type: 'aws_iam', name: 'bench account', environment: 'production' },
      select: { id: true, realmId: true, type: true, name: true, environment: true },
    });
    // The COPY database holds the same realm and source, so the copied rows are the scan's, byte for byte.
    await copyDb.systemPrisma.realm.create({ data: realm });
    await copyDb.systemPrisma.source.create({ data: source });
    await copyDb.close();
    copyDb = undefined;

    console.log(`Generating a credential report and an authorization export with ${principals} principals…`);
    const report = credentialReport(principals);
    const details = authorizationDetails(principals);
    console.log(
      `  credential report ${(report.length / 1e6).toFixed(1)} MB, authorization details ${(details.length / 1e6).toFixed(1)} MB\n`,
    );

    const inRealm = `"realmId" = '${realm.id}'`;
    const results: { name: string; first: number; again: number; copy: number }[] = [];
    for (const [name, input, content, tables] of [
      ['credential report', 'aws.credential_report', report, ['Nhi', 'Credential']],
      ['authorization details', 'aws.authorization_details', details, ['Nhi', 'NhiVersion']],
    ] as const) {
      if (only === 'gcp') continue;
      const first = await scan(db, runner, secrets, realm.id, source.id, input, content);
      const written = await rowsWritten(reader, [
        ...tables.map((table) => ({ table, where: inRealm })),
        { table: 'SourceItem', where: `${inRealm} AND input = '${input}'` },
        { table: 'ScanFact', where: `${inRealm} AND "lastSeenAt" = '${first.startedAt.toISOString()}'` },
      ]);
      const copy = await rawCopy(urlOf(copyDatabaseName), written);
      if (input === 'aws.authorization_details') {
        // The same rows, once with the statistics a scan leaves (it analyzes what it wrote) and once
        // as COPY left them: planned on the statistics of the empty tables until ANALYZE.
        describeList(
          'Inventory list by source after the scan',
          await listBySource(urlOf(databaseName), realm.id, source.id),
        );
        describeList(
          'Same rows without fresh statistics',
          await listBySource(urlOf(copyDatabaseName), realm.id, source.id),
        );
        const analyzer = new pg.Client({ connectionString: urlOf(copyDatabaseName) });
        await analyzer.connect();
        await analyzer.query('ANALYZE "Nhi", "SourceItem"');
        await analyzer.end();
        describeList(
          'Same rows after ANALYZE',
          await listBySource(urlOf(copyDatabaseName), realm.id, source.id),
        );
        console.log('');
      }
      const again = await scan(db, runner, secrets, realm.id, source.id, input, content);
      const rows = written.map(({ table, rows }) => `${rows.toString().split('\n').length - 1} ${table}`);
      console.log(
        `${name}, raw COPY of the rows the first scan wrote (${rows.join(', ')}): ${copy.toFixed(2)} s = ${Math.round(principals / copy)} NHIs/s`,
      );
      console.log(
        `${name}, first scan: ${first.seconds.toFixed(2)} s = ${Math.round(principals / first.seconds)} NHIs/s ` +
          `(${first.newCount} new, ${first.updatedCount} updated) = ${(copy / first.seconds).toFixed(2)}x raw COPY`,
      );
      console.log(
        `${name}, unchanged re-scan: ${again.seconds.toFixed(2)} s (${again.unchangedCount} unchanged, ` +
          `${again.updatedCount} updated) = ${(first.seconds / again.seconds).toFixed(1)}x faster than the first\n`,
      );
      results.push({ name, first: first.seconds, again: again.seconds, copy });
    }
    const gcpSource = await db.systemPrisma.source.create({
      data: { realmId: realm.id, type: 'gcp', name: 'bench cloud', environment: 'production' },
      select: { id: true },
    });
    const gcp = gcpExport(gcpServiceAccounts);
    const gcpScan = await scan(db, runner, secrets, realm.id, gcpSource.id, 'gcp.export', gcp);
    console.log(
      `Google Cloud import of ${gcpServiceAccounts} service accounts (${(gcp.length / 1e6).toFixed(1)} MB): ` +
        `${gcpScan.seconds.toFixed(2)} s to finish the scan = ${Math.round(gcpServiceAccounts / gcpScan.seconds)} NHIs/s ` +
        `(${gcpScan.newCount} new, ${gcpScan.itemsTotal} items)\n`,
    );
    for (const { name, first, again, copy } of results) {
      const targets = [
        [`>= 20000 NHIs/s on the first scan`, principals / first >= 20_000],
        [`>= 0.5x raw COPY`, copy / first >= 0.5],
        [`unchanged re-scan >= 3x faster`, first / again >= 3],
      ] as const;
      for (const [target, met] of targets) console.log(`${met ? 'met    ' : 'MISSED '} ${name}: ${target}`);
    }
  } finally {
    await reader.end().catch(() => undefined);
    await copyDb?.close();
    await db?.close();
    if (!process.env.NHI_KEEP) {
      await admin.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
      await admin.query(`DROP DATABASE IF EXISTS "${copyDatabaseName}" WITH (FORCE)`);
    }
    await admin.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
