import { actorOf, type Principal } from '../context/request-context.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import { withCleanText } from '../input/text-safety.ts';

export interface AuditEntry {
  realmId: string;
  actor: Principal;
  action: string;
  entityType: string;
  entityId?: string;
  /** Never secrets: audit rows are read by realm admins. */
  before?: Prisma.InputJsonValue;
  after?: Prisma.InputJsonValue;
  requestId?: string;
}

/**
 * Writes an audit row with the transaction client of the change it records (system or
 * realm-scoped: both have auditLog).
 */
export async function writeAuditEntry(
  tx: {
    auditLog: {
      create(args: { data: Prisma.AuditLogUncheckedCreateInput; select: { id: true } }): PromiseLike<unknown>;
    };
  },
  entry: AuditEntry,
): Promise<void> {
  await tx.auditLog.create({
    data: {
      realmId: entry.realmId,
      ...actorOf(entry.actor),
      action: entry.action,
      entityType: entry.entityType,
      entityId: entry.entityId ?? null,
      // jsonb refuses NUL and lone surrogates: the record of a change must never be what fails it.
      before: withCleanText(entry.before),
      after: withCleanText(entry.after),
      requestId: entry.requestId ?? null,
    },
    select: { id: true },
  });
}
