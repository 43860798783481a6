import type { PlatformDatabase } from '@nhi/platform';

export interface ColumnHit {
  table: string;
  column: string;
}

/**
 * Every column of every table that holds text in any form (text, varchar, json, jsonb, arrays of
 * them) and contains the needle. Tests use it to prove a secret was stored nowhere.
 */
export async function findTextContaining(db: PlatformDatabase, needle: string): Promise<ColumnHit[]> {
  const columns = await db.systemPrisma.$queryRaw<{ table_name: string; column_name: string }[]>`
    SELECT table_name, column_name FROM information_schema.columns
    WHERE table_schema = 'public'
      AND (data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')
        OR (data_type = 'ARRAY' AND udt_name IN ('_text', '_varchar', '_json', '_jsonb')))
    ORDER BY table_name, column_name`;
  if (columns.length < 10) throw new Error('The scan found too few text columns to be trusted');
  const hits: ColumnHit[] = [];
  for (const { table_name: table, column_name: column } of columns) {
    const rows = await db.systemPrisma.$queryRawUnsafe<{ found: boolean }[]>(
      `SELECT EXISTS (SELECT 1 FROM "${table}" WHERE strpos("${column}"::text, $1) > 0) AS found`,
      needle,
    );
    if (rows[0]?.found) hits.push({ table, column });
  }
  return hits;
}
