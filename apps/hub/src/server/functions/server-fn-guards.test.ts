import fs from 'node:fs';
import path from 'node:path';
// Every domain the app serves defines its permissions on import, as the running hub does.
import '@nhi/alert';
import '@nhi/dashboard';
import '@nhi/nhi';
import '@nhi/policy';
import '@nhi/scanner';
import { isKnownPermission } from '@nhi/platform';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const sourceRoot = path.resolve(import.meta.dirname, '../..');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

interface ServerFnDeclaration {
  file: string;
  line: number;
  /** `authGuard('<permission>')` or `publicServerFn`, whichever comes first in .middleware([...]). */
  guard: string | undefined;
}

/** Every createServerFn(...) chain in the app and the guard it starts its middleware with. */
function serverFnDeclarations(): ServerFnDeclaration[] {
  const found: ServerFnDeclaration[] = [];
  for (const file of sourceFiles(sourceRoot)) {
    const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node) => {
      if (
        ts.isCallExpression(node) &&
        ts.isIdentifier(node.expression) &&
        node.expression.text === 'createServerFn'
      ) {
        found.push({
          file: path.relative(sourceRoot, file),
          line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1,
          guard: guardOf(node),
        });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

function guardOf(createCall: ts.CallExpression): string | undefined {
  let node: ts.Node = createCall;
  while (ts.isPropertyAccessExpression(node.parent) && ts.isCallExpression(node.parent.parent)) {
    const call = node.parent.parent;
    if (node.parent.name.text === 'middleware') {
      const [list] = call.arguments;
      const first = list && ts.isArrayLiteralExpression(list) ? list.elements[0] : undefined;
      if (first && ts.isIdentifier(first) && first.text === 'publicServerFn') return 'publicServerFn';
      if (first && ts.isCallExpression(first) && ts.isIdentifier(first.expression)) {
        const [permission] = first.arguments;
        if (first.expression.text === 'authGuard' && permission && ts.isStringLiteral(permission)) {
          return `authGuard:${permission.text}`;
        }
      }
      return undefined;
    }
    node = call;
  }
  return undefined;
}

describe('serverFns', () => {
  it('are found in the app', () => {
    expect(serverFnDeclarations().length).toBeGreaterThanOrEqual(5);
  });

  it('each start with authGuard naming a known permission, or say they are public', () => {
    const offenders = serverFnDeclarations().filter(({ guard }) => {
      if (guard === 'publicServerFn') return false;
      return !guard?.startsWith('authGuard:') || !isKnownPermission(guard.slice('authGuard:'.length));
    });

    expect(offenders).toEqual([]);
  });

  it('public ones are only those meant to be: logging in and out', () => {
    const publicOnes = serverFnDeclarations().filter(({ guard }) => guard === 'publicServerFn');

    expect(publicOnes.map(({ file }) => file)).toEqual([
      'server/functions/session.functions.ts',
      'server/functions/session.functions.ts',
    ]);
  });
});
