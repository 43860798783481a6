import { describe, expect, it } from 'vitest';
import { isServedByWorker } from './worker-paths.ts';

describe('paths a worker serves for the routes the hub forwards', () => {
  it.each([
    ['/api/export/alerts', true],
    ['/api/export/leaks', true],
    ['/api/hooks/tickets/north/4b1f0c9e-0000-4000-8000-000000000001', true],
    ['/api/hooks/sources/north/4b1f0c9e-0000-4000-8000-000000000001', true],
    // Printed by the hub from the report the worker produces through /api/trpc.
    ['/api/reports/posture.pdf', false],
    ['/api/export', false],
    ['/api/export/alertsx', false],
    ['/api/hooks/other/north/x', false],
    ['/api/hooks/tickets', false],
  ])('%s: %s', (path, served) => {
    expect(isServedByWorker(path)).toBe(served);
  });
});
