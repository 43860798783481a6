import type { Prisma } from '../generated/prisma/client.ts';

/**
 * Names what changed in a realm, for other domains to react to: `nhi.changed` (subjects: NHI ids),
 * `scan.finished` (subjects: scan ids), `alert.rules_changed`, `realm.created` (subject: the realm). Types are strings so a domain can
 * add one without touching the platform.
 */
export interface DomainEventInput {
  type: string;
  subjectIds?: readonly string[];
}

/**
 * Records a domain event in the transaction of the change it describes (a transactional outbox):
 * the event exists if and only if the change committed. The relay hands it to the subscribed jobs.
 */
export async function publishDomainEvent(
  tx: {
    domainEvent: {
      create(args: {
        data: Omit<Prisma.DomainEventUncheckedCreateInput, 'realmId'>;
        select: { id: true };
      }): PromiseLike<unknown>;
    };
  },
  type: string,
  subjectIds: readonly string[] = [],
): Promise<void> {
  await tx.domainEvent.create({ data: { type, subjectIds: [...new Set(subjectIds)] }, select: { id: true } });
}
