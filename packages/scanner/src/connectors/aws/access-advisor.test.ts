import { describe, expect, it } from 'vitest';
import { type ServiceAccess, unusedServicesFact } from './access-advisor.ts';

const now = new Date('2026-11-01T00:00:00Z');
const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000);
const arn = 'arn:aws:iam::222222222222:role/app';

/** `granted` services named svc-00…, the first `used` of them last called `usedDaysAgo` days ago. */
function services(granted: number, used: number, usedDaysAgo = 10): ServiceAccess[] {
  return Array.from({ length: granted }, (_, i) => ({
    namespace: `svc-${String(i).padStart(2, '0')}`,
    lastAuthenticated: i < used ? daysAgo(usedDaysAgo) : null,
  }));
}

describe('unused services from IAM access advisor', () => {
  it.each([
    { case: '9 granted, none used: too narrow to judge', granted: 9, used: 0, fires: false },
    { case: '10 granted, 2 used (20%)', granted: 10, used: 2, fires: true },
    { case: '10 granted, 3 used (30%)', granted: 10, used: 3, fires: false },
    { case: '40 granted, 8 used (20%)', granted: 40, used: 8, fires: true },
    { case: '40 granted, 9 used', granted: 40, used: 9, fires: false },
    { case: '12 granted, 6 used 91 days ago', granted: 12, used: 6, daysAgo: 91, fires: true },
    { case: '12 granted, 6 used 89 days ago', granted: 12, used: 6, daysAgo: 89, fires: false },
  ])('$case', ({ granted, used, daysAgo: ago, fires }) => {
    const fact = unusedServicesFact(arn, services(granted, used, ago), now);

    expect(fact !== null).toBe(fires);
  });

  it('says how many were granted and used, with the first 20 unused namespaces', () => {
    const fact = unusedServicesFact(arn, services(30, 2), now);

    expect(fact).toEqual({
      kind: 'aws.unused_services',
      subject: `${arn}|unused_services`,
      evidence: {
        granted: 30,
        used: 2,
        unusedSample: Array.from({ length: 20 }, (_, i) => `svc-${String(i + 2).padStart(2, '0')}`),
        trackingPeriodDays: 90,
      },
    });
  });
});
