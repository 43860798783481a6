/**
 * The rules that read an owner from what a source says about an identity (ADR 0041): a tag or label
 * whose key is `team`, `owner` or `squad` (also as the last part of a prefixed key such as
 * `example.com/team`, and `app.kubernetes.io/part-of`) names a group of the realm by name, or a
 * member by email. Pure: the service reads the values and the realm's groups and members.
 */

/** The values a source stored about one identity, by where they came from. */
export interface OwnershipValues {
  /** The identity's own tags, as people or imports set them (`team:payments`, `team=payments`). */
  tags: string[];
  /** Whose tags `awsTags` holds: the provider names where the hint was found. */
  provider?: string;
  /** The tags or labels the provider keeps on the identity (AWS tags, GCP labels, an Entra app's owners). */
  awsTags: unknown;
  labels: unknown;
  annotations: unknown;
  namespaceLabels: unknown;
  namespaceAnnotations: unknown;
}

/** One key/value that may name an owner, and where it was found. */
export interface OwnershipHint {
  where: string;
  key: string;
  value: string;
}

export type SuggestedOwner =
  | { groupId: string; userId?: undefined }
  | { userId: string; groupId?: undefined };

export interface OwnerDirectory {
  /** Normalised group name → the ids of the groups with that name (more than one: ambiguous). */
  groupsByName: ReadonlyMap<string, readonly string[]>;
  /** Lower-case email → user id, members of the realm only. */
  membersByEmail: ReadonlyMap<string, string>;
}

/** How each provider calls the key/values it keeps on an identity, for the suggestion's reason. */
const providerTagLabel: Record<string, string> = {
  aws: 'AWS tag',
  gcp: 'Google Cloud label',
  azure: 'Entra ID application',
  gitlab: 'GitLab',
  github: 'GitHub',
};

const ownerKeys = new Set(['team', 'owner', 'squad', 'owner-team', 'owner_team', 'part-of']);
/** Longer values are not names: they are never matched, and would make unreadable reasons. */
const longestValue = 200;
const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Whether a key names an owner: its last segment, case-insensitive. */
export function isOwnerKey(key: string): boolean {
  const last = key.toLowerCase().split('/').pop() ?? '';
  return ownerKeys.has(last);
}

/** Every hint of one identity, in a fixed order so reasons are stable from one pass to the next. */
export function ownershipHints(values: OwnershipValues): OwnershipHint[] {
  const hints: OwnershipHint[] = [
    ...fromRecord(providerTagLabel[values.provider ?? 'aws'] ?? 'provider tag', values.awsTags),
    ...fromRecord('ServiceAccount label', values.labels),
    ...fromRecord('ServiceAccount annotation', values.annotations),
    ...fromRecord('namespace label', values.namespaceLabels),
    ...fromRecord('namespace annotation', values.namespaceAnnotations),
    ...fromTags(values.tags),
  ];
  return hints.filter((hint) => isOwnerKey(hint.key) && hint.value.length <= longestValue);
}

function fromRecord(where: string, record: unknown): OwnershipHint[] {
  if (!record || typeof record !== 'object' || Array.isArray(record)) return [];
  return Object.entries(record as Record<string, unknown>).flatMap(([key, value]) =>
    typeof value === 'string' && value.trim() ? [{ where, key, value: value.trim() }] : [],
  );
}

function fromTags(tags: readonly string[]): OwnershipHint[] {
  return tags.flatMap((tag) => {
    const match = /^([^:=]+)[:=](.+)$/.exec(tag);
    return match ? [{ where: 'tag', key: match[1] as string, value: (match[2] as string).trim() }] : [];
  });
}

/**
 * A group name as values spell it: case, separators and a CODEOWNERS-style `@org/` prefix aside, so
 * `Payments-Team`, `payments team` and `@acme/payments_team` name the same group.
 */
export function normalisedName(name: string): string {
  const withoutOrg = name.startsWith('@') ? (name.slice(1).split('/').pop() ?? '') : name;
  return withoutOrg
    .toLowerCase()
    .replace(/[\s._-]+/g, ' ')
    .trim();
}

/** The owner a hint names: a member by email, or the one group of that name; otherwise none. */
export function ownerOf(hint: OwnershipHint, directory: OwnerDirectory): SuggestedOwner | undefined {
  if (emailPattern.test(hint.value)) {
    const userId = directory.membersByEmail.get(hint.value.toLowerCase());
    return userId ? { userId } : undefined;
  }
  const groups = directory.groupsByName.get(normalisedName(hint.value)) ?? [];
  // Two groups of one name (in different branches of the tree) are a guess, not a suggestion.
  return groups.length === 1 ? { groupId: groups[0] as string } : undefined;
}

/** The reason shown beside a suggestion, and the key a rejection is remembered by. */
export function reasonOf(hint: OwnershipHint): string {
  return `${hint.where} ${hint.key}=${hint.value}`;
}

/** Emails the hints name, to look up only those members. */
export function emailsOf(hints: readonly OwnershipHint[]): string[] {
  return [
    ...new Set(hints.filter((hint) => emailPattern.test(hint.value)).map((h) => h.value.toLowerCase())),
  ];
}
