import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { applyHeapGrowth } from './heap-growth.ts';

const heapGrowthModule = path.resolve(import.meta.dirname, 'heap-growth.ts');

/**
 * A process that holds a live set and keeps promoting batches that outlive a few scavenges, as an
 * export's batches do while they are written out; prints the largest heap V8 committed meanwhile.
 */
async function peakHeapMegabytes(growthPercent: string): Promise<number> {
  const script = `
    const { applyHeapGrowth } = await import(${JSON.stringify(heapGrowthModule)});
    applyHeapGrowth();
    const v8 = await import('node:v8');
    const live = Array.from({ length: 300000 }, (_, i) => ({ i, s: 'live-' + i }));
    const ring = new Array(40).fill(null);
    let peak = 0;
    for (let round = 0; round < 1200; round++) {
      ring[round % ring.length] = Array.from({ length: 2000 }, (_, i) => ({ i, s: 'batch-' + round + '-' + i, o: [i] }));
      if (round % 10 === 0) peak = Math.max(peak, v8.default.getHeapStatistics().total_heap_size);
    }
    console.log(Math.round(peak / 1048576), live.length > 0);`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--experimental-transform-types', '--no-warnings', '--input-type=module', '-e', script],
    { cwd: path.dirname(heapGrowthModule), env: { ...process.env, NHI_HEAP_GROWTH_PERCENT: growthPercent } },
  );
  return Number(stdout.trim().split(' ')[0]);
}

describe('applyHeapGrowth', () => {
  it('keeps a process that promotes garbage to a far smaller heap than V8 alone allows', async () => {
    const [bounded, v8Default] = await Promise.all([peakHeapMegabytes('25'), peakHeapMegabytes('0')]);

    expect(bounded).toBeGreaterThan(0);
    expect(bounded).toBeLessThan(v8Default * 0.8);
  }, 60_000);

  // The flags are recorded, not set: this process's own heap keeps its rule.
  function setup() {
    const flags: string[] = [];
    return { flags, apply: (env: NodeJS.ProcessEnv) => applyHeapGrowth(env, (flag) => flags.push(flag)) };
  }

  it("keeps V8's own rule unless told otherwise, and applies the percentage it is given", () => {
    const { flags, apply } = setup();
    expect(apply({})).toBeNull();
    expect(apply({ NHI_HEAP_GROWTH_PERCENT: '0' })).toBeNull();
    expect(apply({ NHI_HEAP_GROWTH_PERCENT: '25' })).toBe(25);
    expect(flags).toEqual(['--heap-growing-percent=25']);
  });

  it('leaves an invalid value to the configuration check, which names it', () => {
    const { flags, apply } = setup();
    expect(apply({ NHI_HEAP_GROWTH_PERCENT: 'lots' })).toBeNull();
    expect(flags).toEqual([]);
    expect(() => loadConfig({ NHI_HEAP_GROWTH_PERCENT: 'lots' })).toThrow(/NHI_HEAP_GROWTH_PERCENT/);
    expect(() => loadConfig({ NHI_HEAP_GROWTH_PERCENT: '900' })).toThrow(/NHI_HEAP_GROWTH_PERCENT/);
  });
});
