import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

const role = z.enum(['admin', 'editor', 'viewer']);
const errorCode = z.enum(['FORBIDDEN', 'CONFLICT', 'BAD_REQUEST', 'NOT_FOUND']);

/** Nested mapping: group name -> its subgroups (an empty mapping or null for a leaf). */
type Tree = { [name: string]: Tree | null };
const tree: z.ZodType<Tree> = z.lazy(() => z.record(z.string(), tree.nullable()));

const expectation = z.object({
  /** user -> permission -> allowed */
  can: z.record(z.string(), z.record(z.string(), z.boolean())).default({}),
  /** permission -> exactly the users holding it */
  whoCan: z.record(z.string(), z.array(z.string())).default({}),
  /** user -> exactly the permissions they hold */
  whatCan: z.record(z.string(), z.array(z.string())).default({}),
  /** user -> permission -> grants as "Policy @ Group > ... > Member group" */
  explain: z.record(z.string(), z.record(z.string(), z.array(z.string()))).default({}),
  /** user -> permission -> `all`, `none`, or exactly the groups (names) whose identities it covers */
  coverage: z
    .record(z.string(), z.record(z.string(), z.union([z.enum(['all', 'none']), z.array(z.string())])))
    .default({}),
  /** user -> permission -> identity -> allowed on that identity */
  canOn: z.record(z.string(), z.record(z.string(), z.record(z.string(), z.boolean()))).default({}),
  /** permission -> identity -> exactly the users who may act on it */
  whoCanOn: z.record(z.string(), z.record(z.string(), z.array(z.string()))).default({}),
  /** user -> permission -> identity -> verdict and, optionally, exactly the grants reported */
  explainOn: z
    .record(
      z.string(),
      z.record(
        z.string(),
        z.record(
          z.string(),
          z.object({
            verdict: z.enum(['covered', 'expired', 'out-of-scope', 'no-grant']),
            grants: z.array(z.string()).optional(),
          }),
        ),
      ),
    )
    .default({}),
});
export type FixtureExpectation = z.infer<typeof expectation>;

const action = z.discriminatedUnion('do', [
  z.object({ do: z.literal('createGroup'), name: z.string(), under: z.string().nullable().default(null) }),
  z.object({
    do: z.literal('nest'),
    prefix: z.string(),
    levels: z.number().int().min(1),
    under: z.string().nullable().default(null),
  }),
  z.object({ do: z.literal('move'), group: z.string(), to: z.string().nullable() }),
  z.object({ do: z.literal('deleteGroup'), group: z.string() }),
  z.object({ do: z.literal('addMember'), group: z.string(), user: z.string() }),
  z.object({ do: z.literal('removeMember'), group: z.string(), user: z.string() }),
  z.object({ do: z.literal('createPolicy'), name: z.string(), permissions: z.array(z.string()) }),
  z.object({ do: z.literal('editPolicy'), policy: z.string(), permissions: z.array(z.string()) }),
  z.object({ do: z.literal('deletePolicy'), policy: z.string() }),
  z.object({
    do: z.literal('assign'),
    policy: z.string(),
    group: z.string(),
    expiresInMinutes: z.number().optional(),
    /** The group whose subtree's identities the grant covers; absent: realm-wide. */
    scope: z.string().optional(),
  }),
  z.object({ do: z.literal('revoke'), policy: z.string(), group: z.string() }),
  z.object({ do: z.literal('setRole'), user: z.string(), role }),
  z.object({ do: z.literal('advanceMinutes'), minutes: z.number() }),
]);
export type FixtureAction = z.infer<typeof action>;

const step = z.union([
  z.object({ expect: expectation }),
  z.intersection(action, z.object({ as: z.string().optional(), error: errorCode.optional() })),
]);
export type FixtureStep = z.infer<typeof step>;

const fixtureCase = z.object({
  name: z.string(),
  /** Extra catalogue keys the case uses, as a domain would declare them. */
  permissions: z.array(z.string()).default([]),
  members: z.record(z.string(), role),
  groups: tree.default({}),
  memberships: z.record(z.string(), z.array(z.string())).default({}),
  policies: z.record(z.string(), z.array(z.string())).default({}),
  assignments: z
    .array(
      z.object({
        policy: z.string(),
        group: z.string(),
        expiresInMinutes: z.number().optional(),
        scope: z.string().optional(),
      }),
    )
    .default([]),
  /** Identities by name -> their owner team (a group name), or null for unowned. */
  nhis: z.record(z.string(), z.string().nullable()).default({}),
  steps: z.array(step).default([]),
});
export type FixtureCase = z.infer<typeof fixtureCase>;
export type FixtureTree = Tree;

export const fixturesDir = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'fixtures');

/** Every case of every fixture file, named "file: case". */
export function loadFixtureCases(): { file: string; fixture: FixtureCase }[] {
  return fs
    .readdirSync(fixturesDir)
    .filter((file) => file.endsWith('.yaml'))
    .sort()
    .flatMap((file) => {
      const cases = z.array(fixtureCase).parse(parse(fs.readFileSync(path.join(fixturesDir, file), 'utf8')));
      return cases.map((fixture) => ({ file, fixture }));
    });
}
