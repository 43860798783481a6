import type { AlertWorld } from './alert-test-setup.ts';

/**
 * One fact rule's case: an identity per kind the rule reads (it fires on each), one with only
 * neighbouring kinds and a disabled one with the rule's first kind (it fires on neither).
 */
export async function arrangeFactRule(
  w: AlertWorld,
  kinds: readonly string[],
  neighbours: readonly string[],
): Promise<{ fires: string[]; silent: string[] }> {
  const fires: string[] = [];
  for (const kind of kinds) {
    const n = await w.nhi();
    await w.fact(n.id, kind);
    fires.push(n.id);
  }
  const neighbour = await w.nhi();
  for (const kind of neighbours) await w.fact(neighbour.id, kind);
  const disabled = await w.nhi({ status: 'disabled' });
  await w.fact(disabled.id, kinds[0] ?? '');
  return { fires, silent: [neighbour.id, disabled.id] };
}
