import { describe, expect, it } from 'vitest';
import { alertSeverities, alertStates } from '../api/alert.schema.ts';
import type { AlertExportRow } from '../sql/alert-export.sql.ts';
import { ocsfDetectionFindingValidator } from '../testing/ocsf-schema.ts';
import { toAlertCsvLine } from './alert-csv.ts';
import { toOcsfDetectionFinding } from './alert-ocsf.ts';

const at = (day: number) => new Date(Date.UTC(2026, 10, day, 12));

function alert(fields: Partial<AlertExportRow> = {}): AlertExportRow {
  return {
    id: '0193a1a0-0000-7000-8000-000000000001',
    fingerprint: 'nhi7.no_expiry:cred-1',
    ruleId: 'nhi7.no_expiry',
    owaspId: 'NHI7',
    severity: 'high',
    state: 'open',
    subject: 'cred-1',
    evidence: { hint: 'AKIA…WXYZ', expiresAt: null },
    firstSeenAt: at(1),
    lastSeenAt: at(3),
    stateChangedAt: at(2),
    createdAt: at(1),
    resolution: null,
    suppressedUntil: null,
    nhiId: '0193a1a0-0000-7000-8000-0000000000aa',
    nhiName: 'ci-deployer',
    nhiKind: 'service_account',
    provider: 'aws',
    externalId: 'arn:aws:iam::111122223333:user/ci-deployer',
    environment: 'production',
    tags: ['team:payments'],
    region: 'eu-west-1',
    ownerEmail: 'ana@example.com',
    ownerTeam: 'payments',
    riskScore: 72,
    riskLevel: 'critical',
    ...fields,
  };
}

const schema = ocsfDetectionFindingValidator();

describe('alert as an OCSF Detection Finding', () => {
  it.each([
    ['open', 1, 'Create', 1, 'New'],
    ['acknowledged', 2, 'Update', 2, 'In Progress'],
    ['suppressed', 2, 'Update', 3, 'Suppressed'],
    ['resolved', 3, 'Close', 4, 'Resolved'],
  ] as const)(
    'maps the %s state to activity %i %s and status %i %s',
    (state, activity, activityName, status, statusName) => {
      const event = toOcsfDetectionFinding(alert({ state }));
      expect(event).toMatchObject({
        class_uid: 2004,
        category_uid: 2,
        activity_id: activity,
        activity_name: activityName,
        type_uid: 200400 + activity,
        status_id: status,
        status: statusName,
      });
    },
  );

  it.each([
    ['low', 2, 'Low'],
    ['medium', 3, 'Medium'],
    ['high', 4, 'High'],
    ['critical', 5, 'Critical'],
  ] as const)('maps the %s severity to severity_id %i', (severity, id, name) => {
    expect(toOcsfDetectionFinding(alert({ severity }))).toMatchObject({ severity_id: id, severity: name });
  });

  it('writes a valid 2004 event for every state and severity, with an identity or without', () => {
    for (const state of alertStates)
      for (const severity of alertSeverities)
        for (const about of [
          {},
          { nhiId: null, nhiName: null, externalId: null, riskScore: null, riskLevel: null },
        ]) {
          const event = toOcsfDetectionFinding(alert({ state, severity, ...about }), { version: '1.2.3' });
          expect(schema.errorsOf(event), `${state} ${severity}`).toEqual([]);
        }
  });

  it('is checked by a schema that refuses what is not a Detection Finding', () => {
    const event = toOcsfDetectionFinding(alert());

    expect(schema.errorsOf({ ...event, type_uid: 200101 })).not.toEqual([]);
    expect(schema.errorsOf({ ...event, finding_info: { title: 'no uid' } })).not.toEqual([]);
    expect(schema.errorsOf({ ...event, severity_id: 7 })).not.toEqual([]);
  });

  it('names the finding by the alert fingerprint, the rule and its OWASP risk, in epoch milliseconds', () => {
    const event = toOcsfDetectionFinding(alert(), { version: '1.2.3' });

    expect(event.time).toBe(at(2).getTime());
    expect(event.finding_info).toMatchObject({
      uid: 'nhi7.no_expiry:cred-1',
      title: 'Credential without expiry',
      types: ['NHI7 Long-Lived Secrets'],
      first_seen_time: at(1).getTime(),
      last_seen_time: at(3).getTime(),
      created_time: at(1).getTime(),
    });
    expect(event.finding_info.desc).toBeTruthy();
    expect(event.metadata).toEqual({
      version: '1.3.0',
      uid: alert().id,
      product: { name: 'NHI Hub', vendor_name: 'NHI Hub', uid: 'nhi-hub', version: '1.2.3' },
    });
    expect(event.remediation?.desc).toBeTruthy();
    expect(event.risk_score).toBe(72);
    expect(event.risk_level_id).toBe(4);
  });

  it('describes the identity as the affected resource, with its owner, team, labels and region', () => {
    const [resource] = toOcsfDetectionFinding(alert()).resources ?? [];

    expect(resource).toEqual({
      uid: 'arn:aws:iam::111122223333:user/ci-deployer',
      name: 'ci-deployer',
      type: 'service_account',
      labels: ['team:payments'],
      owner: { name: 'ana@example.com', email_addr: 'ana@example.com' },
      group: { name: 'payments' },
      data: {
        id: alert().nhiId,
        provider: 'aws',
        environment: 'production',
        region: 'eu-west-1',
      },
    });
  });
});

describe('alert as a CSV line', () => {
  it('quotes commas, quotes and line breaks, and guards cells a spreadsheet would run', () => {
    const line = toAlertCsvLine(
      alert({ subject: '=HYPERLINK("http://x","y")', nhiName: 'a,b', ownerTeam: '@team', tags: [] }),
    );

    expect(line).toContain(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(line).toContain('"a,b"');
    expect(line).toContain(",'@team,");
    expect(line.endsWith('\n')).toBe(true);
  });
});
