import { isScanFactKind, scanFactKinds } from '@nhi/scanner/facts';

/**
 * What an alert's evidence says, as short sentences for people: the path, the statements or
 * bindings, the places a secret was found. The same lines go to the alert detail and to every
 * notification, so the owner reading a Slack message knows the case without opening the hub.
 * Evidence never holds a secret (masked matches and hints only), so neither do these lines.
 */
export function evidenceLines(evidence: unknown, limit = 6): string[] {
  if (!evidence || typeof evidence !== 'object') return [];
  const e = evidence as Record<string, unknown>;
  const lines = [
    ...realmLines(e),
    ...leakLines(e),
    ...factLines(e.facts),
    ...credentialLines(e),
    ...sharingLines(e),
  ];
  return lines.length > limit
    ? [...lines.slice(0, limit - 1), `…and ${lines.length - limit + 1} more`]
    : lines;
}

const text = (value: unknown) =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : null;
const day = (value: unknown) => text(value)?.slice(0, 10) ?? null;
const list = (value: unknown): Record<string, unknown>[] =>
  Array.isArray(value)
    ? value.filter((item): item is Record<string, unknown> => !!item && typeof item === 'object')
    : [];

function realmLines(e: Record<string, unknown>): string[] {
  if (typeof e.machineIdentities !== 'number') return [];
  return [
    `${e.unowned} of ${e.machineIdentities} machine identities with live credentials (${e.sharePercent}%) have no owner; the inventory's "Unowned" filter lists them`,
  ];
}

function leakLines(e: Record<string, unknown>): string[] {
  const leaks = list(e.leaks);
  if (leaks.length === 0) return [];
  const lines: string[] = [];
  const type = text(e.secretType);
  const verification = text(e.verification);
  if (type || verification)
    lines.push(
      [
        type ? `Secret type: ${type.replaceAll('_', ' ')}` : null,
        verification ? `verified ${verification}` : null,
      ]
        .filter(Boolean)
        .join('; '),
    );
  const total = typeof e.locations === 'number' ? e.locations : leaks.length;
  for (const leak of leaks.slice(0, 3)) {
    const commit = text(leak.commit);
    const line = leak.line === null || leak.line === undefined ? '' : `:${leak.line}`;
    lines.push(
      `Found in ${leak.file}${line}${commit ? ` (commit ${commit.slice(0, 8)})` : ''} by ${leak.rule}: ${leak.match}`,
    );
  }
  if (total > 3) lines.push(`Found in ${total - 3} more places (see Leaks)`);
  return lines;
}

function factLines(facts: unknown): string[] {
  return list(facts).map((fact) => {
    const kind = text(fact.kind) ?? '';
    const evidence = (fact.evidence ?? {}) as Record<string, unknown>;
    const what = isScanFactKind(kind) ? scanFactKinds[kind] : kind;
    if (typeof evidence.name === 'string' && typeof evidence.path === 'string')
      return `Escalation path "${evidence.name}" (${evidence.path})${grantedBy(evidence.actions)}`;
    if (typeof evidence.binding === 'string') {
      const member = typeof evidence.via === 'string' ? `, as a member of ${evidence.via}` : '';
      return `${what}: ${evidence.role ?? 'a role'} through ${evidence.binding} (${evidence.scope ?? 'cluster'})${member}${mounted(evidence.mountedBy)}`;
    }
    if (typeof evidence.via === 'string') return `${what}: granted by ${evidence.via}`;
    return what;
  });
}

function grantedBy(actions: unknown): string {
  if (!actions || typeof actions !== 'object') return '';
  const parts = Object.entries(actions as Record<string, unknown>).map(([action, via]) => {
    const sources = Array.isArray(via) ? via.map(String) : [String(via)];
    return `${action} by ${sources.join(', ')}`;
  });
  return parts.length > 0 ? `: ${parts.join('; ')}` : '';
}

function mounted(workloads: unknown): string {
  const names = Array.isArray(workloads) ? workloads.map(String) : [];
  if (names.length === 0) return '';
  return `; its token is mounted by ${names.slice(0, 3).join(', ')}${names.length > 3 ? ` and ${names.length - 3} more` : ''}`;
}

function credentialLines(e: Record<string, unknown>): string[] {
  const hint = text(e.hint);
  if (!hint || list(e.leaks).length > 0) return [];
  const facts = [
    e.lastUsedAt !== undefined ? `last used ${day(e.lastUsedAt) ?? 'never'}` : null,
    e.since !== undefined ? `unchanged since ${day(e.since)}` : null,
    e.createdAt !== undefined ? `created ${day(e.createdAt)}` : null,
    e.expiresAt !== undefined ? `expires ${day(e.expiresAt)}` : null,
    typeof e.thresholdDays === 'number' ? `threshold ${e.thresholdDays} days` : null,
  ].filter(Boolean);
  return [`Credential ${hint}${facts.length > 0 ? `: ${facts.join(', ')}` : ''}`];
}

function sharingLines(e: Record<string, unknown>): string[] {
  const others = list(e.alsoIn ?? e.sharedWith);
  if (others.length === 0) return [];
  const names = others.map((o) => `${o.nhi}${o.environment ? ` (${o.environment})` : ''}`);
  return [`The same secret is held by ${names.slice(0, 5).join(', ')}`];
}
