import {
  ConflictError,
  coveredOwnerWhere,
  NotFoundError,
  parseInput,
  REALM_DB,
  REQUEST_CONTEXT,
  REQUEST_PERMISSIONS,
  type RealmDb,
  type RealmTx,
  type RequestContext,
  type RequestPermissions,
  writeAuditEntry,
} from '@nhi/platform';
import { inject, injectable } from 'tsyringe';
import {
  type AcceptOwnerSuggestionInput,
  acceptGroupSuggestionsInput,
  acceptOwnerSuggestionInput,
  type ListOwnerSuggestionsInput,
  listOwnerSuggestionsInput,
} from '../api/owner-suggestion.schema.ts';
import { lockNhis } from '../sql/nhi-locks.sql.ts';
import { NhiService } from './nhi.service.ts';
import { aboutCoveredNhi } from './nhi-owner.ts';
import { refreshOwnerSuggestions, type SuggestionPass } from './owner-suggestions.ts';

export interface OwnerSuggestionItem {
  id: string;
  nhi: { id: string; name: string; provider: string; kind: string; version: number };
  group: { id: string; name: string } | null;
  user: { id: string; email: string } | null;
  reason: string;
  createdAt: Date;
}

export interface OwnerSuggestionPage {
  items: OwnerSuggestionItem[];
  total: number;
  page: number;
  pageSize: number;
  /** Pending suggestions per suggested group, largest first: what "accept all" offers. */
  groups: { id: string; name: string; count: number }[];
}

/** Bulk acceptance writes a version and audit row per identity; more than an edit's 5 s. */
const bulkTimeoutMs = 120_000;

const itemSelect = {
  id: true,
  reason: true,
  createdAt: true,
  nhi: { select: { id: true, name: true, provider: true, kind: true, version: true } },
  group: { select: { id: true, name: true } },
  user: { select: { id: true, email: true } },
} as const;

/**
 * Ownership suggestions of the request's realm (ADR 0041): listed, accepted through the inventory's
 * own update (version check, history, audit) or rejected. A suggestion never overwrites an owner.
 * A reader sees the suggestions of the identities their `nhi:read` covers (ADR 0040); as
 * suggestions are made for unowned identities, a member scoped to teams sees none.
 */
@injectable()
export class OwnerSuggestionService {
  constructor(
    @inject(REQUEST_CONTEXT) private readonly context: RequestContext,
    @inject(REALM_DB) private readonly realmDb: RealmDb,
    @inject(NhiService) private readonly nhis: NhiService,
    @inject(REQUEST_PERMISSIONS) private readonly permissions: RequestPermissions,
  ) {}

  /** The identities whose suggestions the caller may read. */
  private readCoverage() {
    return this.permissions.coverage('nhi:read');
  }

  async list(input: ListOwnerSuggestionsInput = {}): Promise<OwnerSuggestionPage> {
    const { groupId, page, pageSize } = parseInput(listOwnerSuggestionsInput, input, 'suggestion filter');
    const covered = aboutCoveredNhi(this.readCoverage());
    return this.realmDb.transaction(async (tx) => {
      const where = { state: 'pending' as const, ...covered, ...(groupId ? { groupId } : {}) };
      const items = await tx.ownerSuggestion.findMany({
        where,
        select: itemSelect,
        orderBy: [{ createdAt: 'asc' }, { nhiId: 'asc' }, { reason: 'asc' }],
        skip: (page - 1) * pageSize,
        take: pageSize,
      });
      const total = await tx.ownerSuggestion.count({ where });
      const counts = await tx.ownerSuggestion.groupBy({
        by: ['groupId'],
        where: { state: 'pending', ...covered, groupId: { not: null } },
        _count: { _all: true },
      });
      return { items, total, page, pageSize, groups: await groupCounts(tx, counts) };
    });
  }

  /** The pending suggestions of one identity, for its page. */
  async ofNhi(nhiId: string): Promise<OwnerSuggestionItem[]> {
    return this.realmDb.transaction(async (tx) => {
      const nhi = await tx.nhi.findFirst({
        where: { id: nhiId, ...coveredOwnerWhere(this.readCoverage()) },
        select: { id: true },
      });
      if (!nhi) throw new NotFoundError('Nhi', nhiId);
      return tx.ownerSuggestion.findMany({
        where: { nhiId, state: 'pending' },
        select: itemSelect,
        orderBy: [{ createdAt: 'asc' }, { nhiId: 'asc' }, { reason: 'asc' }],
      });
    });
  }

  /** Sets the suggested owner if the identity is still as the caller saw it and still unowned. */
  async accept(input: AcceptOwnerSuggestionInput): Promise<OwnerSuggestionItem> {
    const { id, expectedVersion } = parseInput(acceptOwnerSuggestionInput, input, 'suggestion');
    return this.realmDb.transaction(async (tx) => {
      const suggestion = await this.pending(tx, id);
      await this.acceptIn(tx, suggestion, expectedVersion);
      return this.itemIn(tx, id);
    });
  }

  /** Rejected for good: the same reason is not suggested again for this identity. */
  async reject(id: string): Promise<OwnerSuggestionItem> {
    return this.realmDb.transaction(async (tx) => {
      const suggestion = await this.pending(tx, id);
      await this.decide(tx, suggestion.id, 'rejected');
      await this.audit(tx, 'nhi.owner_suggestion.reject', suggestion);
      return this.itemIn(tx, id);
    });
  }

  /**
   * Every pending suggestion of the group, in one transaction: all are accepted or, when one
   * identity got an owner or changed meanwhile, none.
   */
  async acceptForGroup(input: { groupId: string }): Promise<{ accepted: number }> {
    const { groupId } = parseInput(acceptGroupSuggestionsInput, input, 'group');
    return this.realmDb.transaction(
      async (tx) => {
        const group = await tx.policyGroup.findFirst({ where: { id: groupId }, select: { id: true } });
        if (!group) throw new NotFoundError('PolicyGroup', groupId);
        const suggestions = await tx.ownerSuggestion.findMany({
          where: { groupId, state: 'pending' },
          select: { id: true, nhiId: true, groupId: true, userId: true, reason: true },
          orderBy: { nhiId: 'asc' },
        });
        const nhiIds = [...new Set(suggestions.map((s) => s.nhiId))];
        if (nhiIds.length < suggestions.length)
          throw new ConflictError('An identity has two suggestions for this group: accept them one by one', {
            groupId,
          });
        await lockNhis(tx, this.realmDb.realmId, nhiIds);
        const versions = await tx.nhi.findMany({
          where: { id: { in: nhiIds } },
          select: { id: true, version: true },
        });
        const versionOf = new Map(versions.map((row) => [row.id, row.version]));
        for (const suggestion of suggestions)
          await this.acceptIn(tx, suggestion, versionOf.get(suggestion.nhiId) ?? 0);
        return { accepted: suggestions.length };
      },
      { timeout: bulkTimeoutMs },
    );
  }

  /** Runs the rules now, as a scan does when it finishes. */
  refresh(): Promise<SuggestionPass> {
    return refreshOwnerSuggestions(this.realmDb);
  }

  private async acceptIn(tx: RealmTx, suggestion: PendingSuggestion, expectedVersion: number) {
    const nhi = await tx.nhi.findFirst({
      where: { id: suggestion.nhiId },
      select: { ownerUserId: true, ownerGroupId: true },
    });
    if (!nhi) throw new NotFoundError('Nhi', suggestion.nhiId);
    // An owner set since the suggestion was made was set by a person: it stays.
    if (nhi.ownerUserId || nhi.ownerGroupId)
      throw new ConflictError('The identity has an owner now: the suggestion no longer applies', {
        id: suggestion.id,
        nhiId: suggestion.nhiId,
      });
    const changes = suggestion.groupId
      ? { ownerGroupId: suggestion.groupId }
      : { ownerUserId: suggestion.userId };
    // Deciding owners is an administrator's (`nhi:ownership` is never scoped): the edit reaches
    // whatever that permission covers, not what the caller's `nhi:write` does.
    await this.nhis.updateIn(
      tx,
      { id: suggestion.nhiId, expectedVersion, changes },
      this.permissions.coverage('nhi:ownership'),
      'nhi.owner_suggestion.accept',
    );
    await this.decide(tx, suggestion.id, 'accepted');
    // The identity is owned: its other suggestions are moot, not rejected (their reasons may return).
    await tx.ownerSuggestion.deleteMany({ where: { nhiId: suggestion.nhiId, state: 'pending' } });
    await this.audit(tx, 'nhi.owner_suggestion.accept', suggestion);
  }

  private async pending(tx: RealmTx, id: string): Promise<PendingSuggestion> {
    const suggestion = await tx.ownerSuggestion.findFirst({
      where: { id },
      select: { id: true, nhiId: true, groupId: true, userId: true, reason: true, state: true },
    });
    if (!suggestion) throw new NotFoundError('OwnerSuggestion', id);
    if (suggestion.state !== 'pending')
      throw new ConflictError(`The suggestion was already ${suggestion.state}`, {
        id,
        state: suggestion.state,
      });
    return suggestion;
  }

  private async decide(tx: RealmTx, id: string, state: 'accepted' | 'rejected') {
    const principal = this.context.principal;
    await tx.ownerSuggestion.update({
      where: { id },
      data: {
        state,
        decidedAt: this.context.clock.now(),
        decidedById: principal.kind === 'system' ? null : principal.userId,
      },
      select: { id: true },
    });
  }

  private async audit(tx: RealmTx, action: string, suggestion: PendingSuggestion) {
    await writeAuditEntry(tx, {
      realmId: this.realmDb.realmId,
      actor: this.context.principal,
      action,
      entityType: 'Nhi',
      entityId: suggestion.nhiId,
      after: {
        suggestionId: suggestion.id,
        reason: suggestion.reason,
        groupId: suggestion.groupId,
        userId: suggestion.userId,
      },
      requestId: this.context.requestId,
    });
  }

  private async itemIn(tx: RealmTx, id: string): Promise<OwnerSuggestionItem> {
    const item = await tx.ownerSuggestion.findFirst({ where: { id }, select: itemSelect });
    if (!item) throw new NotFoundError('OwnerSuggestion', id);
    return item;
  }
}

interface PendingSuggestion {
  id: string;
  nhiId: string;
  groupId: string | null;
  userId: string | null;
  reason: string;
}

async function groupCounts(tx: RealmTx, counts: { groupId: string | null; _count: { _all: number } }[]) {
  const ids = counts.flatMap((row) => (row.groupId ? [row.groupId] : []));
  const groups =
    ids.length > 0
      ? await tx.policyGroup.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } })
      : [];
  const names = new Map(groups.map((group) => [group.id, group.name]));
  return counts
    .flatMap((row) =>
      row.groupId ? [{ id: row.groupId, name: names.get(row.groupId) ?? '', count: row._count._all }] : [],
    )
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
}
