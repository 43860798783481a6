import { type ConnectorOutput, UnreadableInputError } from '../connector.ts';
import type { ConnectorContext } from '../registry.ts';

export async function readAwsOrganization(_context: ConnectorContext): Promise<ConnectorOutput> {
  throw new UnreadableInputError('not available yet');
}
