import type { ConnectionTestResult } from '../../api/scanner.schema.ts';
import { type ConnectorOutput, UnreadableInputError } from '../connector.ts';
import type { ConnectorContext } from '../registry.ts';

// The gcp.export and gcp.live connectors: the registry and the connection test call these three.

export async function readGcpExport(
  _upload: Buffer | null,
  _context: ConnectorContext,
): Promise<ConnectorOutput> {
  throw new UnreadableInputError('not available yet');
}

export async function readGcpLive(_context: ConnectorContext): Promise<ConnectorOutput> {
  throw new UnreadableInputError('not available yet');
}

export async function testGcpConnection(
  _settings: Record<string, string | number | boolean>,
  _secrets: Record<string, string>,
  _signal: AbortSignal,
): Promise<ConnectionTestResult> {
  return { ok: false, message: 'not available yet' };
}
