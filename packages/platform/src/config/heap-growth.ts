import v8 from 'node:v8';
import { z } from 'zod';

/** NHI_HEAP_GROWTH_PERCENT, as the configuration declares it. */
export const heapGrowthPercent = z.coerce.number().int().min(0).max(400).default(0);

/**
 * Lets the heap grow by `NHI_HEAP_GROWTH_PERCENT` past what the last full collection kept, instead
 * of V8's own rule, which on a machine with gigabytes to spare allows up to four times. A streamed
 * export leaves garbage the young generation promotes; with V8's rule the hub's resident memory
 * rose by 130 MB while it streamed 100k alerts, with 25 % by about 40 MB. The price is more full
 * collections: at 25 % the API's calls cost 15-30 % more CPU, so the default (0) keeps V8's rule
 * and a deployment that must stay small chooses it (ADR 0060). No ceiling is set either way: a
 * large scan still gets the heap it needs.
 *
 * V8 reads this flag at every collection, so setting it once the process runs takes effect;
 * an invalid value is left for the configuration check, which refuses to start with its name.
 * Returns the percentage applied, or null when V8 keeps its own rule. The hub applies it before
 * its code loads, so this module imports nothing of the platform's.
 */
export function applyHeapGrowth(
  env: NodeJS.ProcessEnv = process.env,
  setFlags: (flags: string) => void = v8.setFlagsFromString,
): number | null {
  const raw = env.NHI_HEAP_GROWTH_PERCENT === '' ? undefined : env.NHI_HEAP_GROWTH_PERCENT;
  const parsed = heapGrowthPercent.safeParse(raw);
  if (!parsed.success || parsed.data === 0) return null;
  setFlags(`--heap-growing-percent=${parsed.data}`);
  return parsed.data;
}
