import type { ConnectorOutput } from '../connector.ts';
import type { ConnectorContext } from '../registry.ts';
import { readGitLabExportText } from './gitlab-export.ts';
import { readGitLabPushEvent } from './gitlab-push.ts';

export { readGitLabLive, testGitLabLiveConnection as testGitLabConnection } from './gitlab-live.ts';

// The gitlab.export, gitlab.live and gitlab.push connectors: the registry and the connection test call these.

export async function readGitLabExport(
  upload: Buffer | null,
  context: ConnectorContext,
): Promise<ConnectorOutput> {
  if (!upload) throw new Error('This input needs an uploaded file');
  return readGitLabExportText(upload.toString('utf8'), context.settings);
}

export async function readGitLabPush(
  upload: Buffer | null,
  context: ConnectorContext,
): Promise<ConnectorOutput> {
  return readGitLabPushEvent(upload, context);
}
