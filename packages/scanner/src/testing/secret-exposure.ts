/**
 * Runs of more than four consecutive characters of a secret that show in a scan's output. The mask
 * of a secret shows at most four characters at each end, so any longer run means the output gives
 * away part of the secret itself.
 */
export function exposedRuns(output: unknown, secret: string, runLength = 5): string[] {
  const text = typeof output === 'string' ? output : JSON.stringify(output);
  const runs = new Set<string>();
  for (let at = 0; at + runLength <= secret.length; at += 1) {
    const run = secret.slice(at, at + runLength);
    if (text.includes(run)) runs.add(run);
  }
  return [...runs];
}
