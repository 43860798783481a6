import { describe, expect, it } from 'vitest';
import { alertRules, riskLevelOf } from '../service/alert-rules.ts';
import { riskScoreOf } from './risk-scores.sql.ts';

describe('risk score', () => {
  it.each([
    ['administrator key leaked and verified live', { impact: 1, exposure: 1, hygiene: 0 }, 80, 'critical'],
    ['administrator key leaked', { impact: 1, exposure: 0.8, hygiene: 0 }, 73, 'critical'],
    [
      'administrator trusted by any principal, unowned',
      { impact: 1, exposure: 0.9, hygiene: 0.3 },
      82,
      'critical',
    ],
    ['administrator, unowned', { impact: 1, exposure: null, hygiene: 0.3 }, 50, 'high'],
    ['cluster-wide Secret reader', { impact: 1, exposure: null, hygiene: 0 }, 44, 'high'],
    ['leaked token of unknown reach', { impact: null, exposure: 0.8, hygiene: 0 }, 42, 'high'],
    ['wildcard actions', { impact: 0.6, exposure: null, hygiene: 0 }, 32, 'medium'],
    ['old, unused, unowned key', { impact: null, exposure: null, hygiene: 1.3 }, 20, 'medium'],
    ['unowned key', { impact: null, exposure: null, hygiene: 0.3 }, 6, 'low'],
  ] as const)('scores %s as in ADR 0021', (_case, factors, score, level) => {
    expect(riskScoreOf(factors)).toBe(score);
    expect(riskLevelOf(score)).toBe(level);
  });

  it('never exceeds 100', () => {
    expect(riskScoreOf({ impact: 1, exposure: 1, hygiene: 5 })).toBe(100);
  });

  it('has a dimension and a weight between 0 and 1 for every rule', () => {
    for (const rule of alertRules) {
      expect(['impact', 'exposure', 'hygiene'], rule.id).toContain(rule.risk.dimension);
      expect(rule.risk.weight, rule.id).toBeGreaterThan(0);
      expect(rule.risk.weight, rule.id).toBeLessThanOrEqual(1);
    }
  });
});
