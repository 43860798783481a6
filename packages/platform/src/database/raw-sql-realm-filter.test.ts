import { describe, expect, it } from 'vitest';
import {
  realmTables,
  type Statement,
  domainStatements as statementsOfDomains,
} from './sql-statements.testing.ts';

// Raw statements bypass the realm-scoped client, so row-level security alone would confine them.
// Every raw statement that reads or writes a realm table names the realm itself as well: a filter
// on the table's own realmId, or a join condition tying it to another table's realmId.

const domains = ['alert', 'dashboard', 'nhi', 'platform', 'policy', 'scanner'];
const domainStatements = () => statementsOfDomains(domains);

/**
 * Statements that stay without a realm filter, by file and table, each with its reason. A listed
 * statement that gains a filter (or goes away) fails the test too, so the list stays true.
 */
const exceptions: { file: string; table: string; reason: string }[] = [
  {
    file: 'packages/platform/src/events/domain-event-relay.ts',
    table: 'DomainEvent',
    reason:
      'system code, before any realm is chosen: lists which realms have events; the events ' +
      'themselves are read through each realm',
  },
];

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Words that may follow a table where an alias would stand. */
const notAliases = new Set(
  'as set where on using join left right inner full cross natural order group limit offset for returning values select union having window'.split(
    ' ',
  ),
);

/** One place a statement reads or writes a realm table. */
interface TableUse {
  table: string;
  /** The alias, or undefined when the statement names the table itself. */
  alias: string | undefined;
  insert: boolean;
  start: number;
  end: number;
}

function tableUses(text: string, tables: readonly string[]): TableUse[] {
  const names = tables.map(escapeRegExp).join('|');
  const use = new RegExp(
    `\\b(from|join|into|update|using)\\s+"(${names})"(?!\\.)(?:\\s+(?:as\\s+)?([a-z_]\\w*))?`,
    'gi',
  );
  return [...text.matchAll(use)].map((match) => {
    const [whole, keyword = '', table = '', alias] = match;
    const named = alias && !notAliases.has(alias.toLowerCase()) ? alias : undefined;
    // Without an alias the match may have taken the next keyword: the use ends at the table.
    const end = named
      ? match.index + whole.length
      : match.index + whole.indexOf(`"${table}"`) + table.length + 2;
    return { table, alias: named, insert: keyword.toLowerCase() === 'into', start: match.index, end };
  });
}

/** A realm column in a comparison: `x."realmId" = …`, `… = x."realmId"` or `x."realmId" IN (…)`. */
interface RealmComparison {
  /** The alias or quoted table name qualifying the column; undefined when bare. */
  qualifier: string | undefined;
  /** The realm column it is compared with (a join condition), or undefined for a value. */
  partner: { qualifier: string | undefined } | undefined;
}

const realmColumn = /(?:([a-z_]\w*|"\w+")\.)?"realmId"/gi;
const realmColumnAtEnd = /(?:^|[^\w."])(?:([a-z_]\w*|"\w+")\.)?"realmId"\s*$/i;
const realmColumnAtStart = /^(?:([a-z_]\w*|"\w+")\.)?"realmId"/i;

function realmComparisons(text: string): RealmComparison[] {
  return [...text.matchAll(realmColumn)].flatMap((match): RealmComparison[] => {
    const qualifier = match[1];
    if (!qualifier && /[\w.]$/.test(text.slice(0, match.index))) return [];
    const after = text.slice(match.index + match[0].length);
    const before = text.slice(0, match.index);
    const equals = after.match(/^\s*=\s*/);
    if (equals) {
      const other = after.slice(equals[0].length).match(realmColumnAtStart);
      return [{ qualifier, partner: other ? { qualifier: other[1] } : undefined }];
    }
    if (/^\s*IN\b/i.test(after)) return [{ qualifier, partner: undefined }];
    if (!/=\s*$/.test(before)) return [];
    const other = before.replace(/=\s*$/, '').match(realmColumnAtEnd);
    return [{ qualifier, partner: other ? { qualifier: other[1] } : undefined }];
  });
}

/** Whether a qualifier (or its absence) names this use: its alias, or the bare table. */
function refersTo(use: TableUse, qualifier: string | undefined): boolean {
  return use.alias ? qualifier === use.alias : qualifier === undefined || qualifier === `"${use.table}"`;
}

/** An insert names the realm column among the columns it writes. */
function writesRealmColumn(text: string, use: TableUse): boolean {
  const columns = text.slice(use.end).match(/^\s*\(([^)]*)\)/)?.[1];
  return columns?.includes('"realmId"') ?? false;
}

/**
 * The uses of realm tables in a statement that nothing confines to a realm. A use is confined when
 * its realm column is compared with a value, or joined to the realm column of a confined use (or of
 * a table outside the statement: a fragment correlated to the statement it goes into, which answers
 * for that table). The comparison follows the table, before the statement names another table the
 * same way: the same alias, or for a bare table any bare table, whose bare "realmId" it would be.
 */
function unconfinedIn(text: string, tables: readonly string[]): TableUse[] {
  const uses = tableUses(text, tables);
  const comparisons = uses.map((use, index) => {
    const next = uses.slice(index + 1).find((other) => other.alias === use.alias);
    return realmComparisons(text.slice(use.end, next?.start)).filter((c) => refersTo(use, c.qualifier));
  });
  const confined = uses.map((use, index) =>
    use.insert
      ? writesRealmColumn(text, use)
      : (comparisons[index] ?? []).some((comparison) => comparison.partner === undefined),
  );
  for (let changed = true; changed; ) {
    changed = false;
    uses.forEach((use, index) => {
      if (confined[index]) return;
      const joined = (comparisons[index] ?? []).some(({ partner }) => {
        const partners = uses.filter(
          (other) => other !== use && partner && refersTo(other, partner.qualifier),
        );
        return partners.length === 0 || partners.some((other) => confined[uses.indexOf(other)]);
      });
      if (joined) confined[index] = changed = true;
    });
  }
  return uses.filter((_, index) => !confined[index]);
}

interface Unconfined {
  file: string;
  line: number;
  table: string;
  alias: string | undefined;
}

function unconfinedUses(statements: readonly Statement[], tables: readonly string[]): Unconfined[] {
  return statements.flatMap(({ file, line, text }) =>
    unconfinedIn(text, tables).map((use) => ({ file, line, table: use.table, alias: use.alias })),
  );
}

function setup() {
  const tables = realmTables();
  const statements = domainStatements();
  const sqlStatements = statements.filter((statement) => tableUses(statement.text, tables).length > 0);
  const unconfined = unconfinedUses(statements, tables);
  const excepted = (use: Unconfined) =>
    exceptions.some((exception) => exception.file === use.file && exception.table === use.table);
  return { tables, sqlStatements, unconfined, excepted };
}

const check = (text: string) =>
  unconfinedUses([{ file: 'example.ts', line: 1, text, source: text }], ['Nhi', 'Credential']).map(
    (use) => use.alias ?? use.table,
  );

describe('the realm filter check', () => {
  it('flags a realm table read or written without its realm', () => {
    expect(check('SELECT id FROM "Nhi" WHERE id = $1')).toEqual(['Nhi']);
    expect(check('UPDATE "Credential" AS c SET status = $1 WHERE c.id = $2')).toEqual(['c']);
    expect(check('DELETE FROM "Nhi" WHERE "deletedAt" IS NOT NULL')).toEqual(['Nhi']);
  });

  it('accepts a filter on the table, qualified or not', () => {
    expect(check('SELECT id FROM "Nhi" WHERE "realmId" = $1 AND id = $2')).toEqual([]);
    expect(check('SELECT n.id FROM "Nhi" n WHERE n."realmId" = $1')).toEqual([]);
    expect(check('UPDATE "Nhi" AS n SET name = $2 WHERE n."realmId" = current_setting($1)')).toEqual([]);
  });

  it('accepts a join condition tying a table to a filtered one', () => {
    const joined = `SELECT c.id FROM "Nhi" AS n JOIN "Credential" AS c ON c."realmId" = n."realmId"
      AND c."nhiId" = n.id WHERE n."realmId" = $1`;
    expect(check(joined)).toEqual([]);
  });

  it('flags tables joined on their realms when none of them is filtered', () => {
    const joined =
      'SELECT c.id FROM "Nhi" AS n JOIN "Credential" AS c ON c."realmId" = n."realmId" WHERE n.id = $1';
    expect(check(joined)).toEqual(['n', 'c']);
  });

  it('accepts a fragment correlated to a table of the statement it goes into', () => {
    expect(check('EXISTS (SELECT 1 FROM "Credential" AS c WHERE c."realmId" = n."realmId")')).toEqual([]);
  });

  it('asks every table of a join for its realm', () => {
    const joined =
      'SELECT c.id FROM "Nhi" AS n JOIN "Credential" AS c ON c."nhiId" = n.id WHERE n."realmId" = $1';
    expect(check(joined)).toEqual(['c']);
  });

  it('does not let a filter on one use of an alias stand for a later use', () => {
    const twice = `SELECT 1 FROM "Nhi" AS n WHERE n."realmId" = $1
      UNION ALL SELECT 1 FROM "Nhi" AS n WHERE n.id = $2`;
    expect(check(twice)).toEqual(['n']);
  });

  it('accepts an insert that writes the realm column', () => {
    expect(check('INSERT INTO "Nhi" (id, "realmId", name) VALUES ($1, $2, $3)')).toEqual([]);
    expect(check('INSERT INTO "Nhi" AS r (id, name) VALUES ($1, $2)')).toEqual(['r']);
  });

  it('ignores a column qualified by the table name', () => {
    expect(check('SELECT COALESCE(excluded.name, "Nhi".name)')).toEqual([]);
  });
});

describe('raw SQL of the domains', () => {
  it('is found in every domain, against the realm tables of the schema', () => {
    const { tables, sqlStatements } = setup();
    expect(tables).toEqual(expect.arrayContaining(['Nhi', 'Credential', 'Alert', 'ScanFact', 'PolicyEpoch']));
    expect(tables).not.toContain('User');
    const files = new Set(sqlStatements.map((statement) => statement.file.split('/')[1]));
    expect([...files].sort()).toEqual(domains);
  });

  it('names the realm of every realm table it reads or writes', () => {
    const { unconfined, excepted } = setup();
    const described = unconfined
      .filter((use) => !excepted(use))
      .map((use) => `${use.file}:${use.line} "${use.table}"${use.alias ? ` AS ${use.alias}` : ''}`);
    expect(described).toEqual([]);
  });

  it('lists only exceptions that are still needed', () => {
    const { unconfined } = setup();
    const stale = exceptions.filter(
      (exception) => !unconfined.some((use) => use.file === exception.file && use.table === exception.table),
    );
    expect(stale).toEqual([]);
  });
});
