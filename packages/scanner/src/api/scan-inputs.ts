// Without zod: the browser imports this, and zod probes eval, which the hub's CSP forbids.
export const sourceTypes = ['aws_iam', 'kubernetes', 'github', 'secrets'] as const;
export type SourceType = (typeof sourceTypes)[number];

/** What a scan reads, per source type. `*.live` reads the provider's API with the source's credentials. */
export const scanInputsBySource = {
  aws_iam: ['aws.credential_report', 'aws.authorization_details', 'aws.live'],
  kubernetes: ['k8s.manifests'],
  github: ['github.export', 'github.live'],
  secrets: [
    'secrets.files',
    'secrets.directory',
    'gitleaks.report',
    'trufflehog.report',
    'detect_secrets.baseline',
  ],
} as const satisfies Record<SourceType, readonly string[]>;

export type ScanInput = (typeof scanInputsBySource)[SourceType][number];
export const scanInputs = Object.values(scanInputsBySource).flat() as ScanInput[];
