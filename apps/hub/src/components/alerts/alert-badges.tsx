const severityClass: Record<string, string> = {
  critical: 'badge badge-expired',
  high: 'badge badge-ancient',
  medium: 'badge badge-stale',
  low: 'badge badge-plain',
};

export function SeverityBadge({ severity }: { severity: string }) {
  return <span className={severityClass[severity] ?? 'badge'}>{severity}</span>;
}

export function StateBadge({ state }: { state: string }) {
  return (
    <span className="badge badge-plain" data-testid="alert-state">
      {state}
    </span>
  );
}
