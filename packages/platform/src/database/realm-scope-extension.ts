import type { PrismaClient } from '../generated/prisma/client.ts';
import { CrossRealmAccessError } from './database-errors.ts';

type Args = Record<string, unknown>;

interface RuntimeField {
  name: string;
  kind: string;
}

/** How the realm-scoped client treats a model. */
type ModelScope =
  /** Carries realmId: every read and write is confined to the realm. */
  | { kind: 'realm-data'; relationFields: Set<string> }
  /** The Realm table itself: the current realm, read only. */
  | { kind: 'current-realm' }
  /**
   * Global but needed by application code: read only, rows limited by row-level security, and
   * the columns the application role is not granted omitted unless selected explicitly.
   */
  | { kind: 'read-only-global'; ungranted: Record<string, true> }
  /** Global and not for application code. */
  | { kind: 'unreachable' };

const READ_OPERATIONS = new Set([
  'findUnique',
  'findUniqueOrThrow',
  'findFirst',
  'findFirstOrThrow',
  'findMany',
  'count',
  'aggregate',
  'groupBy',
]);
const FILTERED_WRITES = new Set(['update', 'updateMany', 'updateManyAndReturn', 'delete', 'deleteMany']);
const CREATES = new Set(['create', 'createMany', 'createManyAndReturn']);

/**
 * Global models that application code may read, with the columns the application role is
 * granted (the migrations' GRANT SELECT). User: members of the realm (names, emails); row-level
 * security hides everyone else. Every other column (the password hash, the sealed TOTP secret,
 * and any added later) is left out of reads, so a new column is unreadable until granted here
 * and in a migration.
 */
const READ_ONLY_GLOBAL_MODELS = new Map<string, ReadonlySet<string>>([
  ['User', new Set(['id', 'email', 'displayName', 'disabledAt', 'createdAt', 'updatedAt', 'authEpoch'])],
]);

/** The client's data model, which Prisma keeps on the instance; the extension needs the relation fields. */
export function modelScopes(client: PrismaClient): Map<string, ModelScope> {
  const dataModel = (
    client as unknown as { _runtimeDataModel?: { models: Record<string, { fields: RuntimeField[] }> } }
  )._runtimeDataModel;
  if (!dataModel) throw new Error('Prisma client data model not found: the realm scoping cannot be built');
  const scopes = new Map<string, ModelScope>();
  for (const [model, { fields }] of Object.entries(dataModel.models)) {
    if (model === 'Realm') scopes.set(model, { kind: 'current-realm' });
    else if (fields.some((field) => field.name === 'realmId' && field.kind === 'scalar')) {
      const relationFields = new Set(
        fields.filter((field) => field.kind === 'object').map((field) => field.name),
      );
      scopes.set(model, { kind: 'realm-data', relationFields });
    } else if (READ_ONLY_GLOBAL_MODELS.has(model)) {
      const granted = READ_ONLY_GLOBAL_MODELS.get(model) ?? new Set();
      const ungranted = fields
        .filter((field) => field.kind !== 'object' && !granted.has(field.name))
        .map((field) => [field.name, true] as const);
      scopes.set(model, { kind: 'read-only-global', ungranted: Object.fromEntries(ungranted) });
    } else scopes.set(model, { kind: 'unreachable' });
  }
  return scopes;
}

function isRecord(value: unknown): value is Args {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when `value` names exactly this realm: `'id'` or `{ equals: 'id' }`. */
function namesRealm(value: unknown, realmId: string): boolean {
  if (value === realmId) return true;
  return isRecord(value) && Object.keys(value).length === 1 && value.equals === realmId;
}

/**
 * Adds `key: realmId` to a where clause. A realm filter the caller wrote must name this realm;
 * compound unique keys that include realmId (`realmId_userId`) are checked as well.
 */
function scopeWhere(where: unknown, key: string, realmId: string, refuse: () => never): Args {
  const scoped: Args = isRecord(where) ? { ...where } : {};
  if (key in scoped && !namesRealm(scoped[key], realmId)) refuse();
  for (const [name, value] of Object.entries(scoped)) {
    if (name !== key && name.split('_').includes(key) && isRecord(value) && value[key] !== realmId) refuse();
  }
  scoped[key] = realmId;
  return scoped;
}

/**
 * Puts the realm into data to be created, in the style the caller used: Prisma does not accept the
 * realmId column next to relation writes (`user: { connect }`), only `realm: { connect }`.
 */
function scopeCreateData(
  data: unknown,
  scope: { relationFields: Set<string> },
  realmId: string,
  refuse: () => never,
) {
  const scoped: Args = isRecord(data) ? { ...data } : {};
  if ('realmId' in scoped) {
    if (scoped.realmId !== realmId) refuse();
    return scoped;
  }
  if ('realm' in scoped) {
    const realm = scoped.realm;
    if (!isRecord(realm) || Object.keys(realm).length !== 1 || !isRecord(realm.connect)) refuse();
    if (realm.connect.id !== realmId || Object.keys(realm.connect).length !== 1) refuse();
    return scoped;
  }
  const usesRelationWrites = Object.keys(scoped).some((field) => scope.relationFields.has(field));
  if (usesRelationWrites) scoped.realm = { connect: { id: realmId } };
  else scoped.realmId = realmId;
  return scoped;
}

/** Updates may not move a row to another realm. */
function checkUpdateData(data: unknown, realmId: string, refuse: () => never) {
  if (!isRecord(data)) return;
  if ('realmId' in data && !namesSetTo(data.realmId, realmId)) refuse();
  if ('realm' in data) refuse();
}

function namesSetTo(value: unknown, realmId: string): boolean {
  return value === realmId || (isRecord(value) && Object.keys(value).length === 1 && value.set === realmId);
}

/**
 * Rewrites the arguments of one model operation so that it stays inside `realmId`, or throws
 * CrossRealmAccessError. Row-level security enforces the same boundary in the database; this
 * layer makes the intent explicit and fails early with a clear error.
 */
export function scopeArgs(
  scope: ModelScope,
  model: string,
  operation: string,
  args: Args,
  realmId: string,
): Args {
  const refuse = (): never => {
    throw new CrossRealmAccessError(model, operation);
  };
  switch (scope.kind) {
    case 'unreachable':
      throw new Error(`${model} is not realm data and cannot be used through the realm-scoped client`);
    case 'read-only-global': {
      if (!READ_OPERATIONS.has(operation))
        throw new Error(`${model} is read-only through the realm-scoped client`);
      const ungranted = scope.ungranted;
      if (
        Object.keys(ungranted).length === 0 ||
        args.select ||
        operation === 'count' ||
        operation === 'aggregate' ||
        operation === 'groupBy'
      ) {
        return args;
      }
      return { ...args, omit: { ...(isRecord(args.omit) ? args.omit : {}), ...ungranted } };
    }
    case 'current-realm':
      if (!READ_OPERATIONS.has(operation))
        throw new Error('Realm is read-only through the realm-scoped client');
      return { ...args, where: scopeWhere(args.where, 'id', realmId, refuse) };
    case 'realm-data':
      break;
  }
  if (READ_OPERATIONS.has(operation))
    return { ...args, where: scopeWhere(args.where, 'realmId', realmId, refuse) };
  if (FILTERED_WRITES.has(operation)) {
    checkUpdateData(args.data, realmId, refuse);
    return { ...args, where: scopeWhere(args.where, 'realmId', realmId, refuse) };
  }
  if (CREATES.has(operation)) {
    const data = Array.isArray(args.data)
      ? args.data.map((item) => scopeCreateData(item, scope, realmId, refuse))
      : scopeCreateData(args.data, scope, realmId, refuse);
    return { ...args, data };
  }
  if (operation === 'upsert') {
    checkUpdateData(args.update, realmId, refuse);
    return {
      ...args,
      where: scopeWhere(args.where, 'realmId', realmId, refuse),
      create: scopeCreateData(args.create, scope, realmId, refuse),
    };
  }
  throw new Error(`${model}.${operation} is not supported by the realm-scoped client`);
}
