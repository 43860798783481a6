import type { ConnectionTestResult } from '../../api/scanner.schema.ts';
import type { ConnectorOutput } from '../connector.ts';
import type { ConnectorContext } from '../registry.ts';
import { readGitLabExportText } from './gitlab-export.ts';
import { readGitLabLive as readLive, testGitLabLiveConnection } from './gitlab-live.ts';
import { readGitLabPushEvent } from './gitlab-push.ts';

// The gitlab.export, gitlab.live and gitlab.push connectors: the registry and the connection test call these.

export async function readGitLabExport(
  upload: Buffer | null,
  _context: ConnectorContext,
): Promise<ConnectorOutput> {
  if (!upload) throw new Error('This input needs an uploaded file');
  return readGitLabExportText(upload.toString('utf8'));
}

export async function readGitLabLive(context: ConnectorContext): Promise<ConnectorOutput> {
  return readLive(context);
}

export async function testGitLabConnection(
  settings: Record<string, string | number | boolean>,
  secrets: Record<string, string>,
  signal: AbortSignal,
): Promise<ConnectionTestResult> {
  return testGitLabLiveConnection(settings, secrets, signal);
}

export async function readGitLabPush(
  upload: Buffer | null,
  context: ConnectorContext,
): Promise<ConnectorOutput> {
  return readGitLabPushEvent(upload, context);
}
