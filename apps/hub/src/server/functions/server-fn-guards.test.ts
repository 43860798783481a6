import fs from 'node:fs';
import path from 'node:path';
// Every domain the app serves defines its permissions on import, as the running hub does.
import '@nhi/alert';
import '@nhi/dashboard';
import '@nhi/nhi';
import '@nhi/policy';
import '@nhi/scanner';
import { isKnownPermission, procedurePermissions } from '@nhi/platform';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { appRouter } from '../app-router.ts';

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
  /** `authGuard('<procedure>')` or `publicServerFn`, whichever comes first in .middleware([...]). */
  guard: string | undefined;
  /** The argument of `.validator(inputOf('<procedure>'))`, `none` without a validator, `other` for anything else. */
  validator: string;
  /** Every `context.rpc.<path>.query|mutate` the handler calls, by procedure path. */
  calls: string[];
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
          validator: validatorOf(node),
          calls: procedureCallsOf(node),
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

/** The calls chained on createServerFn(...), by name: .middleware, .validator, .handler. */
function chainedCalls(createCall: ts.CallExpression): Map<string, ts.CallExpression> {
  const calls = new Map<string, ts.CallExpression>();
  let node: ts.Node = createCall;
  while (ts.isPropertyAccessExpression(node.parent) && ts.isCallExpression(node.parent.parent)) {
    calls.set(node.parent.name.text, node.parent.parent);
    node = node.parent.parent;
  }
  return calls;
}

function validatorOf(createCall: ts.CallExpression): string {
  const validator = chainedCalls(createCall).get('validator');
  if (!validator) return 'none';
  const [argument] = validator.arguments;
  if (
    argument &&
    ts.isCallExpression(argument) &&
    ts.isIdentifier(argument.expression) &&
    argument.expression.text === 'inputOf' &&
    argument.arguments[0] &&
    ts.isStringLiteral(argument.arguments[0])
  ) {
    return argument.arguments[0].text;
  }
  return 'other';
}

/** `context.rpc.a.b.query(...)` → `a.b`, for every such call in the handler. */
function procedureCallsOf(createCall: ts.CallExpression): string[] {
  const handler = chainedCalls(createCall).get('handler');
  const calls: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
      const chain = node.expression.getText().replace(/\s/g, '');
      const match = /^context\.rpc\.(.+)\.(query|mutate)$/.exec(chain);
      if (match?.[1]) calls.push(match[1]);
    }
    ts.forEachChild(node, visit);
  };
  if (handler) visit(handler.arguments[0] ?? handler);
  return calls;
}

const procedures = new Map(procedurePermissions(appRouter).map((p) => [p.path, p.permission]));

describe('serverFns', () => {
  it('are found in the app', () => {
    expect(serverFnDeclarations().length).toBeGreaterThanOrEqual(5);
  });

  it('each start with authGuard naming a procedure that declares a known permission, or say they are public', () => {
    const offenders = serverFnDeclarations().filter(({ guard }) => {
      if (guard === 'publicServerFn') return false;
      const permission = guard?.startsWith('authGuard:')
        ? procedures.get(guard.slice('authGuard:'.length))
        : undefined;
      return !permission || !isKnownPermission(permission);
    });

    expect(offenders).toEqual([]);
  });

  it('each guarded one runs exactly the procedure it is guarded by, once, with that procedure’s input', () => {
    const offenders = serverFnDeclarations()
      .filter(({ guard }) => guard?.startsWith('authGuard:'))
      .filter(({ guard, validator, calls }) => {
        const procedure = guard?.slice('authGuard:'.length);
        return (
          calls.length !== 1 || calls[0] !== procedure || (validator !== 'none' && validator !== procedure)
        );
      })
      .map(({ file, line, guard, validator, calls }) => ({ file, line, guard, validator, calls }));

    expect(offenders).toEqual([]);
  });

  it('public ones are only those meant to be: logging in and out, and what the login page offers', () => {
    const publicOnes = serverFnDeclarations().filter(({ guard }) => guard === 'publicServerFn');

    // Logging in (password, second factor, enrolment a realm requires first), out, login options.
    expect(publicOnes.map(({ file }) => file)).toEqual([
      // Choosing a password with a one-time invitation or reset link.
      'server/functions/password-link.functions.ts',
      'server/functions/password-link.functions.ts',
      'server/functions/session.functions.ts',
      'server/functions/session.functions.ts',
      'server/functions/session.functions.ts',
      'server/functions/session.functions.ts',
      'server/functions/session.functions.ts',
      'server/functions/session.functions.ts',
    ]);
  });
});
