// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the cases are statements as their sources write them
import { describe, expect, it } from 'vitest';
import { domainStatements, type Statement } from './sql-statements.testing.ts';

// A scoped caller sees only the identities their grants cover (ADRs 0040, 0042), and the database
// statement itself says so: counts and pages are computed over the visible set. Like the realm
// filter check, this reads every raw statement of the domains and flags one that reads or changes
// identities, or rows about them, without naming the caller's coverage. A statement names it by
// `ownerCovered(...)` / `identityCovered(...)`, by a fragment whose name says it holds one (`${covered}`)
// or by passing the caller's `coverage` to the fragment that writes the condition
// (`${filterConditions(realmId, filter, coverage)}`), or says why it has none in a block comment: `/* whole realm: why */` for system
// code that works for the realm, `/* covered where used */` for a fragment correlated to a statement
// that applies the coverage.

const domains = ['alert', 'dashboard', 'nhi', 'scanner'];

/** Tables of identities and of rows about one identity. */
const identityTables = ['Nhi', 'Credential', 'NhiVersion', 'Alert', 'AlertEvent', 'AlertComment', 'Leak'];

/**
 * Files of system code whose statements all work for the whole realm, each with its reason. A file
 * listed here that no longer reads these tables fails the test too, so the list stays true.
 */
const systemFiles: { file: string; reason: string }[] = [
  {
    file: 'packages/alert/src/sql/alert-findings.sql.ts',
    reason: 'the evaluation finds every rule’s cases over the realm’s identities',
  },
  {
    file: 'packages/alert/src/sql/alert-transitions.sql.ts',
    reason: 'the evaluation opens, reopens and resolves the realm’s alerts from its findings',
  },
  {
    file: 'packages/alert/src/sql/pass-slices.sql.ts',
    reason: 'the evaluation splits the realm into slices',
  },
  {
    file: 'packages/alert/src/sql/risk-scores.sql.ts',
    reason: 'risk scores are derived from all of an identity’s alerts, whoever reads them later',
  },
  {
    file: 'packages/alert/src/sql/alert-outbox.sql.ts',
    reason: 'notifications are queued for every channel; channels route by owner team themselves',
  },
  {
    file: 'packages/nhi/src/sql/nhi-source-sync.sql.ts',
    reason: 'a scan reconciles everything its source reports, in every team',
  },
  {
    file: 'packages/nhi/src/sql/owner-suggestions.sql.ts',
    reason: 'the suggestion job reads the realm’s unowned identities; suggestions are listed covered',
  },
];

const tableUse = new RegExp(`\\b(from|join|update)\\s+"(${identityTables.join('|')})"(?!\\.)`, 'gi');
const namesCoverage = /\b(ownerCovered|identityCovered)\(|\$\{[^}]*(covered|\bcoverage\b)[^}]*\}/i;
const saysWhyNot = /\/\*\s*(whole realm:\s*\S[^*]*|covered where used)\s*\*\//i;

function readsIdentities(statement: Pick<Statement, 'text'>): string[] {
  return [...new Set([...statement.text.matchAll(tableUse)].map((match) => match[2] as string))];
}

/** The statements that read or change identities and name no coverage, nor why they need none. */
function uncovered(statements: readonly Statement[]): Statement[] {
  return statements.filter(
    (statement) =>
      readsIdentities(statement).length > 0 &&
      !namesCoverage.test(statement.source) &&
      !saysWhyNot.test(statement.source),
  );
}

function setup() {
  const statements = domainStatements(domains);
  const system = new Set(systemFiles.map((entry) => entry.file));
  const outsideSystem = statements.filter((statement) => !system.has(statement.file));
  return { statements, systemStatements: statements.filter((s) => system.has(s.file)), outsideSystem };
}

const check = (source: string) =>
  uncovered([{ file: 'example.ts', line: 1, text: source.replace(/\$\{[^}]*\}/g, '$?'), source }]).length ===
  0;

describe('the coverage filter check', () => {
  it.each([
    ['a list that forgets the coverage', 'SELECT n.id FROM "Nhi" AS n WHERE n."realmId" = ${realmId}', false],
    ['an alert join that forgets it', 'SELECT a.id FROM "Alert" a JOIN "Nhi" n ON n.id = a."nhiId"', false],
    ['an update of alerts that forgets it', 'UPDATE "Alert" SET state = ${state} WHERE id = ${id}', false],
    ['a list with an owner condition', 'SELECT 1 FROM "Nhi" n WHERE ${ownerCovered(coverage, owner)}', true],
    ['rows about identities', 'SELECT 1 FROM "Leak" l WHERE ${identityCovered(coverage, leak)}', true],
    ['a composed condition named for it', 'SELECT 1 FROM "Nhi" n WHERE ${conditions.covered}', true],
    [
      'a fragment given the coverage',
      'SELECT 1 FROM "Alert" a WHERE ${conditionsOf(filter, coverage)}',
      true,
    ],
    [
      'a fragment given something else',
      'SELECT 1 FROM "Alert" a WHERE ${conditionsOf(filter, coverageless)}',
      false,
    ],
    ['system code that says why', 'SELECT 1 FROM "Nhi" n /* whole realm: the evaluator */ WHERE x', true],
    ['a correlated fragment', 'EXISTS (SELECT 1 FROM "Credential" c /* covered where used */)', true],
    ['a reason-less marker', 'SELECT 1 FROM "Nhi" n /* whole realm: */', false],
    ['a statement about other tables', 'SELECT id FROM "Source" WHERE "realmId" = ${realmId}', true],
  ])('judges %s', (_name, source, passes) => {
    expect(check(source)).toBe(passes);
  });
});

describe('raw SQL about identities', () => {
  it('is found in every domain that shows identities', () => {
    const { statements } = setup();
    const found = new Set(
      statements.filter((s) => readsIdentities(s).length > 0).map((s) => s.file.split('/')[1]),
    );
    expect([...found].sort()).toEqual(domains);
  });

  it('names the caller’s coverage, or says why it needs none', () => {
    const { outsideSystem } = setup();
    expect(
      uncovered(outsideSystem).map((s) => `${s.file}:${s.line} ${readsIdentities(s).join(', ')}`),
    ).toEqual([]);
  });

  it('lists only system files that still read identities', () => {
    const { systemStatements } = setup();
    const reading = new Set(systemStatements.filter((s) => readsIdentities(s).length > 0).map((s) => s.file));
    expect(systemFiles.map((entry) => entry.file).filter((file) => !reading.has(file))).toEqual([]);
  });
});
