import { alertsLinks } from '@nhi/dashboard/links';
import { describe, expect, it } from 'vitest';
import type { ChartBar } from './chart-types.ts';
import {
  byCountDescending,
  categoricalTone,
  owaspPosture,
  ruleTitleOf,
  severityTone,
  trendRows,
} from './dashboard-chart-data.ts';

const bar = (key: string, count: number): ChartBar => ({ key, label: key, count, link: null, tone: 'cat-0' });

describe('dashboard chart data', () => {
  it('puts the largest bar first and orders equal counts by label', () => {
    const sorted = byCountDescending([bar('b', 2), bar('c', 9), bar('a', 2), bar('d', 0)]);

    expect(sorted.map((b) => b.key)).toEqual(['c', 'a', 'b', 'd']);
  });

  it('draws estimated days on their own line, which joins the first measured day', () => {
    const rows = trendRows([
      { day: '2026-03-01', value: 3, estimated: true },
      { day: '2026-03-02', value: 4, estimated: true },
      { day: '2026-03-03', value: 5 },
      { day: '2026-03-04', value: 6 },
    ]);

    expect(rows.map((row) => [row.day, row.measured, row.estimated])).toEqual([
      ['2026-03-01', null, 3],
      ['2026-03-02', null, 4],
      ['2026-03-03', 5, 5],
      ['2026-03-04', 6, null],
    ]);
  });

  it('gives a category the colour of its place in the vocabulary, whatever the order of the bars', () => {
    const vocabulary = ['aws', 'gcp', 'azure'];

    expect(categoricalTone(vocabulary, 'azure')).toBe('cat-2');
    expect(categoricalTone(vocabulary, 'aws')).toBe('cat-0');
    expect(categoricalTone([...vocabulary, 'd', 'e', 'f', 'g', 'h', 'i'], 'i')).toBe('cat-0');
  });

  it('colours risk levels with the severity colours, and no risk as information', () => {
    expect(severityTone('critical')).toBe('sev-critical');
    expect(severityTone('none')).toBe('sev-info');
  });

  it('names a rule by its title and an unknown rule by its id', () => {
    expect(ruleTitleOf('nhi1.unowned')).toBe('Machine identity without an owner');
    expect(ruleTitleOf('retired.rule')).toBe('retired.rule');
  });

  it('lists the ten OWASP risks: failed with open alerts, passed when checked, not checked without an enabled rule', () => {
    const posture = owaspPosture(
      [
        { key: 'NHI7', count: 4 },
        { key: 'NHI2', count: 1 },
      ],
      ['nhi10.interactive_login', 'nhi10.human_use'],
      (id) => alertsLinks.owasp({}, id),
    );

    expect(posture.map((row) => row.id)).toEqual([
      'NHI1',
      'NHI2',
      'NHI3',
      'NHI4',
      'NHI5',
      'NHI6',
      'NHI7',
      'NHI8',
      'NHI9',
      'NHI10',
    ]);
    const row = (id: string) => posture.find((r) => r.id === id);
    expect(row('NHI1')).toMatchObject({
      name: 'Improper Offboarding',
      status: 'pass',
      openAlerts: 0,
      link: null,
    });
    expect(row('NHI7')).toMatchObject({ status: 'fail', openAlerts: 4 });
    expect(row('NHI7')?.link).toEqual(alertsLinks.owasp({}, 'NHI7'));
    expect(row('NHI6')?.status).toBe('pass');
    expect(row('NHI10')).toMatchObject({ status: 'not-checked', rules: [] });
  });
});
