import { type ConnectorOutput, parseJsonInput, UnreadableInputError } from '../connector.ts';
import type { ConnectorContext } from '../registry.ts';
import type { GcpExport } from './gcp-model.ts';
import { readGcpData } from './gcp-read.ts';

export { readGcpLive, testGcpLive as testGcpConnection } from './gcp-live.ts';

// The gcp.export and gcp.live connectors: the registry and the connection test call these three.

const exportFields = ['serviceAccounts', 'keys', 'policies', 'keyLastAuthentication', 'projects'] as const;

function exportOf(parsed: unknown): { data: GcpExport; bare: boolean } {
  if (Array.isArray(parsed)) {
    if (parsed.every((entry) => entry && typeof entry === 'object' && 'email' in entry))
      return { data: { serviceAccounts: parsed }, bare: true };
    throw new UnreadableInputError(
      'A Google Cloud export array must be the output of `gcloud iam service-accounts list --format=json` (objects with an email)',
    );
  }
  if (parsed && typeof parsed === 'object') {
    const object = parsed as Record<string, unknown>;
    if (exportFields.some((field) => field in object)) {
      if (object.serviceAccounts !== undefined && !Array.isArray(object.serviceAccounts))
        throw new UnreadableInputError(
          'serviceAccounts must be the array `gcloud iam service-accounts list` prints',
        );
      for (const field of ['keys', 'policies'] as const)
        if (
          object[field] !== undefined &&
          (typeof object[field] !== 'object' || Array.isArray(object[field]))
        )
          throw new UnreadableInputError(
            `${field} must be an object keyed by ${field === 'keys' ? 'service-account email' : 'resource (projects/<id>, folders/<id>, organizations/<id>)'}`,
          );
      return { data: object as GcpExport, bare: false };
    }
  }
  throw new UnreadableInputError(
    'Not a Google Cloud export: expected serviceAccounts, keys and policies (see docs/sources/gcp.md), or the array `gcloud iam service-accounts list --format=json` prints',
  );
}

export async function readGcpExport(
  upload: Buffer | null,
  context: ConnectorContext,
): Promise<ConnectorOutput> {
  if (!upload) throw new UnreadableInputError('This input needs an uploaded file');
  const { data, bare } = exportOf(parseJsonInput(upload.toString('utf8'), 'The Google Cloud export'));
  const output = await readGcpData(data, { fingerprint: context.fingerprint });
  if (bare)
    output.warnings.unshift({
      item: 'file',
      message: 'only service accounts were given: no keys or IAM policies, so no key or role findings',
    });
  return output;
}
