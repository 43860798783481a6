import { ScimError } from './scim-error.ts';
import { parseScimFilter } from './scim-filter.ts';

export const patchOpSchema = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** An attribute a resource lets clients change, as its schema spells it. */
export interface PatchableAttribute {
  name: string;
  /** Multi-valued: a list of objects (emails, members), each told apart by `value`. */
  multi?: boolean;
  /** Complex: an object of sub-attributes (name). */
  complex?: boolean;
}

export type ScimResourceData = Record<string, unknown>;

interface Operation {
  op: 'add' | 'replace' | 'remove';
  path?: string;
  value?: unknown;
}

/**
 * Applies a PatchOp request (RFC 7644 §3.5.2) to a resource's representation and returns the new
 * one. Paths name an attribute, a sub-attribute (`name.givenName`) or the elements of a list that
 * match one equality filter (`emails[type eq "work"].value`, `members[value eq "…"]`); an operation
 * without a path carries an object of attributes, as Entra ID and Okta send `active: false`.
 * Attributes the resource does not keep are ignored, as for POST and PUT: clients send whatever
 * their mapping holds (titles, phone numbers, extensions) and must not fail because of it.
 */
export function applyPatch(
  resource: ScimResourceData,
  body: unknown,
  attributes: readonly PatchableAttribute[],
  coreSchema: string,
): ScimResourceData {
  const operations = operationsOf(body);
  const next = structuredClone(resource);
  const patcher = new Patcher(attributes, coreSchema);
  for (const operation of operations) patcher.apply(next, operation);
  return next;
}

function operationsOf(body: unknown): Operation[] {
  const request = body as { schemas?: unknown; Operations?: unknown } | null;
  if (!request || typeof request !== 'object' || !Array.isArray(request.schemas)) {
    throw new ScimError(400, 'A PatchOp request names its schema and carries Operations', 'invalidSyntax');
  }
  if (!request.schemas.includes(patchOpSchema)) {
    throw new ScimError(400, `schemas must include ${patchOpSchema}`, 'invalidSyntax');
  }
  if (!Array.isArray(request.Operations) || request.Operations.length === 0) {
    throw new ScimError(400, 'Operations must be a non-empty list', 'invalidSyntax');
  }
  return request.Operations.map((raw): Operation => {
    const operation = raw as { op?: unknown; path?: unknown; value?: unknown } | null;
    const op = typeof operation?.op === 'string' ? operation.op.toLowerCase() : undefined;
    if (op !== 'add' && op !== 'replace' && op !== 'remove') {
      throw new ScimError(400, 'Each operation’s op is add, replace or remove', 'invalidSyntax');
    }
    if (operation?.path !== undefined && typeof operation.path !== 'string') {
      throw new ScimError(400, 'path must be a string', 'invalidPath');
    }
    if (op === 'remove' && operation?.path === undefined) {
      throw new ScimError(400, 'A remove operation names a path', 'noTarget');
    }
    if (op !== 'remove' && operation?.value === undefined) {
      throw new ScimError(400, `An ${op} operation carries a value`, 'invalidValue');
    }
    return {
      op,
      ...(operation?.path !== undefined ? { path: operation.path as string } : {}),
      ...(operation?.value !== undefined ? { value: operation.value } : {}),
    };
  });
}

interface ParsedPath {
  attribute: PatchableAttribute;
  filter?: { attribute: string; value: string };
  sub?: string;
}

const pathShape = /^([A-Za-z][\w-]*)(?:\[(.+)\])?(?:\.([A-Za-z][\w-]*))?$/;

class Patcher {
  private readonly byName: Map<string, PatchableAttribute>;

  constructor(
    attributes: readonly PatchableAttribute[],
    private readonly coreSchema: string,
  ) {
    this.byName = new Map(attributes.map((attribute) => [attribute.name.toLowerCase(), attribute]));
  }

  apply(resource: ScimResourceData, operation: Operation): void {
    if (operation.path === undefined || operation.path === '') {
      const value = operation.value;
      if (!value || typeof value !== 'object' || Array.isArray(value)) {
        throw new ScimError(
          400,
          'An operation without a path carries an object of attributes',
          'invalidValue',
        );
      }
      for (const [key, inner] of Object.entries(value)) {
        this.apply(resource, { op: operation.op, path: key, value: inner });
      }
      return;
    }
    const path = this.parse(operation.path);
    if (!path) return;
    if (path.filter) this.applyFiltered(resource, operation, path);
    else if (path.sub) this.applySub(resource, operation, path.attribute, path.sub);
    else this.applyWhole(resource, operation, path.attribute);
  }

  /** Undefined for an attribute of another schema or one the resource does not keep. */
  private parse(raw: string): ParsedPath | undefined {
    let path = raw.trim();
    const prefix = `${this.coreSchema}:`;
    if (path.toLowerCase().startsWith(prefix.toLowerCase())) path = path.slice(prefix.length);
    else if (path.toLowerCase().startsWith('urn:')) return undefined;
    const match = pathShape.exec(path);
    if (!match?.[1]) throw new ScimError(400, `Cannot read the path ${raw}`, 'invalidPath');
    const attribute = this.byName.get(match[1].toLowerCase());
    if (!attribute) return undefined;
    if (match[2] !== undefined && !attribute.multi) {
      throw new ScimError(400, `${attribute.name} is not a list: it takes no filter`, 'invalidPath');
    }
    if (match[3] !== undefined && !attribute.multi && !attribute.complex) {
      throw new ScimError(400, `${attribute.name} has no sub-attributes`, 'invalidPath');
    }
    if (match[3] !== undefined && attribute.multi && match[2] === undefined) {
      throw new ScimError(400, `Name the elements of ${attribute.name} with a filter`, 'invalidPath');
    }
    const filter =
      match[2] !== undefined ? parseScimFilter(match[2], ['value', 'type', 'display']) : undefined;
    return { attribute, ...(filter ? { filter } : {}), ...(match[3] ? { sub: match[3] } : {}) };
  }

  private applyWhole(resource: ScimResourceData, operation: Operation, attribute: PatchableAttribute): void {
    const { name } = attribute;
    if (operation.op === 'remove') {
      if (attribute.multi && Array.isArray(operation.value)) {
        // Entra ID removes members this way: the path names the list, the value the elements.
        const gone = new Set(operation.value.map((element) => String(elementValue(element))));
        resource[name] = listOf(resource[name]).filter((element) => !gone.has(String(element.value)));
      } else delete resource[name];
      return;
    }
    if (attribute.multi) {
      const values = (Array.isArray(operation.value) ? operation.value : [operation.value]).map(asElement);
      if (operation.op === 'replace') resource[name] = values;
      else {
        const list = listOf(resource[name]);
        for (const value of values) {
          if (!list.some((element) => String(element.value) === String(value.value))) list.push(value);
        }
        resource[name] = list;
      }
      return;
    }
    if (attribute.complex && isObject(operation.value)) {
      // A complex attribute's sub-attributes are replaced or added one by one (RFC 7644 §3.5.2.3).
      resource[name] = { ...(isObject(resource[name]) ? resource[name] : {}), ...operation.value };
      return;
    }
    resource[name] = operation.value;
  }

  private applySub(
    resource: ScimResourceData,
    operation: Operation,
    attribute: PatchableAttribute,
    sub: string,
  ): void {
    const current = isObject(resource[attribute.name]) ? { ...(resource[attribute.name] as object) } : {};
    const record = current as Record<string, unknown>;
    if (operation.op === 'remove') delete record[sub];
    else record[sub] = operation.value;
    resource[attribute.name] = record;
  }

  private applyFiltered(resource: ScimResourceData, operation: Operation, path: ParsedPath): void {
    const { attribute, sub } = path;
    const filter = path.filter as { attribute: string; value: string };
    const list = listOf(resource[attribute.name]);
    const matches = (element: Record<string, unknown>) =>
      String(element[filter.attribute] ?? '').toLowerCase() === filter.value.toLowerCase();
    if (operation.op === 'remove') {
      resource[attribute.name] = sub
        ? list.map((element) => (matches(element) ? withoutKey(element, sub) : element))
        : list.filter((element) => !matches(element));
      return;
    }
    const patch = sub ? { [sub]: operation.value } : isObject(operation.value) ? operation.value : {};
    if (!list.some(matches)) {
      // `emails[type eq "work"].value` on a user without a work email adds one (Entra ID relies on it).
      list.push({ [filter.attribute]: filter.value, ...patch });
    } else {
      for (const [index, element] of list.entries()) {
        if (matches(element)) list[index] = { ...element, ...patch };
      }
    }
    resource[attribute.name] = list;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function listOf(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isObject).map((element) => ({ ...element })) : [];
}

function asElement(value: unknown): Record<string, unknown> {
  return isObject(value) ? { ...value } : { value };
}

function elementValue(element: unknown): unknown {
  return isObject(element) ? element.value : element;
}

function withoutKey(element: Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _removed, ...rest } = element;
  return rest;
}
