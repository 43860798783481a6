// Policy decision benchmark on PostgreSQL: one realm with 10k groups in a tree 10 levels deep, 50k users
// (each in one or two groups), 20k assignments of 60 custom policies over 40 permissions (a tenth of them
// expiring, later than the run). Measures `can` through PolicyDecisions.permissionsOf (the resolver the
// guards call: one epoch lookup in the database, then the cache) warm and cold (first decision for a
// user), the in-memory part alone, the realm's reload after a change, an administrator's changes through
// PolicyService (an assignment made and revoked, a member added and removed, a group moved and moved
// back; median and p95 of each) with the decision after them, and the same decisions made by
// node-casbin (RBAC with role hierarchy: user -> group -> parent group, p = group, permission) in the
// same run. Both engines' answers are compared on every measured decision.
// Scoped decisions (ADR 0040): a tenth of the assignments carry a scope (a group in the tree's top three
// levels); the run measures `coverage(permission)` as a request reads it, for the decisions whose
// grants are all scoped (the union of the scope groups' subtrees), warm and first-asked.
// Works in a fresh database nhi_bench_policy_<timestamp>, dropped at the end.
//
// Usage: pnpm bench:policy [decisions=20000] [casbinDecisions=300] [scale=1]
//        scale < 1 shrinks groups, users and assignments alike (a quick smoke run).
//        TEST_DATABASE_URL selects the server (default postgresql://postgres@127.0.0.1:5432/postgres).
import { randomUUID } from 'node:crypto';
import { newEnforcer, newModelFromString } from 'casbin';
import {
  applyMigrations,
  definePermissions,
  IN_MEMORY,
  openDatabase,
  type PlatformDatabase,
  type Principal,
  RealmDb,
  type RealmRef,
  systemClock,
} from '../../packages/platform/src/index.ts';
import { PolicyService } from '../../packages/policy/src/service/policy.service.ts';
import { PolicyDecisions } from '../../packages/policy/src/service/policy-decisions.ts';
import { effectiveAccess } from '../../packages/policy/src/service/policy-engine.ts';

const decisions = Number(process.argv[2] ?? 20_000);
const casbinDecisions = Number(process.argv[3] ?? 300);
const scale = Number(process.argv[4] ?? 1);
const depth = 10;
const groupCount = Math.max(depth, Math.round((10_000 * scale) / depth) * depth);
const userCount = Math.max(10, Math.round(50_000 * scale));
const assignmentCount = Math.max(10, Math.round(20_000 * scale));
const scopedShare = 0.1;
const policyCount = 60;
const permissionCount = 40;

const serverUrl = process.env.TEST_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';
const databaseName = `nhi_bench_policy_${Date.now()}`;
const benchUrl = (() => {
  const url = new URL(serverUrl);
  url.pathname = `/${databaseName}`;
  return url.toString();
})();

let seed = 20_261_122;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
};
const pickIndex = (n: number) => Math.floor(random() * n);
// Scopes come from their own sequence, so the unscoped data (and its figures) stay as they were.
let scopeSeed = 20_261_205;
const scopeRandom = () => {
  scopeSeed = (scopeSeed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return scopeSeed / 2_147_483_648;
};

const permissionKeys = Array.from(
  { length: permissionCount },
  (_, i) => `bench:perm${String(i).padStart(2, '0')}`,
);
definePermissions(
  permissionKeys.map((key) => ({
    key,
    description: `Benchmark permission ${key}`,
    grantedTo: [],
    scopable: true,
  })),
);

interface Data {
  realm: RealmRef;
  groups: { id: string; parentId: string | null }[];
  users: { id: string; email: string; groupIds: string[] }[];
  policies: { id: string; permissions: string[] }[];
  assignments: {
    id: string;
    policyId: string;
    groupId: string;
    expiresAt: Date | null;
    scopeGroupId: string | null;
  }[];
}

function generate(realmId: string): Omit<Data, 'realm'> {
  const perLevel = groupCount / depth;
  const groups: Data['groups'] = [];
  for (let level = 0; level < depth; level += 1) {
    for (let i = 0; i < perLevel; i += 1) {
      const parent =
        level === 0 ? null : (groups[(level - 1) * perLevel + pickIndex(perLevel)] as { id: string });
      groups.push({ id: randomUUID(), parentId: parent?.id ?? null });
    }
  }
  const users = Array.from({ length: userCount }, (_, i) => {
    const groupIds = [(groups[pickIndex(groupCount)] as { id: string }).id];
    if (random() < 0.5) groupIds.push((groups[pickIndex(groupCount)] as { id: string }).id);
    return {
      id: randomUUID(),
      email: `user${i}@${realmId.slice(0, 8)}.bench`,
      groupIds: [...new Set(groupIds)],
    };
  });
  const policies = Array.from({ length: policyCount }, () => {
    const permissions = new Set<string>();
    const size = 3 + pickIndex(6);
    while (permissions.size < size) permissions.add(permissionKeys[pickIndex(permissionCount)] as string);
    return { id: randomUUID(), permissions: [...permissions] };
  });
  const later = new Date(Date.now() + 30 * 86_400_000);
  const topLevels = (groupCount / depth) * 3;
  const assignments = Array.from({ length: assignmentCount }, () => ({
    id: randomUUID(),
    policyId: (policies[pickIndex(policyCount)] as { id: string }).id,
    groupId: (groups[pickIndex(groupCount)] as { id: string }).id,
    expiresAt: random() < 0.1 ? later : null,
    scopeGroupId:
      scopeRandom() < scopedShare
        ? (groups[Math.floor(scopeRandom() * topLevels)] as { id: string }).id
        : null,
  }));
  return { groups, users, policies, assignments };
}

async function chunked<T>(rows: T[], size: number, insert: (chunk: T[]) => Promise<unknown>) {
  for (let i = 0; i < rows.length; i += size) await insert(rows.slice(i, i + size));
}

async function seedDatabase(db: PlatformDatabase): Promise<Data> {
  const prisma = db.systemPrisma;
  const realm = await prisma.realm.create({
    data: { slug: 'bench', name: 'Bench' },
    select: { id: true, slug: true },
  });
  const data = generate(realm.id);
  // Parents first: the tree's foreign key checks each row's parent.
  await chunked(data.groups, 1000, (chunk) =>
    prisma.policyGroup.createMany({
      data: chunk.map((g, i) => ({
        id: g.id,
        realmId: realm.id,
        parentId: g.parentId,
        name: `g${i}-${g.id.slice(0, 6)}`,
      })),
    }),
  );
  await chunked(data.users, 2000, (chunk) =>
    prisma.user.createMany({ data: chunk.map((u) => ({ id: u.id, email: u.email, passwordHash: 'x' })) }),
  );
  await chunked(data.users, 2000, (chunk) =>
    prisma.realmMembership.createMany({
      data: chunk.map((u) => ({ realmId: realm.id, userId: u.id, role: 'viewer' as const })),
    }),
  );
  // As in every realm, an administrator (not among the measured users, whom casbin also judges).
  const administrator = await prisma.user.create({
    data: { email: 'admin@bench.example', passwordHash: 'x' },
    select: { id: true },
  });
  await prisma.realmMembership.create({
    data: { realmId: realm.id, userId: administrator.id, role: 'admin' },
    select: { userId: true },
  });
  await chunked(
    data.users.flatMap((u) => u.groupIds.map((groupId) => ({ realmId: realm.id, groupId, userId: u.id }))),
    2000,
    (chunk) => prisma.policyGroupMember.createMany({ data: chunk }),
  );
  await prisma.policy.createMany({
    data: data.policies.map((p, i) => ({
      id: p.id,
      realmId: realm.id,
      name: `Policy ${i}`,
      permissions: p.permissions,
    })),
  });
  await chunked(data.assignments, 2000, (chunk) =>
    prisma.policyAssignment.createMany({
      data: chunk.map((a) => ({
        ...a,
        realmId: realm.id,
        reason: 'bench',
        assignedByType: 'system' as const,
      })),
    }),
  );
  return { realm, ...data };
}

const casbinModel = `
[request_definition]
r = sub, obj
[policy_definition]
p = sub, obj
[role_definition]
g = _, _
[policy_effect]
e = some(where (p.eft == allow))
[matchers]
m = g(r.sub, p.sub) && r.obj == p.obj
`;

async function casbinEnforcer(data: Data) {
  const enforcer = await newEnforcer(newModelFromString(casbinModel));
  // A user is in their groups; a group holds its parent's role, so assignments flow down the tree.
  const links = [
    ...data.users.flatMap((u) => u.groupIds.map((g) => [`user:${u.id}`, `group:${g}`])),
    ...data.groups.filter((g) => g.parentId).map((g) => [`group:${g.id}`, `group:${g.parentId}`]),
  ];
  const permissionsOf = new Map(data.policies.map((p) => [p.id, p.permissions]));
  const rules = new Set<string>();
  for (const a of data.assignments) {
    for (const permission of permissionsOf.get(a.policyId) ?? [])
      rules.add(`group:${a.groupId}\u0000${permission}`);
  }
  await enforcer.addGroupingPolicies(links);
  await enforcer.addPolicies([...rules].map((rule) => rule.split('\u0000')));
  // Users sit one level below the deepest group.
  const roleManager = enforcer.getRoleManager() as unknown as { maxHierarchyLevel?: number };
  if (roleManager.maxHierarchyLevel !== undefined) roleManager.maxHierarchyLevel = depth + 2;
  await enforcer.buildRoleLinks();
  return enforcer;
}

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
  const total = samples.reduce((s, v) => s + v, 0);
  return {
    n: samples.length,
    perSecond: Math.round((samples.length / total) * 1000),
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
  };
}

function row(name: string, s: ReturnType<typeof stats>) {
  console.log(
    `${name.padEnd(46)} ${String(s.n).padStart(7)} ${String(s.perSecond).padStart(11)}/s   p50 ${s.p50.toFixed(3)} ms   p99 ${s.p99.toFixed(3)} ms`,
  );
}

async function main() {
  const admin = await openDatabase({ databaseUrl: serverUrl, dataDir: IN_MEMORY, maxConnections: 1 });
  await admin.systemPrisma.$executeRawUnsafe(`CREATE DATABASE "${databaseName}"`);
  await admin.close();
  const db = await openDatabase({ databaseUrl: benchUrl, dataDir: IN_MEMORY, maxConnections: 4 });
  try {
    await applyMigrations(db);
    let started = performance.now();
    const data = await seedDatabase(db);
    console.log(
      `seeded ${groupCount} groups (depth ${depth}), ${userCount} users, ${assignmentCount} assignments in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );

    const resolver = new PolicyDecisions(db, systemClock);
    started = performance.now();
    const state = await resolver.stateOf(data.realm.id);
    console.log(
      `realm state load (after any change, once per process): ${(performance.now() - started).toFixed(0)} ms`,
    );

    const requests = Array.from({ length: decisions }, () => ({
      user: data.users[pickIndex(userCount)] as Data['users'][number],
      permission: permissionKeys[pickIndex(permissionCount)] as string,
    }));
    const principalOf = (u: { id: string; email: string }): Principal => ({
      kind: 'user',
      userId: u.id,
      email: u.email,
      sessionId: 'bench',
    });

    // Cold: the first decision for each user, computed from the realm state.
    const coldUsers = data.users.slice(0, Math.min(decisions, userCount));
    const cold: number[] = [];
    for (const user of coldUsers) {
      const t = performance.now();
      (await resolver.permissionsOf(principalOf(user), data.realm)).has(permissionKeys[0] as string);
      cold.push(performance.now() - t);
    }
    for (const { user } of requests) await resolver.permissionsOf(principalOf(user), data.realm);
    const warm: number[] = [];
    const answers: boolean[] = [];
    for (const { user, permission } of requests) {
      const t = performance.now();
      answers.push((await resolver.permissionsOf(principalOf(user), data.realm)).has(permission));
      warm.push(performance.now() - t);
    }
    const memoryCold: number[] = [];
    const memoryWarm: number[] = [];
    const cache = new Map<string, ReadonlySet<string>>();
    const now = new Date();
    for (const { user, permission } of requests) {
      let t = performance.now();
      const access = new Set(effectiveAccess(state, user.id, now).permissions.keys());
      memoryCold.push(performance.now() - t);
      cache.set(user.id, access);
      t = performance.now();
      (cache.get(user.id) as ReadonlySet<string>).has(permission);
      memoryWarm.push(performance.now() - t);
    }

    started = performance.now();
    const enforcer = await casbinEnforcer(data);
    console.log(
      `casbin model and role links built in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    const casbin: number[] = [];
    let mismatches = 0;
    const casbinRequests = requests.slice(0, casbinDecisions);
    await enforcer.enforce(`user:${casbinRequests[0]?.user.id}`, casbinRequests[0]?.permission);
    for (const [index, { user, permission }] of casbinRequests.entries()) {
      const t = performance.now();
      const allowed = await enforcer.enforce(`user:${user.id}`, permission);
      casbin.push(performance.now() - t);
      if (allowed !== answers[index]) mismatches += 1;
    }

    console.log(`\n${'can(user, permission)'.padEnd(46)} ${'n'.padStart(7)} ${'throughput'.padStart(13)}`);
    const warmStats = stats(warm);
    const casbinStats = stats(casbin);
    row('PolicyDecisions warm (epoch check + cache)', warmStats);
    row('PolicyDecisions cold (first decision of user)', stats(cold));
    row('in memory warm (cached set lookup)', stats(memoryWarm));
    row('in memory cold (effective access computed)', stats(memoryCold));
    row('node-casbin (same model and data)', casbinStats);
    console.log(
      `\nwarm throughput vs casbin: ${(warmStats.perSecond / casbinStats.perSecond).toFixed(0)}x; ` +
        `allowed in ${answers.filter(Boolean).length}/${answers.length} decisions; ` +
        `casbin disagreed on ${mismatches}/${casbinRequests.length}`,
    );
    if (mismatches > 0) process.exitCode = 1;

    // Scoped decisions: what a scoped member's request reads to filter its statements.
    const scopedWarm: number[] = [];
    const scopedFirst: number[] = [];
    let scopedGroups = 0;
    for (const { user, permission } of requests) {
      let t = performance.now();
      const permissions = await resolver.permissionsOf(principalOf(user), data.realm);
      const coverage = permissions.coverage(permission);
      const first = performance.now() - t;
      if (coverage.kind !== 'groups') continue;
      scopedFirst.push(first);
      scopedGroups += coverage.groupIds.length;
      t = performance.now();
      (await resolver.permissionsOf(principalOf(user), data.realm)).coverage(permission);
      scopedWarm.push(performance.now() - t);
    }
    console.log(
      `
${'coverage(user, permission), scoped grants only'.padEnd(46)} ${'n'.padStart(7)} ${'throughput'.padStart(13)}`,
    );
    if (scopedWarm.length > 0) {
      row('PolicyDecisions warm (epoch check + coverage)', stats(scopedWarm));
      row('PolicyDecisions first asked (subtrees united)', stats(scopedFirst));
      console.log(
        `scoped decisions: ${scopedWarm.length}/${requests.length}; groups covered, mean: ${(scopedGroups / scopedWarm.length).toFixed(1)}`,
      );
    } else console.log('no decision rests on scoped grants only at this size');

    // A change derives the realm's outcome from its own writes (ADR 0043), checks it when it takes a
    // grant away, and hands it to the decisions, so the decision after it does not read the realm again.
    const service = new PolicyService(
      {
        requestId: 'bench',
        realm: data.realm,
        principal: { kind: 'system', name: 'bench' },
        clock: systemClock,
      },
      new RealmDb(db, data.realm.id),
      resolver,
    );
    // Each kind of change on its own: a grant added or taken away, a membership, a move in the tree.
    const rounds = 20;
    const byKind = new Map<string, number[]>();
    const timed = async (kind: string, run: () => Promise<unknown>) => {
      const t = performance.now();
      const result = await run();
      byKind.set(kind, [...(byKind.get(kind) ?? []), performance.now() - t]);
      return result;
    };
    const nextDecisions: number[] = [];
    const someone = principalOf(data.users[0] as Data['users'][number]);
    const perLevel = groupCount / depth;
    for (let i = 0; i < rounds; i++) {
      const created = (await timed('assign', () =>
        service.assign({
          policyId: (data.policies[i % data.policies.length] as Data['policies'][number]).id,
          groupId: (data.groups[i] as Data['groups'][number]).id,
          reason: 'bench',
        }),
      )) as { id: string };
      await timed('revoke', () => service.revoke(created.id));
      const user = data.users[i] as Data['users'][number];
      const joined = data.groups.find((g, index) => index >= 100 + i && !user.groupIds.includes(g.id));
      const membership = { groupId: (joined as { id: string }).id, userId: user.id };
      await timed('add member', () => service.addMember(membership));
      await timed('remove member', () => service.removeMember(membership));
      // A group halfway down the tree, under another group of its parent's level, and back.
      const moved = data.groups[5 * perLevel + i] as Data['groups'][number];
      const elsewhere = data.groups.find(
        (g, index) => index >= 4 * perLevel + i && index < 5 * perLevel && g.id !== moved.parentId,
      ) as { id: string };
      await timed('move group', () => service.moveGroup({ groupId: moved.id, parentId: elsewhere.id }));
      await timed('move group', () => service.moveGroup({ groupId: moved.id, parentId: moved.parentId }));
      const t = performance.now();
      await resolver.permissionsOf(someone, data.realm);
      nextDecisions.push(performance.now() - t);
    }
    const grants = [...(byKind.get('assign') ?? []), ...(byKind.get('revoke') ?? [])];
    console.log(
      `\nadministrator's change (assign or revoke), over ${grants.length} changes: median ${stats(grants).p50.toFixed(1)} ms, ` +
        `p95 ${stats(grants).p95.toFixed(1)} ms; first decision after it: ${stats(nextDecisions).p50.toFixed(1)} ms`,
    );
    for (const [kind, samples] of byKind) {
      const s = stats(samples);
      console.log(
        `  ${kind.padEnd(14)} n ${String(s.n).padStart(3)}   p50 ${s.p50.toFixed(1).padStart(7)} ms   p95 ${s.p95.toFixed(1).padStart(7)} ms`,
      );
    }
  } finally {
    await db.close();
    const cleanup = await openDatabase({ databaseUrl: serverUrl, dataDir: IN_MEMORY, maxConnections: 1 });
    await cleanup.systemPrisma.$executeRawUnsafe(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
    await cleanup.close();
  }
}

await main();
