import fc from 'fast-check';
import { z } from 'zod';
import {
  hostileCursors,
  hostileDates,
  hostileIds,
  hostileNumbers,
  hostileStrings,
  hostileStringsForConstrainedFields,
} from './hostile-inputs.ts';

/**
 * Inputs derived from a procedure's zod schema. zod-fast-check only knows zod 3, so the schema goes
 * through zod's own JSON Schema export (its input side, dates marked as date-time) and that small,
 * stable vocabulary maps onto fast-check arbitraries.
 */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  default?: unknown;
}

export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
    override: (ctx) => {
      const def = (ctx.zodSchema as { _zod: { def: { type: string } } })._zod.def;
      if (def.type === 'date') {
        ctx.jsonSchema.type = 'string';
        ctx.jsonSchema.format = 'date-time';
      }
    },
  }) as JsonSchema;
}

/** Values the hub knows (the caller's objects' ids, permission names), offered by field name. */
export type KnownValues = (field: string) => readonly unknown[];

type Path = readonly (string | number)[];

export type LeafKind = 'text' | 'constrained' | 'id' | 'date' | 'number' | 'cursor' | 'other';

export interface Leaf {
  path: Path;
  kind: LeafKind;
}

const isIdField = (field: string) => /(^id$|Id$|^ids$|Ids$)/.test(field);

function variants(schema: JsonSchema): JsonSchema[] {
  return schema.anyOf ?? schema.oneOf ?? [schema];
}

function leafKind(schema: JsonSchema, field: string): LeafKind {
  const options = variants(schema).filter((option) => option.type !== 'null');
  const first = options[0] ?? {};
  if (field === 'cursor') return 'cursor';
  if (first.format === 'date-time') return 'date';
  if (first.type === 'number' || first.type === 'integer') return 'number';
  if (first.type !== 'string') return 'other';
  if (isIdField(field) || first.format === 'uuid') return 'id';
  if (first.enum || first.const !== undefined || first.pattern || first.format) return 'constrained';
  return 'text';
}

/**
 * Every field a hostile value can be put into: object properties (required or not) down to the
 * leaves, and the first element of arrays.
 */
export function leavesOf(schema: JsonSchema, path: Path = [], field = ''): Leaf[] {
  const options = variants(schema).filter((option) => option.type !== 'null');
  const objectVariant = options.find((option) => option.type === 'object' && option.properties);
  if (objectVariant?.properties) {
    return Object.entries(objectVariant.properties).flatMap(([key, property]) =>
      leavesOf(property, [...path, key], key),
    );
  }
  const arrayVariant = options.find((option) => option.type === 'array' && option.items);
  if (arrayVariant?.items) return leavesOf(arrayVariant.items, [...path, 0], field);
  return [{ path, kind: leafKind(schema, field) }];
}

/** The values each kind of field receives, one call each. */
export function hostileValuesFor(kind: LeafKind): readonly { name: string; value: unknown }[] {
  switch (kind) {
    case 'text':
      return hostileStrings;
    case 'constrained':
      return hostileStringsForConstrainedFields;
    case 'id':
      return hostileIds;
    case 'date':
      return hostileDates;
    case 'number':
      return hostileNumbers;
    case 'cursor':
      return hostileCursors;
    default:
      return [{ name: 'null', value: null }];
  }
}

/** A copy of `input` with the value at `path` replaced, creating objects and arrays on the way. */
export function withValueAt(input: unknown, path: Path, value: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  if (typeof head === 'number') {
    const array = Array.isArray(input) ? [...input] : [];
    array[head] = withValueAt(array[head], rest, value);
    return array;
  }
  const object = input && typeof input === 'object' && !Array.isArray(input) ? { ...input } : {};
  (object as Record<string, unknown>)[head] = withValueAt(
    (object as Record<string, unknown>)[head],
    rest,
    value,
  );
  return object;
}

/** A small valid value: required fields only, the first of every choice. */
export function baselineOf(schema: JsonSchema, known: KnownValues, field = ''): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  if (schema.anyOf || schema.oneOf) {
    const options = variants(schema);
    const preferred = options.find((option) => option.type !== 'null') ?? options[0];
    return preferred ? baselineOf(preferred, known, field) : null;
  }
  switch (schema.type) {
    case 'object': {
      const result: Record<string, unknown> = {};
      for (const [key, property] of Object.entries(schema.properties ?? {})) {
        const required = schema.required?.includes(key);
        if (required || known(key).length > 0) result[key] = baselineOf(property, known, key);
      }
      return result;
    }
    case 'array': {
      const count = schema.minItems ?? 0;
      return Array.from({ length: count }, () => baselineOf(schema.items ?? {}, known, field));
    }
    case 'string':
      return baselineString(schema, known, field);
    case 'integer':
    case 'number':
      return schema.minimum !== undefined && schema.minimum > -1e9 ? Math.max(schema.minimum, 1) : 1;
    case 'boolean':
      return known(field)[0] ?? false;
    case 'null':
      return null;
    default:
      return {};
  }
}

function baselineString(schema: JsonSchema, known: KnownValues, field: string): unknown {
  const [knownValue] = known(field);
  if (knownValue !== undefined) return knownValue;
  if (schema.format === 'uuid') return '7d9f6a4e-3c2b-4a1d-9e8f-0123456789ab';
  if (schema.format === 'date-time') return '2026-06-01T00:00:00.000Z';
  if (schema.format === 'uri') return 'https://example.com/hook';
  if (schema.format === 'email') return 'fuzz@example.com';
  if (schema.pattern) {
    const [sample] = fc.sample(fc.stringMatching(new RegExp(schema.pattern)), { seed: 1, numRuns: 1 });
    return (sample ?? '').slice(0, schema.maxLength ?? 64) || 'x';
  }
  return 'fuzz-value'.padEnd(schema.minLength ?? 0, 'x').slice(0, schema.maxLength ?? 64);
}

const hostileJson = fc.constantFrom<unknown>(
  ...hostileStrings.map((c) => c.value),
  ...hostileNumbers.map((c) => c.value),
  null,
  {},
  [],
  JSON.parse('{"__proto__":{"polluted":true}}'),
);

/** Any JSON value, hostile ones included: for fields of no declared type and for wrong types. */
const anyJson = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 2, arbitrary: hostileJson },
);

/** A fuzz value for the schema: mostly well-formed, with hostile leaves and now and then the wrong type. */
export function arbitraryOf(schema: JsonSchema, known: KnownValues, field = ''): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 9, arbitrary: wellFormedArbitrary(schema, known, field) },
    { weight: 1, arbitrary: anyJson },
  );
}

function wellFormedArbitrary(schema: JsonSchema, known: KnownValues, field: string): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.anyOf || schema.oneOf) {
    return fc.oneof(...variants(schema).map((option) => arbitraryOf(option, known, field)));
  }
  if (schema.allOf) return arbitraryOf(schema.allOf[0] ?? {}, known, field);
  switch (schema.type) {
    case 'object':
      return objectArbitrary(schema, known);
    case 'array':
      return fc.array(arbitraryOf(schema.items ?? {}, known, field), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 5, 5),
      });
    case 'string':
      return stringArbitrary(schema, known, field);
    case 'integer':
      return fc.oneof(
        fc.integer({ min: boundOf(schema.minimum, -1e6), max: boundOf(schema.maximum, 1e6) }),
        fc.constantFrom(...hostileNumbers.map((c) => c.value)),
      );
    case 'number':
      return fc.oneof(
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.constantFrom(...hostileNumbers.map((c) => c.value)),
      );
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return anyJson;
  }
}

const boundOf = (value: number | undefined, fallback: number) =>
  value === undefined ? fallback : Math.max(Math.min(value, 2 ** 31), -(2 ** 31));

function objectArbitrary(schema: JsonSchema, known: KnownValues): fc.Arbitrary<unknown> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    model[key] = arbitraryOf(property, known, key);
  }
  const fixed = fc.record(model, { requiredKeys: schema.required ?? [] });
  const extra = schema.additionalProperties;
  if (!extra || schema.properties) return fixed;
  const keys = fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.constantFrom('__proto__', 'constructor', 'prototype', '\u0000', '\ud800'),
  );
  return fc.dictionary(keys, arbitraryOf(extra === true ? {} : extra, known), { maxKeys: 5 });
}

function stringArbitrary(schema: JsonSchema, known: KnownValues, field: string): fc.Arbitrary<unknown> {
  const ids = known(field);
  const byFormat = formatArbitrary(schema, ids, field);
  if (byFormat) return byFormat;
  const maxLength = Math.min(schema.maxLength ?? 200, 200);
  const minLength = Math.min(schema.minLength ?? 0, maxLength);
  const plain = schema.pattern
    ? fc
        .stringMatching(new RegExp(schema.pattern))
        .map((text) => text.slice(0, schema.maxLength ?? text.length))
    : fc.string({ minLength, maxLength });
  const hostile = fc.constantFrom(...hostileStrings.map((c) => c.value));
  // Any code point, lone surrogates and NUL included, within the field's length.
  const binary = fc.string({ unit: 'binary', minLength, maxLength: Math.min(maxLength, 40) });
  return fc.oneof(
    { weight: 4, arbitrary: plain },
    { weight: 2, arbitrary: binary },
    { weight: 2, arbitrary: hostile },
    ...(ids.length > 0 ? [{ weight: 4, arbitrary: fc.constantFrom(...ids) }] : []),
  );
}

function formatArbitrary(
  schema: JsonSchema,
  ids: readonly unknown[],
  field: string,
): fc.Arbitrary<unknown> | undefined {
  if (field === 'cursor') {
    return fc.oneof(
      fc.constantFrom(...hostileCursors.map((c) => c.value)),
      fc.base64String({ maxLength: 60 }),
    );
  }
  switch (schema.format) {
    case 'uuid':
      return fc.oneof(
        { weight: 2, arbitrary: fc.uuid() },
        { weight: 1, arbitrary: fc.constantFrom(...hostileIds.map((c) => c.value)) },
        ...(ids.length > 0 ? [{ weight: 4, arbitrary: fc.constantFrom(...ids) }] : []),
      );
    case 'date-time':
      return fc.oneof(
        fc
          .date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
          .map((date) => date.toISOString()),
        fc.constantFrom(...hostileDates.map((c) => c.value)),
      );
    case 'uri':
      return fc.oneof(
        fc.webUrl(),
        fc.constantFrom('javascript:alert(1)', 'http://\u0000/', 'https://a\ud800.test/'),
      );
    case 'email':
      return fc.oneof(fc.emailAddress(), fc.constantFrom('a\u0000@example.com', '@', 'a@b'));
    default:
      return undefined;
  }
}
