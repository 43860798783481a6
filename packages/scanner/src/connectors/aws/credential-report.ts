import type { SourcedCredential } from '@nhi/nhi';
import { parse } from 'csv-parse/sync';
import {
  type ConnectorOutput,
  type DiscoveredNhi,
  emptyOutput,
  type IdentityFact,
  type IdentityStream,
  UnreadableInputError,
  wholeOutput,
} from '../connector.ts';
import { accountOf, awsDate, awsFlag, awsText } from './aws-values.ts';

const requiredColumns = ['user', 'arn', 'user_creation_time', 'password_enabled', 'access_key_1_active'];

/**
 * The CSV of a credential report: as downloaded, or inside the API's JSON answer
 * (`{ Content, GeneratedTime, ReportFormat }`, Content base64-encoded or plain).
 */
export function credentialReportCsv(input: string): string {
  const text = input.replace(/^\uFEFF/, '').trim();
  if (!text.startsWith('{')) return text;
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new UnreadableInputError(
      `The credential report is neither CSV nor JSON: ${(error as Error).message}`,
    );
  }
  const content = (document as { Content?: unknown }).Content;
  if (typeof content !== 'string')
    throw new UnreadableInputError(
      'The credential report JSON has no Content (expected GetCredentialReport output)',
    );
  if (content.includes(',')) return content.trim();
  return Buffer.from(content, 'base64').toString('utf8').trim();
}

/** Users of an AWS credential report as identities, each access key a credential. */
export function readCredentialReport(input: string): ConnectorOutput {
  return wholeOutput(credentialReportStream(input));
}

/**
 * The same, each row made an identity as it is taken: the report is parsed and its header checked at
 * once (an unreadable report fails before anything is written).
 */
export function credentialReportStream(input: string): IdentityStream {
  const output = emptyOutput();
  const records = parse(credentialReportCsv(input), {
    relax_column_count: true,
    skip_empty_lines: true,
    relax_quotes: true,
  }) as string[][];
  const header = records[0]?.map((column) => column.trim());
  if (!header || !requiredColumns.every((column) => header.includes(column)))
    throw new UnreadableInputError(
      `Not an AWS credential report: the header must name ${requiredColumns.join(', ')}`,
    );
  output.read = { count: records.length - 1, unit: 'credential report rows' };
  return { output, expected: records.length - 1, identities: usersOf(records, header, output) };
}

function* usersOf(records: string[][], header: string[], output: ConnectorOutput): Generator<DiscoveredNhi> {
  for (let index = 1; index < records.length; index++) {
    const cells = records[index] as string[];
    const item = `row ${index + 1}`;
    if (cells.length !== header.length) {
      output.warnings.push({ item, message: `has ${cells.length} columns, the header ${header.length}` });
      continue;
    }
    const row = Object.fromEntries(header.map((column, i) => [column, cells[i] ?? '']));
    let user: DiscoveredNhi;
    try {
      user = userOf(row);
    } catch (error) {
      output.warnings.push({ item: `${item} (${row.user || 'no user'})`, message: (error as Error).message });
      continue;
    }
    yield user;
  }
}

function userOf(row: Record<string, string>): DiscoveredNhi {
  const arn = awsText(row.arn);
  const user = awsText(row.user);
  if (!arn?.startsWith('arn:') || !user) throw new Error('has no user name or ARN');
  const isRoot = user === '<root_account>';
  const passwordEnabled = isRoot ? true : (awsFlag(row.password_enabled) ?? false);
  const passwordLastUsed = awsDate(row.password_last_used);
  const facts: IdentityFact[] = [];
  const credentials: SourcedCredential[] = [];
  const keys: Record<string, unknown>[] = [];
  for (const slot of [1, 2]) {
    const active = awsFlag(row[`access_key_${slot}_active`]);
    const lastRotated = awsDate(row[`access_key_${slot}_last_rotated`]);
    // A slot that was never filled has no rotation date; an emptied slot is not reported at all.
    if (!active && !lastRotated) continue;
    const key = `access_key_${slot}`;
    const lastUsed = awsDate(row[`access_key_${slot}_last_used_date`]);
    credentials.push({
      key,
      kind: 'access_key',
      status: active ? 'active' : 'inactive',
      lastRotatedAt: lastRotated,
      providerCreatedAt: lastRotated,
      lastUsedAt: lastUsed,
    });
    keys.push({
      slot: key,
      active: Boolean(active),
      lastUsedRegion: awsText(row[`access_key_${slot}_last_used_region`]),
      lastUsedService: awsText(row[`access_key_${slot}_last_used_service`]),
    });
    if (active && !lastUsed)
      facts.push({
        kind: 'credential.never_used',
        subject: `${arn}|${key}`,
        credentialKey: key,
        evidence: { key, lastRotated: lastRotated?.toISOString() ?? null },
      });
    if (active && isRoot)
      facts.push({
        kind: 'aws.root_access_key',
        subject: `${arn}|${key}`,
        credentialKey: key,
        evidence: { key },
      });
  }
  const activeKeys = credentials.filter((credential) => credential.status === 'active');
  if (activeKeys.length > 1)
    facts.push({
      kind: 'aws.multiple_active_keys',
      subject: arn,
      evidence: { keys: activeKeys.map((k) => k.key) },
    });

  const classification = classify({
    isRoot,
    passwordEnabled,
    passwordUsed: passwordLastUsed !== null,
    activeKeys: activeKeys.length,
    keyUsed: credentials.some((credential) => credential.lastUsedAt),
  });
  if (classification === 'machine' && passwordEnabled)
    facts.push({
      kind: 'aws.console_password',
      subject: arn,
      evidence: { passwordLastChanged: awsDate(row.password_last_changed)?.toISOString() ?? null },
    });
  if (classification === 'mixed')
    facts.push({
      kind: 'aws.human_use',
      subject: arn,
      evidence: {
        keyLastUsed:
          latest(credentials.map((credential) => credential.lastUsedAt ?? null))?.toISOString() ?? null,
        passwordLastUsed: passwordLastUsed?.toISOString() ?? null,
      },
    });
  const lastUses = [passwordLastUsed, ...credentials.map((c) => c.lastUsedAt ?? null)].filter(
    (date): date is Date => date !== null,
  );
  return {
    provider: 'aws',
    externalId: arn,
    // People and root stay out of the machine-identity rules, which only judge machine kinds.
    kind: classification === 'machine' || classification === 'mixed' ? 'service_account' : 'other',
    name: isRoot ? `root account ${accountOf(arn) ?? ''}`.trim() : user,
    providerCreatedAt: awsDate(row.user_creation_time),
    lastUsedAt: latest(lastUses),
    metadata: {
      awsAccountId: accountOf(arn),
      ...(isRoot ? { awsRoot: true } : {}),
      credentialReport: {
        classification,
        passwordEnabled,
        passwordLastUsed: passwordLastUsed?.toISOString() ?? null,
        mfaActive: awsFlag(row.mfa_active) ?? false,
        keys: keys as never,
        certificates: [1, 2].filter((slot) => awsFlag(row[`cert_${slot}_active`])).length,
      },
    },
    credentials,
    facts,
  };
}

/**
 * Who uses a report user. `machine`: no console password, or keys in use by software while the password
 * is never used. `mixed`: keys used and the password used, a person working as the machine identity (NHI10).
 * `human`: a console password and no active key. Anything else (a used password, keys never used) may be a
 * person: `human_or_unknown`. Root is never a machine identity.
 */
export function classify(user: {
  isRoot: boolean;
  passwordEnabled: boolean;
  passwordUsed: boolean;
  activeKeys: number;
  keyUsed: boolean;
}): 'root_account' | 'machine' | 'mixed' | 'human' | 'human_or_unknown' {
  if (user.isRoot) return 'root_account';
  if (!user.passwordEnabled) return 'machine';
  if (user.keyUsed && user.passwordUsed) return 'mixed';
  if (user.activeKeys > 0 && !user.passwordUsed) return 'machine';
  if (user.activeKeys === 0) return 'human';
  return 'human_or_unknown';
}

function latest(dates: (Date | null)[]): Date | null {
  const known = dates.filter((date): date is Date => date !== null);
  return known.length > 0 ? new Date(Math.max(...known.map((date) => date.getTime()))) : null;
}
