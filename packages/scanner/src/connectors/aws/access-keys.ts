import type { SourcedCredential } from '@nhi/nhi';
import type { DiscoveredNhi, IdentityFact } from '../connector.ts';

/** An access key as ListAccessKeys lists it: the id is no secret, the secret is never listed. */
export interface ListedAccessKey {
  accessKeyId: string;
  status: 'Active' | 'Inactive' | string;
  createDate: Date | null;
  /**
   * GetAccessKeyLastUsed: null when AWS says never used, undefined when not asked. Fresher than the
   * credential report (up to four hours old) and known for keys made after it.
   */
  lastUsedAt?: Date | null;
}

/** `AKIA…WXYZ`: the kind of key and its last four characters, as the hub shows credentials. */
export function accessKeyHint(accessKeyId: string): string {
  return `${accessKeyId.slice(0, 4)}…${accessKeyId.slice(-4)}`;
}

const sameSecond = (a: Date | null | undefined, b: Date | null | undefined) =>
  a != null && b != null && Math.floor(a.getTime() / 1000) === Math.floor(b.getTime() / 1000);

/**
 * One credential per key: the report's slot (`access_key_1`, with its last use) and the listed key id
 * (with its fingerprint) are the same key when the slot's last rotation is the key's creation. The
 * listed keys are the current truth; a slot without its key was deleted since the report was made.
 */
export async function reconcileAccessKeys(
  user: DiscoveredNhi,
  listed: readonly ListedAccessKey[],
  fingerprint: (secret: string) => Promise<string>,
): Promise<DiscoveredNhi> {
  const slots = (user.credentials ?? []).filter((credential) => credential.kind === 'access_key');
  const renamed = new Map<string, string>();
  const credentials: SourcedCredential[] = (user.credentials ?? []).filter((c) => c.kind !== 'access_key');
  const hints = new Set<string>();
  const asked = new Map<string, { lastUsedAt: Date | null; active: boolean; key: ListedAccessKey }>();
  for (const key of listed) {
    const slot = slots.find((candidate) => sameSecond(candidate.lastRotatedAt, key.createDate));
    // Two keys of one user sharing their last four characters keep apart by their full id.
    const hint = hints.has(accessKeyHint(key.accessKeyId)) ? key.accessKeyId : accessKeyHint(key.accessKeyId);
    hints.add(hint);
    if (slot) renamed.set(slot.key, hint);
    const lastUsedAt = laterOf(slot?.lastUsedAt ?? null, key.lastUsedAt ?? null);
    if (key.lastUsedAt !== undefined) asked.set(hint, { lastUsedAt, active: key.status === 'Active', key });
    credentials.push({
      key: hint,
      kind: 'access_key',
      fingerprint: await fingerprint(key.accessKeyId),
      status: key.status === 'Active' ? 'active' : 'inactive',
      providerCreatedAt: key.createDate,
      lastRotatedAt: key.createDate,
      lastUsedAt,
    });
  }
  const facts = renameFacts(user.facts, slots, renamed).filter(
    // A key AWS has since seen used is no longer "never used", whatever the older report said.
    (fact) =>
      !(
        fact.kind === 'credential.never_used' &&
        fact.credentialKey &&
        asked.get(fact.credentialKey)?.lastUsedAt
      ),
  );
  for (const [hint, { lastUsedAt, active, key }] of asked)
    if (
      active &&
      !lastUsedAt &&
      !facts.some((fact) => fact.kind === 'credential.never_used' && fact.credentialKey === hint)
    )
      facts.push({
        kind: 'credential.never_used',
        subject: `${user.externalId}|${hint}`,
        credentialKey: hint,
        evidence: { key: hint, lastRotated: key.createDate?.toISOString() ?? null },
      });
  return { ...user, credentials, facts };
}

function laterOf(a: Date | null, b: Date | null): Date | null {
  if (!a || !b) return a ?? b;
  return a.getTime() >= b.getTime() ? a : b;
}

/** Facts about a slot follow its key; facts about a deleted key go with it. */
function renameFacts(
  facts: IdentityFact[],
  slots: SourcedCredential[],
  renamed: ReadonlyMap<string, string>,
): IdentityFact[] {
  const slotKeys = new Set(slots.map((slot) => slot.key));
  const result: IdentityFact[] = [];
  for (const fact of facts) {
    if (!fact.credentialKey || !slotKeys.has(fact.credentialKey)) {
      result.push(renameEvidenceKeys(fact, renamed));
      continue;
    }
    const key = renamed.get(fact.credentialKey);
    if (!key) continue;
    const subject = fact.subject.replace(`|${fact.credentialKey}`, `|${key}`);
    result.push({ ...fact, subject, credentialKey: key, evidence: { ...fact.evidence, key } });
  }
  return result;
}

function renameEvidenceKeys(fact: IdentityFact, renamed: ReadonlyMap<string, string>): IdentityFact {
  const keys = fact.evidence.keys;
  if (!Array.isArray(keys)) return fact;
  return {
    ...fact,
    evidence: { ...fact.evidence, keys: keys.map((key) => renamed.get(String(key)) ?? key) },
  };
}
