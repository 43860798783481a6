import type { RealmMember } from '@nhi/nhi';

/** Who made a change, as people recognise them: a member's email, a token, or the system part. */
export function actorLabel(
  actor: { type: 'user' | 'token' | 'system'; id: string | null },
  members: RealmMember[],
): string {
  if (actor.type === 'user') {
    return (
      members.find((member) => member.id === actor.id)?.email ??
      `former member ${actor.id?.slice(0, 8) ?? ''}`
    );
  }
  if (actor.type === 'token') return `API token ${actor.id?.slice(0, 8) ?? ''}`;
  return `system (${actor.id ?? 'unknown'})`;
}
