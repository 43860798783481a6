import type { OwnerGroup, RealmMember } from '@nhi/nhi';
import { environmentLabel, kindLabel, providerLabel, statusLabel } from './labels.ts';

const enumLabels: Record<string, Record<string, string>> = {
  kind: kindLabel,
  provider: providerLabel,
  environment: environmentLabel,
  status: statusLabel,
};

export const fieldLabel: Record<string, string> = {
  kind: 'Kind',
  provider: 'Provider',
  externalId: 'External id',
  name: 'Name',
  description: 'Description',
  ownerUserId: 'Owner',
  ownerGroupId: 'Owner group',
  environment: 'Environment',
  status: 'Status',
  tags: 'Tags',
  permissions: 'Permissions',
  metadata: 'Metadata',
  sourceType: 'Source',
  sourceRef: 'Source reference',
  providerCreatedAt: 'Created at provider',
  lastUsedAt: 'Last used',
  deletedAt: 'Deleted',
};

/** A field value of a version, a diff or a conflict as one line of text. */
export function displayValue(
  field: string,
  value: unknown,
  members: RealmMember[],
  groups: OwnerGroup[] = [],
): string {
  if (value === null || value === undefined || value === '') return field === 'ownerUserId' ? 'Unowned' : '—';
  if (field === 'ownerUserId' && typeof value === 'string') {
    return members.find((member) => member.id === value)?.email ?? `former member ${value.slice(0, 8)}`;
  }
  if (field === 'ownerGroupId' && typeof value === 'string') {
    return groups.find((group) => group.id === value)?.name ?? `group ${value.slice(0, 8)}`;
  }
  if (typeof value === 'string' && enumLabels[field]?.[value]) return enumLabels[field][value] as string;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value.join(', ') || '—';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
