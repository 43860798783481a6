import { describe, expect, it } from 'vitest';
import { evidenceLines } from './alert-explanation.ts';

describe('evidence in sentences', () => {
  it('names the escalation path and the statements that allow each action', () => {
    const lines = evidenceLines({
      facts: [
        {
          kind: 'aws.privilege_escalation',
          subject: 'arn:aws:iam::123456789012:user/ci|iam-create-policy-version',
          evidence: {
            path: 'iam-create-policy-version',
            name: 'Create a new version of a policy',
            actions: { 'iam:CreatePolicyVersion': ['inline deploy'] },
          },
        },
      ],
    });
    expect(lines).toEqual([
      'Escalation path "Create a new version of a policy" (iam-create-policy-version): iam:CreatePolicyVersion by inline deploy',
    ]);
  });

  it('names the role, binding, scope, group and the workloads carrying the token', () => {
    const [line] = evidenceLines({
      facts: [
        {
          kind: 'k8s.secrets_read_cluster',
          subject: 'prod/batch/worker|ClusterRoleBinding all-secrets',
          evidence: {
            role: 'ClusterRole secret-reader',
            binding: 'ClusterRoleBinding all-secrets',
            scope: 'cluster',
            via: 'group system:serviceaccounts',
            mountedBy: ['Deployment worker', 'CronJob nightly', 'Pod debug', 'Job once'],
          },
        },
      ],
    });
    expect(line).toBe(
      'May get, list or watch the Secrets of every namespace (ClusterRoleBinding): ClusterRole secret-reader through ClusterRoleBinding all-secrets (cluster), as a member of group system:serviceaccounts; its token is mounted by Deployment worker, CronJob nightly, Pod debug and 1 more',
    );
  });

  it('lists where a secret was found with masked matches only, and says how many more places', () => {
    const leak = (line: number) => ({
      file: '.env',
      line,
      commit: 'a1b2c3d4e5f6',
      rule: 'gitleaks/x',
      match: 'KEY=ab****yz',
    });
    const lines = evidenceLines({
      secretType: 'github_token',
      verification: 'live',
      locations: 5,
      leaks: [leak(1), leak(2), leak(3), leak(4)],
    });
    expect(lines).toEqual([
      'Secret type: github token; verified live',
      'Found in .env:1 (commit a1b2c3d4) by gitleaks/x: KEY=ab****yz',
      'Found in .env:2 (commit a1b2c3d4) by gitleaks/x: KEY=ab****yz',
      'Found in .env:3 (commit a1b2c3d4) by gitleaks/x: KEY=ab****yz',
      'Found in 2 more places (see Leaks)',
    ]);
  });

  it('says nothing of evidence it does not know, and caps the lines', () => {
    expect(evidenceLines(null)).toEqual([]);
    expect(evidenceLines({ seen: 'x' })).toEqual([]);
    const facts = Array.from({ length: 10 }, () => ({ kind: 'aws.not_action', evidence: {} }));
    const lines = evidenceLines({ facts }, 4);
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('…and 7 more');
  });
});
