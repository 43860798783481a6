import { procedurePermissions } from '@nhi/platform';
import type { AnyTRPCRouter } from '@trpc/server';
import fc from 'fast-check';
import type { z } from 'zod';
import type { CallResult, FuzzHub, ProcedureType, RealmObjects } from './fuzz-hub.ts';
import { hostileBodies, hostileQueries, procedureCases, wrongShapes } from './hostile-inputs.ts';
import {
  arbitraryOf,
  baselineOf,
  hostileValuesFor,
  type JsonSchema,
  jsonSchemaOf,
  type KnownValues,
  leavesOf,
  withValueAt,
} from './schema-arbitrary.ts';

export interface FuzzProcedure {
  path: string;
  type: ProcedureType;
  /** The input's JSON Schema; undefined for procedures that take no input. */
  schema: JsonSchema | undefined;
}

interface ProcedureDef {
  _def: { type: ProcedureType; inputs: z.ZodType[] };
}

/** Procedures that remove what later calls would reach: they run last. */
const destroys = (path: string) => /\.(delete\w*|revoke|remove\w*|cancel)$/.test(path);

/**
 * Every procedure of the router (the same enumeration as the permission audit) with its input,
 * those that delete or revoke last, so the others still find the realm's objects.
 */
export function fuzzableProcedures(router: AnyTRPCRouter): FuzzProcedure[] {
  const flat = (router._def as unknown as { procedures: Record<string, ProcedureDef> }).procedures;
  const all = procedurePermissions(router).map(({ path }) => {
    const def = flat[path]?._def;
    if (!def) throw new Error(`procedure ${path} not found in the router`);
    const [input] = def.inputs;
    return { path, type: def.type, schema: input ? jsonSchemaOf(input) : undefined };
  });
  return [...all.filter((p) => !destroys(p.path)), ...all.filter((p) => destroys(p.path))];
}

export interface FuzzCase {
  name: string;
  input: unknown;
  send(hub: FuzzHub): Promise<CallResult>;
}

/**
 * The values a field of this procedure can name in the caller's realm: its objects' ids, and
 * names the hub knows (permissions, rules), so inputs get past the checks to the database. Never
 * the caller's own API token: revoking it would turn every later call into a 401.
 */
export function knownValuesOf(procedure: string, own: RealmObjects): KnownValues {
  const idOfNamespace = (): string[] => {
    if (procedure.startsWith('nhi.')) return [own.nhi];
    if (procedure.startsWith('scanner.source.')) return [own.source];
    if (procedure.startsWith('scanner.scan.')) return [own.scan];
    if (procedure.startsWith('alert.channels.')) return [own.channel];
    if (procedure.startsWith('alert.deliveries.')) return present(own.delivery);
    if (procedure.startsWith('alert.')) return present(own.alert);
    return [];
  };
  const byField: Record<string, () => unknown[]> = {
    id: idOfNamespace,
    ids: idOfNamespace,
    nhiId: () => [own.nhi],
    credentialId: () => [own.credential],
    groupId: () => [own.group],
    parentId: () => [own.group],
    ownerGroupId: () => [own.group],
    policyId: () => [own.policy],
    assignmentId: () => [own.assignment],
    userId: () => [own.userId],
    ownerUserId: () => [own.userId],
    assigneeId: () => [own.userId],
    owner: () => [own.userId],
    sourceId: () => [own.source],
    source: () => [own.source],
    sources: () => [own.source],
    channelId: () => [own.channel],
    permission: () => ['nhi:read'],
    permissions: () => ['nhi:read', 'alert:read'],
    ruleId: () => ['nhi1.unowned', 'nhi4.root_access_key'],
    ruleIds: () => ['nhi1.unowned'],
    // Past the version check, so an update's hostile values reach the write.
    force: () => [true],
  };
  return (field) => byField[field]?.() ?? [];
}

const present = (id: string | undefined) => (id ? [id] : []);

/** Replaces `ref:<kind>` with the caller's object and `other:<kind>` with the other realm's. */
export function resolveRefs(input: unknown, own: RealmObjects, other?: RealmObjects): unknown {
  if (typeof input === 'string') {
    const [scope, kind] = input.split(':') as [string, keyof RealmObjects];
    if (scope === 'ref' && kind in own) return own[kind];
    if (scope === 'other' && other && kind in other) return other[kind];
    return input;
  }
  if (Array.isArray(input)) return input.map((item) => resolveRefs(item, own, other));
  if (input && typeof input === 'object') {
    return Object.fromEntries(
      Object.entries(input).map(([key, value]) => [key, resolveRefs(value, own, other)]),
    );
  }
  return input;
}

/** A stable number per procedure, so each one's random inputs do not depend on the others. */
function hashOf(text: string): number {
  let hash = 0;
  for (const char of text) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) | 0;
  return hash;
}

export function seedOf(seed: number, procedure: string): number {
  return (seed ^ hashOf(procedure)) >>> 0;
}

/**
 * What the suite sends to one procedure, in this order: the fixed hostile values in every field of
 * an otherwise valid input, the whole inputs of the wrong shape, the procedure's own fixed cases,
 * raw requests no client would send, then `runs` inputs drawn from its schema.
 */
export function casesFor(
  procedure: FuzzProcedure,
  own: RealmObjects,
  seed: number,
  runs: number,
): FuzzCase[] {
  const { path, type, schema } = procedure;
  const call = (name: string, input: unknown): FuzzCase => ({
    name,
    input,
    send: (hub) => hub.call('a', path, type, input),
  });
  const cases: FuzzCase[] = [];
  const known = knownValuesOf(path, own);
  if (schema) {
    const baseline = baselineOf(schema, known);
    cases.push(call('valid baseline', baseline));
    for (const leaf of leavesOf(schema)) {
      const field = leaf.path.join('.');
      for (const hostile of hostileValuesFor(leaf.kind)) {
        cases.push(call(`${field} = ${hostile.name}`, withValueAt(baseline, leaf.path, hostile.value)));
      }
    }
  }
  for (const shape of wrongShapes) cases.push(call(`input = ${shape.name}`, shape.value));
  for (const fixed of procedureCases.filter((c) => c.procedure === path)) {
    cases.push(call(fixed.name, resolveRefs(fixed.input, own)));
  }
  cases.push(...rawCases(path, type));
  if (schema) {
    const inputs = fc.sample(arbitraryOf(schema, known), { seed: seedOf(seed, path), numRuns: runs });
    inputs.forEach((input, index) => {
      cases.push(call(`random #${index}`, input));
    });
  }
  return cases;
}

function rawCases(path: string, type: ProcedureType): FuzzCase[] {
  if (type === 'query') {
    return hostileQueries.map((query) => ({
      name: `query string: ${query.name}`,
      input: query.value,
      send: (hub: FuzzHub) => hub.raw('a', path, { method: 'GET', query: query.value }),
    }));
  }
  return hostileBodies.map((body) => ({
    name: `body: ${body.name}`,
    input: body.body,
    send: (hub: FuzzHub) =>
      hub.raw('a', path, { method: 'POST', body: body.body, contentType: body.contentType }),
  }));
}
