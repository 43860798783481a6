import { type ConnectorOutput, parseJsonInput, UnreadableInputError } from '../connector.ts';
import type { ConnectorContext } from '../registry.ts';
import { readEntraData } from './entra-identities.ts';
import { tenantIdOf } from './entra-live.ts';
import { entraExportOf } from './entra-objects.ts';

export { readEntraLive, testEntraLive as testEntraConnection } from './entra-live.ts';

// The entra.export and entra.live connectors: the registry and the connection test call these three.

/** `az ad sp list` / `az ad app list` output, or the bundle of both with permissions, owners and sign-ins. */
export async function readEntraExport(
  upload: Buffer | null,
  context: ConnectorContext,
): Promise<ConnectorOutput> {
  if (!upload) throw new UnreadableInputError('This input needs an uploaded file');
  const data = entraExportOf(parseJsonInput(upload.toString('utf8'), 'The Entra ID export'));
  return readEntraData(
    { ...data, tenantId: data.tenantId ?? tenantIdOf(context.settings) },
    context.fingerprint,
  );
}
