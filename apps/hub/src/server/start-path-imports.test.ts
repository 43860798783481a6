import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Libraries a request rarely needs, each megabytes of code: the modules that use them load them on
 * first use (`await import(…)`), so that the idle hub does not hold them (ADR 0056). A static
 * import of one from any module the hub reaches statically would load it at start again.
 */
const loadedOnFirstUse = [
  '@kubernetes/client-node',
  '@aws-sdk/',
  '@octokit/',
  'google-auth-library',
  'nodemailer',
  '@secretlint/',
  're2js',
  'playwright-core',
  '@opentelemetry/sdk-node',
];

const repoRoot = path.resolve(import.meta.dirname, '../../../..');
const hubSource = path.join(repoRoot, 'apps/hub/src');

/** `@nhi/scanner/schema` → its file, from the package's own exports map. */
function workspaceFile(specifier: string): string | undefined {
  const [, name, subpath] = /^@nhi\/([^/]+)(\/.*)?$/.exec(specifier) ?? [];
  if (!name) return undefined;
  const packageDir = path.join(repoRoot, 'packages', name);
  const exports = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')).exports as Record<
    string,
    string
  >;
  const target = exports[`.${subpath ?? ''}`];
  return target ? path.join(packageDir, target) : undefined;
}

function relativeFile(from: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(from), specifier);
  return [base, `${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts')].find((candidate) =>
    statSync(candidate, { throwIfNoEntry: false })?.isFile(),
  );
}

/** The specifiers a module imports or re-exports with a value: `import type` and `import()` load nothing at start. */
function staticImports(source: string): string[] {
  const specifiers: string[] = [];
  const statement =
    /^(?:import|export)\s+(type\s+)?([^;'"]*?)\s*from\s*['"]([^'"]+)['"]|^import\s+['"]([^'"]+)['"]/gm;
  for (const match of source.matchAll(statement)) {
    const [, typeOnly, clause = '', specifier, sideEffect] = match;
    if (sideEffect) specifiers.push(sideEffect);
    else if (!typeOnly && !isTypeOnlyClause(clause)) specifiers.push(specifier as string);
  }
  return specifiers;
}

/** `{ type A, type B }`: only types, erased from the built code. */
function isTypeOnlyClause(clause: string): boolean {
  const named = /^\{([\s\S]*)\}$/.exec(clause.trim());
  if (!named) return false;
  const names = (named[1] as string)
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  return names.length > 0 && names.every((name) => name.startsWith('type '));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** Every static import of a listed library, from the hub's modules and what they reach, as `file → library`. */
function staticLoadsOfListedLibraries(): string[] {
  const found: string[] = [];
  const seen = new Set<string>();
  const pending = sourceFiles(hubSource);
  for (let file = pending.pop(); file; file = pending.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const specifier of staticImports(readFileSync(file, 'utf8'))) {
      if (loadedOnFirstUse.some((library) => specifier.startsWith(library)))
        found.push(`${path.relative(repoRoot, file)} → ${specifier}`);
      const next = specifier.startsWith('.') ? relativeFile(file, specifier) : workspaceFile(specifier);
      if (next) pending.push(next);
    }
  }
  return found;
}

describe('the modules the hub loads at start', () => {
  it('import no provider SDK, mailer, secret scanner or browser but on first use', () => {
    expect(staticLoadsOfListedLibraries()).toEqual([]);
  });

  it.each([
    ["import { KubeConfig } from '@kubernetes/client-node';", ['@kubernetes/client-node']],
    ["import type { KubeConfig } from '@kubernetes/client-node';", []],
    ["import {\n  type ApiException,\n  type V1Pod,\n} from '@kubernetes/client-node';", []],
    ["import { type ApiException, Observable } from '@kubernetes/client-node';", ['@kubernetes/client-node']],
    ["export { readAwsLive } from './aws/aws-live.ts';", ['./aws/aws-live.ts']],
    ["import 'reflect-metadata';", ['reflect-metadata']],
    ["const sdk = await import('@kubernetes/client-node');", []],
  ])('reads %j as loading %j at start', (source, expected) => {
    expect(staticImports(source)).toEqual(expected);
  });
});
