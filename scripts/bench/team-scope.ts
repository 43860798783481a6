// A team tree for the scoped benchmarks (issue: team-scoped governance): 10,000 owner groups in a
// realm, four levels deep, and the realm's identities given owner teams so that one team's
// subtree ("payments", a top-level group and everything under it) owns 10% of them, the other
// groups share the rest and a few stay unowned (the central team's). A scoped member holds the
// given permissions only over that subtree, with the coverage a scoped policy assignment gives.
import { randomUUID } from 'node:crypto';
import {
  type Coverage,
  type PlatformDatabase,
  permissionsWithCoverage,
  type RequestPermissions,
} from '../../packages/platform/src/index.ts';

export interface TeamTree {
  /** The scoped team: the top of its subtree. */
  teamId: string;
  /** The scoped team's subtree: the groups its identities are owned by. */
  teamGroupIds: string[];
  /** How many live identities the team's subtree owns. */
  teamIdentities: number;
  groups: number;
}

const groupCount = 10_000;
const teamShare = 0.1;
const unownedShare = 0.05;

/** Seeds the tree and the owner teams once; a database seeded by an earlier run is reused as is. */
export async function seedTeamTree(db: PlatformDatabase, realmId: string): Promise<TeamTree> {
  const prisma = db.systemPrisma;
  const existing = await prisma.policyGroup.findFirst({ where: { realmId, name: 'bench-payments' } });
  if (!existing) await createTree(db, realmId);
  const team = await prisma.policyGroup.findFirstOrThrow({ where: { realmId, name: 'bench-payments' } });
  const teamGroupIds = await subtreeOf(db, realmId, team.id);
  const teamIdentities = await prisma.nhi.count({
    where: { realmId, deletedAt: null, ownerGroupId: { in: teamGroupIds } },
  });
  const groups = await prisma.policyGroup.count({ where: { realmId } });
  return { teamId: team.id, teamGroupIds, teamIdentities, groups };
}

async function createTree(db: PlatformDatabase, realmId: string): Promise<void> {
  // Ten top-level teams, each with ten departments of ten squads of ten groups (10 + 100 + 1000 +
  // 8890 = 10,000); the first top-level team is the scoped one.
  const rows: { id: string; realmId: string; parentId: string | null; name: string }[] = [];
  const level = (parents: (string | null)[], width: number, prefix: string) =>
    parents.flatMap((parentId, p) =>
      Array.from({ length: width }, (_, i) => {
        const row = { id: randomUUID(), realmId, parentId, name: `${prefix}-${p}-${i}` };
        rows.push(row);
        return row.id;
      }),
    );
  const top = level([null], 10, 'bench-team');
  const first = rows[0];
  if (first) first.name = 'bench-payments';
  const departments = level(top, 10, 'bench-dept');
  const squads = level(departments, 10, 'bench-squad');
  level(squads.slice(0, Math.ceil((groupCount - rows.length) / 10)), 10, 'bench-unit');
  rows.length = Math.min(rows.length, groupCount);
  for (let start = 0; start < rows.length; start += 2000) {
    await db.systemPrisma.policyGroup.createMany({ data: rows.slice(start, start + 2000) });
  }
  await assignOwnerTeams(db, realmId, rows[0]?.id as string);
}

/**
 * 10% of identities to the payments subtree, 5% unowned, the rest to groups outside it; in one
 * statement per share, ordered by id so runs compare.
 */
async function assignOwnerTeams(db: PlatformDatabase, realmId: string, teamId: string): Promise<void> {
  const team = await subtreeOf(db, realmId, teamId);
  await db.withSystemConnection(async (c) => {
    await c.query(
      `WITH numbered AS (SELECT id, row_number() OVER (ORDER BY id) AS i, count(*) OVER () AS n
         FROM "Nhi" WHERE "realmId" = $1),
       others AS (SELECT id, row_number() OVER (ORDER BY id) AS j FROM "PolicyGroup"
         WHERE "realmId" = $1 AND NOT (id = ANY($2::text[]))),
       team AS (SELECT id, row_number() OVER (ORDER BY id) AS j FROM unnest($2::text[]) AS id)
       UPDATE "Nhi" AS n SET "ownerGroupId" = CASE
           WHEN x.i <= x.n * $3::float8 THEN (SELECT id FROM team WHERE j = 1 + x.i % (SELECT count(*) FROM team))
           WHEN x.i <= x.n * ($3::float8 + $4::float8) THEN NULL
           ELSE (SELECT id FROM others WHERE j = 1 + x.i % (SELECT count(*) FROM others)) END
         FROM numbered x WHERE n."realmId" = $1 AND n.id = x.id`,
      [realmId, team, teamShare, unownedShare],
    );
    await c.query('ANALYZE "Nhi"');
  });
}

async function subtreeOf(db: PlatformDatabase, realmId: string, rootId: string): Promise<string[]> {
  return db.withSystemConnection(async (c) => {
    const rows = await c.query<{ id: string }>(
      `WITH RECURSIVE tree AS (SELECT id FROM "PolicyGroup" WHERE "realmId" = $1 AND id = $2
         UNION ALL SELECT g.id FROM "PolicyGroup" g JOIN tree t ON g."parentId" = t.id WHERE g."realmId" = $1)
       SELECT id FROM tree ORDER BY id`,
      [realmId, rootId],
    );
    return rows.map((row) => row.id);
  });
}

/** The permissions of a member holding `permissions` only through a grant scoped to the team. */
export function scopedMemberPermissions(tree: TeamTree, permissions: readonly string[]): RequestPermissions {
  const coverage: Coverage = {
    kind: 'groups',
    groupIds: Object.freeze([...tree.teamGroupIds]),
    scopeGroupIds: Object.freeze([tree.teamId]),
  };
  return permissionsWithCoverage(permissions, () => coverage);
}
