import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ForwardTokens } from '../auth/forward-tokens.ts';
import { FORWARD_TOKEN_HEADER } from '../auth/forwarded-calls.ts';
import {
  ConflictError,
  type DomainError,
  NotFoundError,
  UnavailableError,
  ValidationError,
} from '../errors/domain-errors.ts';
import { REQUEST_ID_HEADER } from './instance-forwarder.ts';
import type { RealmStore } from './realm-store.ts';

/** Where the hub sends a worker the steps of a realm move. */
export const realmMovePath = '/api/instance/realm-move';

const realmId = z.string().uuid();
const tableName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/);

/** One step of a move, as one end carries it out. */
export const realmMoveOpSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('tables') }),
  z.object({ op: z.literal('freeze'), realmId, movingTo: z.string().min(1).max(40) }),
  z.object({ op: z.literal('unfreeze'), realmId }),
  z.object({ op: z.literal('activeScans'), realmId }),
  z.object({
    op: z.literal('export'),
    realmId,
    table: tableName,
    after: z.string().max(10_000).nullable(),
    limit: z.number().int().min(1).max(10_000),
  }),
  z.object({
    op: z.literal('prepare'),
    realm: z.object({
      id: realmId,
      slug: z.string().min(1).max(40),
      name: z.string().min(1).max(100),
      createdAt: z.coerce.date(),
    }),
    movingTo: z.string().min(1).max(40),
  }),
  z.object({
    op: z.literal('import'),
    realmId,
    table: tableName,
    rows: z.string(),
    pass: z.enum(['rows', 'links']).default('rows'),
  }),
  z.object({ op: z.literal('counts'), realmId }),
  z.object({ op: z.literal('removeAudit'), realmId, ids: z.array(z.string().max(100)).max(10_000) }),
  z.object({ op: z.literal('purge'), realmId }),
  z.object({ op: z.literal('finish'), realmId }),
  z.object({ op: z.literal('remove'), realmId }),
]);

/** A step as the hub sends it (`pass` may be left out). */
export type RealmMoveOp = z.input<typeof realmMoveOpSchema>;
type ParsedRealmMoveOp = z.infer<typeof realmMoveOpSchema>;

/**
 * Carries out one step on this process's database. `isHub`: the hub keeps the realm row (it is
 * the registry) and its policy copy when the realm leaves; a worker drops the realm whole.
 */
export async function runRealmMoveOp(
  store: RealmStore,
  op: ParsedRealmMoveOp,
  context: { isHub: boolean; now: Date },
): Promise<unknown> {
  switch (op.op) {
    case 'tables':
      return (await store.tables()).map(({ name, role, selfReferences }) => ({ name, role, selfReferences }));
    case 'freeze':
      return store.freeze(op.realmId, op.movingTo, context.now);
    case 'unfreeze':
      return store.unfreeze(op.realmId);
    case 'activeScans':
      return store.activeScans(op.realmId);
    case 'export':
      return store.exportPage(op.realmId, op.table, op.after, op.limit);
    case 'prepare':
      return store.prepareTarget(op.realm, op.movingTo, context.now);
    case 'import':
      return store.importPage(op.realmId, op.table, op.rows, op.pass);
    case 'counts':
      return store.counts(op.realmId);
    case 'removeAudit':
      return store.removeRows(op.realmId, ['audit'], op.ids);
    case 'purge':
      // A failed copy: what it brought goes. The hub keeps the realm row; the mover puts its
      // policy copy back (audit rows the copy brought are removed by id beforehand).
      if (!context.isHub) return store.dropRealm(op.realmId);
      return store.removeRows(op.realmId, ['moved', 'outbox', 'policy']);
    case 'finish':
      return store.finishTarget(op.realmId);
    case 'remove':
      if (!context.isHub) return store.dropRealm(op.realmId);
      return store.removeRows(op.realmId, ['moved', 'outbox', 'audit']);
  }
}

/** One end of a move: this process's database, or a worker reached over HTTP. */
export interface RealmEnd {
  /** `hub` or the instance's name, for messages. */
  readonly name: string;
  readonly isHub: boolean;
  call<T>(op: RealmMoveOp): Promise<T>;
}

export class LocalRealmEnd implements RealmEnd {
  readonly name = 'hub';
  readonly isHub = true;

  constructor(
    private readonly store: RealmStore,
    private readonly now: () => Date,
  ) {}

  async call<T>(op: RealmMoveOp): Promise<T> {
    const step = realmMoveOpSchema.parse(op);
    return (await runRealmMoveOp(this.store, step, { isHub: true, now: this.now() })) as T;
  }
}

/** A page of a large realm takes a while to write; a worker silent for this long is taken as down. */
const stepTimeoutMs = 120_000;

export class RemoteRealmEnd implements RealmEnd {
  readonly isHub = false;

  constructor(
    readonly name: string,
    private readonly baseUrl: string,
    private readonly tokens: ForwardTokens,
  ) {}

  async call<T>(op: RealmMoveOp): Promise<T> {
    const requestId = randomUUID();
    const token = await this.tokens.issueForInstance(this.name, requestId);
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${realmMovePath}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [FORWARD_TOKEN_HEADER]: token,
          [REQUEST_ID_HEADER]: requestId,
        },
        body: JSON.stringify(op),
        signal: AbortSignal.timeout(stepTimeoutMs),
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new UnavailableError(`Instance ${this.name} did not answer (${op.op}): ${reason}`);
    }
    const body = (await response.json().catch(() => ({}))) as { result?: T; error?: string };
    if (response.ok) return body.result as T;
    throw errorOfStatus(
      response.status,
      `Instance ${this.name} refused ${op.op}: ${body.error ?? response.statusText}`,
    );
  }
}

function errorOfStatus(status: number, message: string): DomainError {
  if (status === 409) return new ConflictError(message);
  if (status === 404) return Object.assign(new NotFoundError('Realm', ''), { message });
  if (status === 400) return new ValidationError(message);
  return new UnavailableError(message);
}
