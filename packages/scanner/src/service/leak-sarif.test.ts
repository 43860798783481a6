import { describe, expect, it } from 'vitest';
import type { LeakExportRow } from '../sql/leak-export.sql.ts';
import { sarifValidator } from '../testing/sarif-schema.ts';
import { sarifFooter, sarifHeader, sarifLevelOf, toSarifResult } from './leak-sarif.ts';

const leak: LeakExportRow = {
  id: 'leak-1',
  rule: 'gitleaks/aws-access-token',
  file: 'src/app config/.env',
  line: 12,
  commit: 'abc123',
  maskedMatch: 'AKIA…WXYZ',
  fingerprint: 'f'.repeat(64),
  secretType: 'aws_access_key_id',
  verification: null,
  credentialId: null,
  nhiId: null,
  nhiName: null,
  sourceName: 'repos',
  firstSeenAt: new Date('2026-11-01T00:00:00Z'),
  lastSeenAt: new Date('2026-11-02T00:00:00Z'),
  resolvedAt: null,
};

describe('leak as a SARIF result', () => {
  it.each([
    [{ verification: 'live', credentialId: null }, 'error'],
    [{ verification: 'invalid', credentialId: 'cred-1' }, 'note'],
    [{ verification: null, credentialId: 'cred-1' }, 'error'],
    [{ verification: 'unknown', credentialId: null }, 'warning'],
    [{ verification: null, credentialId: null }, 'warning'],
  ])('gives %j the level %s', (fields, level) => {
    expect(sarifLevelOf(fields)).toBe(level);
  });

  it('is a valid log once the header, the results and the footer are put together', () => {
    const results = [toSarifResult(leak, 0), toSarifResult({ ...leak, id: 'leak-2', line: null }, 0)];
    const text = `${sarifHeader([leak.rule], { version: '1.0.0', informationUri: 'https://hub.example' })}${results.map((r) => JSON.stringify(r)).join(',')}${sarifFooter}`;
    const log = JSON.parse(text);

    expect(sarifValidator().errorsOf(log)).toEqual([]);
    expect(log.runs[0].tool.driver).toMatchObject({
      name: 'NHI Hub',
      version: '1.0.0',
      informationUri: 'https://hub.example',
    });
    expect(log.runs[0].results[0].locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'src/app%20config/.env' },
      region: { startLine: 12 },
    });
    expect(log.runs[0].results[1].locations[0].physicalLocation.region).toBeUndefined();
  });

  it('is checked by a schema that refuses what SARIF does not allow', () => {
    const log = JSON.parse(
      `${sarifHeader([])}${JSON.stringify({ ...toSarifResult(leak, 0), level: 'fatal' })}${sarifFooter}`,
    );

    expect(sarifValidator().errorsOf(log)).not.toEqual([]);
  });
});
