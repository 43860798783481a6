import { describe, expect, it } from 'vitest';
import { HubMetrics } from './metrics.ts';

function setup() {
  const metrics = new HubMetrics();
  const rendered = async () => (await metrics.render()).body;
  return { metrics, rendered };
}

describe('hub metrics', () => {
  it('counts forwarded calls by instance and outcome, and times them by instance', async () => {
    const { metrics, rendered } = setup();

    metrics.recordForwardedCall('worker-a', 'ok', 0.004);
    metrics.recordForwardedCall('worker-a', 'ok', 0.3);
    metrics.recordForwardedCall('worker-a', 'unavailable', 3);
    metrics.recordForwardedCall('worker-b', 'error', 0.0008);
    const body = await rendered();

    expect(body).toContain('nhi_forwarded_calls_total{instance="worker-a",outcome="ok"} 2');
    expect(body).toContain('nhi_forwarded_calls_total{instance="worker-a",outcome="unavailable"} 1');
    expect(body).toContain('nhi_forwarded_calls_total{instance="worker-b",outcome="error"} 1');
    expect(body).toContain('nhi_forwarded_call_duration_seconds_bucket{le="0.001",instance="worker-b"} 1');
    expect(body).toContain('nhi_forwarded_call_duration_seconds_bucket{le="0.005",instance="worker-a"} 1');
    expect(body).toContain('nhi_forwarded_call_duration_seconds_bucket{le="5",instance="worker-a"} 3');
    expect(body).toContain('nhi_forwarded_call_duration_seconds_count{instance="worker-a"} 3');
  });

  it('shows each instance as up or down, and forgets instances a full round no longer reports', async () => {
    const { metrics, rendered } = setup();

    metrics.setInstanceUp('worker-a', true);
    metrics.setInstanceUp('worker-b', false);
    const first = await rendered();
    metrics.setInstanceUp('worker-a', false);
    metrics.retainInstances(['worker-a']);
    const second = await rendered();

    expect(first).toContain('nhi_instance_up{instance="worker-a"} 1');
    expect(first).toContain('nhi_instance_up{instance="worker-b"} 0');
    expect(second).toContain('nhi_instance_up{instance="worker-a"} 0');
    expect(second).not.toContain('instance="worker-b"');
  });
});
