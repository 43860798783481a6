import type { PlatformDatabase } from './platform-database.ts';

export interface UnisolatedTable {
  table: string;
  problem: 'row level security disabled' | 'no policy';
}

/**
 * Tables that carry realmId but are not protected by row-level security. Every migration that adds
 * such a table must call nhi_enable_realm_isolation('"Table"'); this finds the ones that did not.
 */
export async function findUnisolatedRealmTables(db: PlatformDatabase): Promise<UnisolatedTable[]> {
  return db.withSystemConnection(async (connection) => {
    const rows = await connection.query<{ table: string; rls: boolean; policies: number }>(
      `SELECT c.relname AS "table", c.relrowsecurity AS rls,
              (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
         FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'realmId' AND NOT a.attisdropped
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
        ORDER BY c.relname`,
    );
    return rows.flatMap((row): UnisolatedTable[] => {
      if (!row.rls) return [{ table: row.table, problem: 'row level security disabled' }];
      if (row.policies === 0) return [{ table: row.table, problem: 'no policy' }];
      return [];
    });
  });
}
