import type { NhiScanObservations } from '@nhi/scanner';
import type { SourceType } from '@nhi/scanner/schema';
import { Link } from '@tanstack/react-router';
import { sourceTypeLabels } from '../scanner/source-fields.ts';

const short: Record<SourceType, string> = {
  aws_iam: 'AWS IAM',
  kubernetes: 'Kubernetes',
  github: 'GitHub',
  secrets: 'leaked secrets',
  gcp: 'Google Cloud',
  entra: 'Entra ID',
  gitlab: 'GitLab',
};

/**
 * Where the identity came from, by name: the source linked to its scans and the scan that found
 * it; by hand or by import otherwise. Never the source's id, which says nothing to a reader.
 */
export function NhiSource({ sourceType, scans }: { sourceType: string; scans: NhiScanObservations | null }) {
  if (sourceType === 'manual') return <span data-testid="nhi-source">Added by hand</span>;
  if (sourceType === 'import') return <span data-testid="nhi-source">Imported from a file</span>;
  if (!sourceType.startsWith('scan:')) return <span data-testid="nhi-source">{sourceType}</span>;
  const type = sourceType.slice('scan:'.length) as SourceType;
  const source = scans?.source;
  if (!source)
    return (
      <span data-testid="nhi-source">
        A scan of {scans ? 'a source since deleted' : `a ${short[type] ?? 'discovery'} source`}
      </span>
    );
  const found = scans.observations.find((observation) => observation.kind === 'first_seen');
  return (
    <span data-testid="nhi-source">
      <Link to="/scans" search={{ sourceId: source.id }} data-testid="nhi-source-link">
        {source.name}
      </Link>
      <span className="muted"> · {sourceTypeLabels[source.type] ?? source.type}</span>
      {found ? (
        <>
          {' · '}
          <Link to="/scans/$scanId" params={{ scanId: found.scanId }} data-testid="nhi-source-scan">
            the scan that found it
          </Link>
        </>
      ) : null}
    </span>
  );
}
