/**
 * What of a secret may be shown: enough to recognise which one it is, never enough to use it.
 * Short secrets show nothing of themselves.
 */
export function maskSecret(secret: string): string {
  const value = secret.trim();
  if (value.length < 12) return '*'.repeat(Math.max(4, value.length));
  const shown = Math.min(4, Math.floor(value.length / 6));
  return `${value.slice(0, shown)}${'*'.repeat(Math.min(24, value.length - 2 * shown))}${value.slice(-shown)}`;
}

/** The line with the secret replaced by its mask, trimmed to a readable length. */
export function maskedMatch(line: string, secret: string): string {
  const masked = secret ? line.split(secret).join(maskSecret(secret)) : line;
  const trimmed = masked.trim();
  return trimmed.length > 200 ? `${trimmed.slice(0, 197)}...` : trimmed;
}
