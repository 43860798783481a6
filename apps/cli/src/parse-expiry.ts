import { CliError, ExitCode } from './cli-io.ts';

const unitSeconds: Record<string, number> = { h: 3600, d: 86_400, w: 604_800 };

/** Accepts a relative duration (`12h`, `30d`, `4w`) or an ISO date; rejects the past. */
export function parseExpiry(value: string, now: Date): Date {
  const relative = value.match(/^(\d+)([hdw])$/);
  const expiresAt = relative
    ? new Date(now.getTime() + Number(relative[1]) * (unitSeconds[relative[2] ?? 'd'] ?? 86_400) * 1000)
    : new Date(value);
  if (Number.isNaN(expiresAt.getTime())) {
    throw new CliError(
      `--expires must be a duration like 30d, 12h, 4w or an ISO date, got "${value}"`,
      ExitCode.usage,
    );
  }
  if (expiresAt <= now) throw new CliError(`--expires must be in the future, got "${value}"`, ExitCode.usage);
  return expiresAt;
}
