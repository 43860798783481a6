import type { ScanFactKind } from '../api/scan-facts.ts';
import { scanFactKindList } from '../api/scan-facts.ts';
import type { ScanInput, ScanProgress, SourceType } from '../api/scanner.schema.ts';
import {
  authorizationDetailsStream,
  authorizationOptions,
  readAuthorizationDetails,
} from './aws/authorization-details.ts';
import { credentialReportStream, readCredentialReport } from './aws/credential-report.ts';
import { type ConnectorOutput, type IdentityStream, UnreadableInputError } from './connector.ts';
import { readEntraExport, readEntraLive } from './entra/entra.ts';
import { readGitHubExport } from './github/github-export.ts';
import { readKubernetes } from './k8s/kubernetes.ts';
import { readDetectSecretsBaseline } from './secrets/detect-secrets-baseline.ts';
import { readGitleaksReport } from './secrets/gitleaks-report.ts';
import { readTrufflehogReport } from './secrets/trufflehog-report.ts';
import { verificationOfSettings } from './secrets/verification/verification-settings.ts';

/** What a connector may need beyond its input: the source's settings and credentials. */
export interface ConnectorContext {
  settings: Record<string, unknown>;
  secrets: Record<string, string>;
  /** Fingerprints a secret found in files (HMAC under the instance key). */
  fingerprint(secret: string): Promise<string>;
  signal: AbortSignal;
  /** The uploaded file's name, when there is one. */
  uploadName: string | null;
  /**
   * Told how far an input read in parts has got, as each part ends; the scan stores it now and then
   * (the last report always). Absent where nobody follows the reading.
   */
  progress?(progress: ScanProgress): void;
}

export interface Connector {
  sourceType: SourceType;
  /** The fact kinds this input reports: facts of these kinds it no longer reports are removed. */
  factKinds: readonly ScanFactKind[];
  /** Whether it reads an uploaded file (else the source's settings: a live API or a path). */
  needsUpload: boolean;
  read(upload: Buffer | null, context: ConnectorContext): Promise<ConnectorOutput>;
  /** The same reading with its identities made as they are taken (large file inputs); a scan prefers it. */
  stream?(upload: Buffer | null, context: ConnectorContext): Promise<IdentityStream>;
}

const kindsWithPrefix = (...prefixes: string[]) =>
  scanFactKindList.filter((kind) => prefixes.some((prefix) => kind.startsWith(prefix)));

const credentialReportKinds: ScanFactKind[] = [
  'aws.console_password',
  'aws.root_access_key',
  'aws.multiple_active_keys',
  'aws.human_use',
  'credential.never_used',
];
const authorizationKinds = kindsWithPrefix('aws.').filter((kind) => !credentialReportKinds.includes(kind));

const text = (upload: Buffer | null) => {
  if (!upload) throw new Error('This input needs an uploaded file');
  return upload.toString('utf8');
};

// Inputs that talk to a provider's API (its SDK) or scan for secrets (the rule engines) load their
// module on first use: most hubs use a few of them, and loading all at start cost the idle server
// tens of megabytes of memory (ADR 0056).
const connectors: Partial<Record<ScanInput, Connector>> = {
  'aws.credential_report': {
    sourceType: 'aws_iam',
    factKinds: credentialReportKinds,
    needsUpload: true,
    read: async (upload) => readCredentialReport(text(upload)),
    stream: async (upload) => credentialReportStream(text(upload)),
  },
  'aws.authorization_details': {
    sourceType: 'aws_iam',
    factKinds: authorizationKinds,
    needsUpload: true,
    read: async (upload, context) =>
      readAuthorizationDetails(text(upload), authorizationOptions(context.settings)),
    stream: async (upload, context) =>
      authorizationDetailsStream(text(upload), authorizationOptions(context.settings)),
  },
  'aws.live': {
    sourceType: 'aws_iam',
    factKinds: [...kindsWithPrefix('aws.'), 'credential.never_used'],
    needsUpload: false,
    read: async (_upload, context) => (await import('./aws/aws-live.ts')).readAwsLive(context),
  },
  'aws.organization': {
    sourceType: 'aws_iam',
    factKinds: [...kindsWithPrefix('aws.'), 'credential.never_used'],
    needsUpload: false,
    read: async (_upload, context) =>
      (await import('./aws/aws-organization.ts')).readAwsOrganization(context),
  },
  'k8s.manifests': {
    sourceType: 'kubernetes',
    factKinds: kindsWithPrefix('k8s.'),
    needsUpload: true,
    read: async (upload, context) =>
      readKubernetes(text(upload), {
        cluster:
          typeof context.settings.cluster === 'string' && context.settings.cluster
            ? context.settings.cluster
            : 'cluster',
        fingerprint: context.fingerprint,
      }),
  },
  'k8s.live': {
    sourceType: 'kubernetes',
    factKinds: kindsWithPrefix('k8s.'),
    needsUpload: false,
    read: async (_upload, context) => (await import('./k8s/kubernetes-live.ts')).readKubernetesLive(context),
  },
  'github.export': {
    sourceType: 'github',
    factKinds: [...kindsWithPrefix('github.'), 'credential.never_used'],
    needsUpload: true,
    read: async (upload) => readGitHubExport(text(upload)),
  },
  'github.live': {
    sourceType: 'github',
    factKinds: [...kindsWithPrefix('github.'), 'credential.never_used'],
    needsUpload: false,
    read: async (_upload, context) => (await import('./github/github-live.ts')).readGitHubLive(context),
  },
  // A push event (the webhook's payload, or one uploaded): the secrets in the commits it names.
  'github.push': {
    sourceType: 'github',
    factKinds: ['leak.credential_exposed'],
    needsUpload: true,
    read: async (upload, context) =>
      (await import('./github/github-push.ts')).readGitHubPush(upload, context),
  },
  'gcp.export': {
    sourceType: 'gcp',
    factKinds: [...kindsWithPrefix('gcp.'), 'credential.never_used'],
    needsUpload: true,
    read: async (upload, context) => (await import('./gcp/gcp.ts')).readGcpExport(upload, context),
  },
  'gcp.live': {
    sourceType: 'gcp',
    factKinds: [...kindsWithPrefix('gcp.'), 'credential.never_used'],
    needsUpload: false,
    read: async (_upload, context) => (await import('./gcp/gcp.ts')).readGcpLive(context),
  },
  'entra.export': {
    sourceType: 'entra',
    factKinds: [...kindsWithPrefix('entra.'), 'credential.never_used'],
    needsUpload: true,
    read: async (upload, context) => readEntraExport(upload, context),
  },
  'entra.live': {
    sourceType: 'entra',
    factKinds: [...kindsWithPrefix('entra.'), 'credential.never_used'],
    needsUpload: false,
    read: async (_upload, context) => readEntraLive(context),
  },
  'gitlab.export': {
    sourceType: 'gitlab',
    factKinds: [...kindsWithPrefix('gitlab.'), 'credential.never_used'],
    needsUpload: true,
    read: async (upload, context) => (await import('./gitlab/gitlab.ts')).readGitLabExport(upload, context),
  },
  'gitlab.live': {
    sourceType: 'gitlab',
    factKinds: [...kindsWithPrefix('gitlab.'), 'credential.never_used'],
    needsUpload: false,
    read: async (_upload, context) => (await import('./gitlab/gitlab.ts')).readGitLabLive(context),
  },
  'gitlab.push': {
    sourceType: 'gitlab',
    factKinds: ['leak.credential_exposed'],
    needsUpload: true,
    read: async (upload, context) => (await import('./gitlab/gitlab.ts')).readGitLabPush(upload, context),
  },
  'secrets.files': {
    sourceType: 'secrets',
    factKinds: ['leak.credential_exposed'],
    needsUpload: true,
    read: async (upload, context) => {
      if (!upload) throw new Error('This input needs an uploaded file');
      const { scanUpload } = await import('./secrets/secrets-connector.ts');
      return scanUpload(upload, context.uploadName ?? 'upload', context.fingerprint, context.signal, {
        verification: verificationOfSettings(context.settings),
      });
    },
  },
  'secrets.directory': {
    sourceType: 'secrets',
    factKinds: ['leak.credential_exposed'],
    needsUpload: false,
    read: async (_upload, context) => {
      const directory = context.settings.path;
      if (typeof directory !== 'string' || !directory)
        throw new UnreadableInputError('The source has no directory (settings.path) to scan');
      const { scanDirectory } = await import('./secrets/secrets-connector.ts');
      return scanDirectory(
        directory,
        context.settings.history === true,
        context.fingerprint,
        context.signal,
        {
          verification: verificationOfSettings(context.settings),
        },
      );
    },
  },
  'gitleaks.report': {
    sourceType: 'secrets',
    factKinds: ['leak.credential_exposed'],
    needsUpload: true,
    read: async (upload, context) => readGitleaksReport(text(upload), context.fingerprint),
  },
  'trufflehog.report': {
    sourceType: 'secrets',
    factKinds: ['leak.credential_exposed'],
    needsUpload: true,
    read: async (upload, context) => readTrufflehogReport(text(upload), context.fingerprint),
  },
  'detect_secrets.baseline': {
    sourceType: 'secrets',
    factKinds: ['leak.credential_exposed'],
    needsUpload: true,
    read: async (upload, context) => readDetectSecretsBaseline(text(upload), context.fingerprint),
  },
};

export function registerConnector(input: ScanInput, connector: Connector) {
  connectors[input] = connector;
}

export function connectorFor(input: string): Connector | undefined {
  return connectors[input as ScanInput];
}
