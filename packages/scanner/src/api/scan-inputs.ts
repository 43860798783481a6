// Without zod: the browser imports this, and zod probes eval, which the hub's CSP forbids.
export const sourceTypes = ['aws_iam', 'kubernetes', 'github', 'secrets', 'gcp', 'entra', 'gitlab'] as const;
export type SourceType = (typeof sourceTypes)[number];

/** What a scan reads, per source type. `*.live` reads the provider's API with the source's credentials. */
export const scanInputsBySource = {
  aws_iam: ['aws.credential_report', 'aws.authorization_details', 'aws.live', 'aws.organization'],
  kubernetes: ['k8s.manifests', 'k8s.live'],
  github: ['github.export', 'github.live', 'github.push'],
  secrets: [
    'secrets.files',
    'secrets.directory',
    'gitleaks.report',
    'trufflehog.report',
    'detect_secrets.baseline',
  ],
  gcp: ['gcp.export', 'gcp.live'],
  entra: ['entra.export', 'entra.live'],
  gitlab: ['gitlab.export', 'gitlab.live', 'gitlab.push'],
} as const satisfies Record<SourceType, readonly string[]>;

export type ScanInput = (typeof scanInputsBySource)[SourceType][number];
export const scanInputs = Object.values(scanInputsBySource).flat() as ScanInput[];
