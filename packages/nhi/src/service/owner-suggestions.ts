import type { RealmDb, RealmTx } from '@nhi/platform';
import { deleteMootSuggestions, unownedIdentityValues } from '../sql/owner-suggestions.sql.ts';
import {
  emailsOf,
  normalisedName,
  type OwnerDirectory,
  type OwnershipHint,
  ownerOf,
  ownershipHints,
  reasonOf,
} from './owner-suggestion-rules.ts';

/** Identities read and written per transaction in a pass over the realm. */
const passBatch = 2000;

export interface SuggestionPass {
  /** New pending suggestions. */
  created: number;
  /** Pending suggestions the source no longer backs, or whose identity got an owner. */
  removed: number;
}

/**
 * Brings the realm's pending suggestions in line with what its sources say: every unowned identity
 * gets one per hint that names a group or member, except where that reason was decided before (a
 * rejected one is not raised again; an accepted one left an owner). Pending ones the metadata no
 * longer backs go, and so do those of identities that have an owner. Idempotent: run after every
 * scan and on demand.
 */
export async function refreshOwnerSuggestions(realmDb: RealmDb): Promise<SuggestionPass> {
  const directory = await realmDb.transaction((tx) => directoryOf(tx));
  const pass: SuggestionPass = { created: 0, removed: 0 };
  let afterId = '';
  for (;;) {
    const last = await realmDb.transaction(async (tx) => {
      const rows = await unownedIdentityValues(tx, realmDb.realmId, afterId, passBatch);
      const hints = rows.map((row) => ({ id: row.id, hints: ownershipHints(row) }));
      const emails = emailsOf(hints.flatMap((row) => row.hints));
      const known = emails.length > 0 ? await membersByEmail(tx, emails) : new Map<string, string>();
      const withMembers: OwnerDirectory = { ...directory, membersByEmail: known };
      const wanted = hints.flatMap(({ id, hints: list }) => suggestionsOf(id, list, withMembers));
      const outcome = await syncBatch(
        tx,
        rows.map((row) => row.id),
        wanted,
      );
      pass.created += outcome.created;
      pass.removed += outcome.removed;
      return rows.at(-1)?.id;
    });
    if (!last) break;
    afterId = last;
  }
  pass.removed += await realmDb.transaction((tx) => deleteMootSuggestions(tx, realmDb.realmId));
  return pass;
}

interface WantedSuggestion {
  nhiId: string;
  reason: string;
  groupId: string | null;
  userId: string | null;
}

function suggestionsOf(nhiId: string, hints: OwnershipHint[], directory: OwnerDirectory) {
  return hints.flatMap((hint): WantedSuggestion[] => {
    const owner = ownerOf(hint, directory);
    if (!owner) return [];
    return [{ nhiId, reason: reasonOf(hint), groupId: owner.groupId ?? null, userId: owner.userId ?? null }];
  });
}

/** One batch: creates what is wanted and not yet known, removes pending ones no longer wanted. */
async function syncBatch(tx: RealmTx, nhiIds: string[], wanted: WantedSuggestion[]) {
  if (nhiIds.length === 0) return { created: 0, removed: 0 };
  const existing = await tx.ownerSuggestion.findMany({
    where: { nhiId: { in: nhiIds } },
    select: { id: true, nhiId: true, reason: true, state: true },
  });
  const key = (row: { nhiId: string; reason: string }) => `${row.nhiId}\u0000${row.reason}`;
  const known = new Set(existing.map(key));
  const wantedKeys = new Set(wanted.map(key));
  const stale = existing.filter((row) => row.state === 'pending' && !wantedKeys.has(key(row)));
  const fresh = [
    ...new Map(wanted.filter((row) => !known.has(key(row))).map((row) => [key(row), row])).values(),
  ];
  if (stale.length > 0)
    await tx.ownerSuggestion.deleteMany({ where: { id: { in: stale.map((row) => row.id) } } });
  // A pass running at the same time may have written the same rows: theirs are as good as ours.
  const created =
    fresh.length > 0 ? (await tx.ownerSuggestion.createMany({ data: fresh, skipDuplicates: true })).count : 0;
  return { created, removed: stale.length };
}

/** The realm's groups by normalised name. */
async function directoryOf(tx: RealmTx): Promise<OwnerDirectory> {
  const groups = await tx.policyGroup.findMany({ select: { id: true, name: true } });
  const groupsByName = new Map<string, string[]>();
  for (const group of groups) {
    const name = normalisedName(group.name);
    groupsByName.set(name, [...(groupsByName.get(name) ?? []), group.id]);
  }
  return { groupsByName, membersByEmail: new Map() };
}

/** Members of the realm with these emails (lower case), by email. */
async function membersByEmail(tx: RealmTx, emails: string[]): Promise<Map<string, string>> {
  const members = await tx.realmMembership.findMany({
    where: { user: { email: { in: emails, mode: 'insensitive' } } },
    select: { user: { select: { id: true, email: true } } },
  });
  return new Map(members.map(({ user }) => [user.email.toLowerCase(), user.id]));
}
