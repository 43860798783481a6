import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

// The raw statements of the domains' sources, read from their syntax trees: what the checks on raw
// SQL (realm filter, coverage filter) look at.

export const repositoryRoot = path.resolve(import.meta.dirname, '../../../..');

/** The database tables of the models that carry realmId. */
export function realmTables(): string[] {
  const schema = fs.readFileSync(path.join(repositoryRoot, 'prisma/schema.prisma'), 'utf8');
  return [...schema.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)].flatMap(([, model, body = '']) =>
    /^\s+realmId\s/m.test(body) ? [body.match(/@@map\("([^"]+)"\)/)?.[1] ?? (model as string)] : [],
  );
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

export interface Statement {
  file: string;
  line: number;
  text: string;
  /** The statement as written in the source, interpolations included. */
  source: string;
}

type Literal = ts.StringLiteral | ts.NoSubstitutionTemplateLiteral | ts.TemplateExpression;

function isLiteral(node: ts.Node): node is Literal {
  return (
    ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node)
  );
}

/**
 * A literal's text with the text of every literal written inside its interpolations (fragments
 * like `${all ? emptySql : sql`JOIN …`}` belong to the statement); any other interpolated value
 * reads as `$?`, a parameter.
 */
function textOf(literal: Literal): string {
  if (!ts.isTemplateExpression(literal)) return literal.text;
  return literal.templateSpans.reduce(
    (text, span) => `${text} ${nestedText(span.expression) || '$?'} ${span.literal.text}`,
    literal.head.text,
  );
}

function nestedText(node: ts.Node): string {
  if (isLiteral(node)) return textOf(node);
  const parts: string[] = [];
  ts.forEachChild(node, (child) => {
    parts.push(nestedText(child));
  });
  return parts.filter(Boolean).join(' ');
}

/** Every string and template of a source that is not part of a larger template: each a statement, if SQL. */
function statementsOf(file: string, source: string): Statement[] {
  const tree = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const statements: Statement[] = [];
  const visit = (node: ts.Node) => {
    if (isLiteral(node)) {
      const line = tree.getLineAndCharacterOfPosition(node.getStart()).line + 1;
      statements.push({ file, line, text: textOf(node), source: node.getText(tree) });
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(tree);
  return statements;
}

export function domainStatements(domains: readonly string[]): Statement[] {
  return domains.flatMap((domain) =>
    sourceFiles(path.join(repositoryRoot, 'packages', domain, 'src')).flatMap((file) =>
      statementsOf(path.relative(repositoryRoot, file), fs.readFileSync(file, 'utf8')),
    ),
  );
}
