import type { LeakExportRow } from '../sql/leak-export.sql.ts';

export const sarifSchemaUri = 'https://json.schemastore.org/sarif-2.1.0.json';
/** What wrote the log, in the run's tool.driver: the version, and where the hub is (its public URL). */
export interface SarifProduct {
  version?: string;
  informationUri?: string;
}

/** A SARIF level: a secret known to work, or one of an inventoried credential, is an error. */
export function sarifLevelOf(leak: Pick<LeakExportRow, 'verification' | 'credentialId'>): string {
  if (leak.verification === 'live') return 'error';
  if (leak.verification === 'invalid') return 'note';
  return leak.credentialId ? 'error' : 'warning';
}

function ruleOf(rule: string) {
  return {
    id: rule,
    name: rule,
    shortDescription: { text: `Secret found by the ${rule} detector` },
    properties: { tags: ['security', 'secret'] },
  };
}

/**
 * The start of the SARIF document, up to the opening of the run's results: one run whose tool
 * lists the detectors (`rules`) the results refer to by index. The results and the footer follow,
 * so the document streams without being held whole.
 */
export function sarifHeader(rules: readonly string[], product: SarifProduct = {}): string {
  const driver = {
    name: 'NHI Hub',
    ...(product.version ? { version: product.version } : {}),
    ...(product.informationUri ? { informationUri: product.informationUri } : {}),
    rules: rules.map(ruleOf),
  };
  const head = JSON.stringify({ $schema: sarifSchemaUri, version: '2.1.0', runs: [{ tool: { driver } }] });
  // Everything but the two closing braces and bracket of the run, then the results' opening.
  return `${head.slice(0, -3)},"results":[`;
}

export const sarifFooter = ']}]}\n';

function messageOf(leak: LeakExportRow): string {
  const type = leak.secretType ? leak.secretType.replaceAll('_', ' ') : 'secret';
  const owner = leak.nhiName ? `; it belongs to ${leak.nhiName}` : '; no inventoried credential has it';
  return `A ${type} (${leak.maskedMatch}) is in ${leak.file}${owner}.`;
}

function locationOf(leak: LeakExportRow) {
  const artifactLocation = { uri: encodeURI(leak.file) };
  const region = leak.line && leak.line > 0 ? { region: { startLine: leak.line } } : {};
  return { physicalLocation: { artifactLocation, ...region } };
}

const iso = (date: Date | string | null) => (date ? new Date(date).toISOString() : undefined);

/** One leak as a SARIF result: its place, its detector, the secret's fingerprint, never the secret. */
export function toSarifResult(leak: LeakExportRow, ruleIndex: number) {
  return {
    ruleId: leak.rule,
    ruleIndex,
    level: sarifLevelOf(leak),
    kind: 'fail',
    message: { text: messageOf(leak) },
    locations: [locationOf(leak)],
    partialFingerprints: { 'secretFingerprint/v1': leak.fingerprint },
    properties: {
      leakId: leak.id,
      status: leak.resolvedAt ? 'resolved' : 'open',
      hint: leak.maskedMatch,
      secretType: leak.secretType,
      verification: leak.verification,
      commit: leak.commit,
      source: leak.sourceName,
      identity: leak.nhiId ? { id: leak.nhiId, name: leak.nhiName } : null,
      credentialId: leak.credentialId,
      firstSeen: iso(leak.firstSeenAt),
      lastSeen: iso(leak.lastSeenAt),
      resolvedAt: iso(leak.resolvedAt),
    },
  };
}
