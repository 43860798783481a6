import type { NhiAlertEvent } from '@nhi/alert';
import type { NhiAuditEntry, NhiVersionEntry } from '@nhi/nhi';
import type { ScanObservation } from '@nhi/scanner';
import { describe, expect, it } from 'vitest';
import { scanIdOfActor, timelineOf } from './timeline-entries.ts';

const at = (minute: number) => new Date(Date.UTC(2026, 2, 2, 10, minute));
const source = { id: 's1', name: 'prod account', type: 'aws_iam' as const };
const scan = (minute: number, kind: ScanObservation['kind']): ScanObservation => ({
  kind,
  at: at(minute),
  scanId: `scan-${minute}`,
  input: 'aws.credential_report',
  source,
});
const version = (minute: number, n: number): NhiVersionEntry => ({
  version: n,
  changes: {},
  actor: { type: 'system', id: `scan:scan-${minute}` },
  requestId: null,
  createdAt: at(minute),
});
const alertEvent = (minute: number, toState: NhiAlertEvent['toState']): NhiAlertEvent => ({
  alertId: 'a1',
  ruleId: 'nhi1.unowned',
  title: 'Machine identity without an owner',
  fromState: toState === 'open' ? null : 'open',
  toState,
  reason: null,
  actorType: 'user',
  actorId: 'u1',
  createdAt: at(minute),
});
const audit = (minute: number, entityType: string): NhiAuditEntry => ({
  id: `audit-${minute}-${entityType}`,
  action: entityType === 'Credential' ? 'nhi.credential.revoke' : 'nhi.update',
  entityType,
  entityId: 'x',
  actor: { type: 'user', id: 'u1' },
  before: null,
  after: null,
  requestId: null,
  createdAt: at(minute),
});

describe('timelineOf', () => {
  it('merges scans, versions, credential changes and alert transitions, newest first', () => {
    const entries = timelineOf({
      observations: [scan(1, 'first_seen'), scan(30, 'last_seen')],
      history: [version(10, 2)],
      audit: [audit(20, 'Credential'), audit(25, 'Nhi')],
      alertEvents: [alertEvent(2, 'open'), alertEvent(40, 'acknowledged')],
    });

    expect(entries.map((entry) => `${entry.type}@${entry.at.getUTCMinutes()}`)).toEqual([
      'alert@40',
      'scan@30',
      'credential@20',
      'version@10',
      'alert@2',
      'scan@1',
    ]);
    expect(new Set(entries.map((entry) => entry.key)).size).toBe(entries.length);
  });

  it('puts the effects of one instant above their cause', () => {
    const entries = timelineOf({
      observations: [scan(5, 'changed')],
      history: [version(5, 3)],
      audit: [],
      alertEvents: [alertEvent(5, 'open')],
    });

    expect(entries.map((entry) => entry.type)).toEqual(['alert', 'version', 'scan']);
  });
});

describe('scanIdOfActor', () => {
  it('reads the scan out of a scan’s system actor only', () => {
    const id = '019cadc6-9a80-7c64-89b3-2c2830000004';
    expect(scanIdOfActor({ type: 'system', id: `scan:${id}` })).toBe(id);
    expect(scanIdOfActor({ type: 'system', id: 'alert-evaluator' })).toBeNull();
    expect(scanIdOfActor({ type: 'user', id: `scan:${id}` })).toBeNull();
  });
});
