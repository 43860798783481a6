// The fact-based rules' inputs are the alert package's own, not part of its public face.
import { factKindsOfRule } from '@nhi/alert';
import { alertRuleIds, alertRules } from '@nhi/alert/rules';
import { describe, expect, it } from 'vitest';
import { owaspCoverageOf, sourceTypesOfRule } from './owasp-coverage.ts';

/** The source type a scanner fact comes from, by the prefix of its kind. */
const sourceTypeOfFact = {
  aws: 'aws_iam',
  k8s: 'kubernetes',
  github: 'github',
  gcp: 'gcp',
  entra: 'entra',
  gitlab: 'gitlab',
} as const;

describe('which source types feed which rule', () => {
  it('names every rule of the catalogue, and only those', () => {
    expect(Object.keys(sourceTypesOfRule).sort()).toEqual([...alertRuleIds].sort());
  });

  it('gives every rule at least one source type', () => {
    for (const rule of alertRules) expect(sourceTypesOfRule[rule.id], rule.id).not.toHaveLength(0);
  });

  it('agrees with the scanner facts each fact-based rule reads', () => {
    for (const [ruleId, kinds] of Object.entries(factKindsOfRule)) {
      const fromFacts = [
        ...new Set(
          kinds.map((kind) => sourceTypeOfFact[kind.split('.')[0] as keyof typeof sourceTypeOfFact]),
        ),
      ].sort();
      expect([...(sourceTypesOfRule[ruleId as keyof typeof sourceTypesOfRule] ?? [])].sort(), ruleId).toEqual(
        fromFacts,
      );
    }
  });

  it('reads leaks from secret scans alone', () => {
    for (const rule of alertRules.filter((r) => r.subject === 'secret' || r.owaspId === 'NHI2'))
      expect(sourceTypesOfRule[rule.id], rule.id).toEqual(['secrets']);
  });
});

describe('OWASP NHI Top 10 coverage', () => {
  it('lists the ten risks in order, each evaluated by the sources the product connects', () => {
    const coverage = owaspCoverageOf(['aws_iam', 'github', 'kubernetes', 'secrets'], {});
    expect(coverage.map((risk) => risk.id)).toEqual([
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
    expect(coverage.filter((risk) => risk.evaluatedBy.length === 0).map((risk) => risk.id)).toEqual([]);
    expect(coverage.find((risk) => risk.id === 'NHI6')?.evaluatedBy).toEqual(['aws_iam', 'github']);
  });

  it('says which risks the inventory’s own rules check, whatever is connected', () => {
    const coverage = owaspCoverageOf([], {});
    expect(coverage.filter((risk) => risk.fromInventory).map((risk) => risk.id)).toEqual([
      'NHI1',
      'NHI7',
      'NHI8',
      'NHI9',
    ]);
  });

  it('with no source connected evaluates nothing and says what would', () => {
    const coverage = owaspCoverageOf([], { NHI2: 4 });
    expect(coverage.every((risk) => risk.evaluatedBy.length === 0)).toBe(true);
    expect(coverage.find((risk) => risk.id === 'NHI2')).toMatchObject({
      wouldBeEvaluatedBy: ['secrets'],
      notEvaluatedBy: [],
      openAlerts: 4,
    });
  });
});
