import type { ScanState } from '@nhi/scanner/schema';

export function ScanStateBadge({ state }: { state: ScanState }) {
  return (
    <span className={`badge scan-${state}`} data-testid="scan-state">
      {state}
    </span>
  );
}
