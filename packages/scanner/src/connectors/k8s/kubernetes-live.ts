import type { ConnectionTestResult } from '../../api/scanner.schema.ts';
import { type ConnectorOutput, UnreadableInputError } from '../connector.ts';
import type { ConnectorContext } from '../registry.ts';

export async function readKubernetesLive(_context: ConnectorContext): Promise<ConnectorOutput> {
  throw new UnreadableInputError('not available yet');
}

export async function testKubernetesConnection(
  _settings: Record<string, string | number | boolean>,
  _secrets: Record<string, string>,
  _signal: AbortSignal,
): Promise<ConnectionTestResult> {
  return { ok: false, message: 'not available yet' };
}
