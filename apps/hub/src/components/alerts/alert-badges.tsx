const severityLevels = new Set(['critical', 'high', 'medium', 'low', 'info']);

/** The level in words, on the severity colour every page shares (see --sev-* in the stylesheet). */
export function SeverityBadge({ severity }: { severity: string }) {
  const level = severityLevels.has(severity) ? severity : 'info';
  return <span className={`badge sev-${level}`}>{severity}</span>;
}

export function StateBadge({ state }: { state: string }) {
  return (
    <span className="badge badge-plain" data-testid="alert-state">
      {state}
    </span>
  );
}
