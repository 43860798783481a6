/** Credential report values that mean "nothing here". */
const absent = new Set(['', 'N/A', 'not_supported', 'no_information']);

/** A timestamp of an AWS export (`+00:00`, `Z`, or a space instead of `T`); null for the absent values. */
export function awsDate(value: unknown): Date | null {
  if (typeof value !== 'string' || absent.has(value.trim())) return null;
  const parsed = new Date(value.trim().replace(' ', 'T'));
  if (Number.isNaN(parsed.getTime())) throw new Error(`not a timestamp: ${JSON.stringify(value)}`);
  return parsed;
}

export function awsFlag(value: unknown): boolean | null {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (typeof value === 'string' && absent.has(value.trim())) return null;
  throw new Error(`not true or false: ${JSON.stringify(value)}`);
}

export function awsText(value: unknown): string | null {
  return typeof value === 'string' && !absent.has(value.trim()) ? value.trim() : null;
}

/** The 12-digit account of an ARN, when it has one. */
export function accountOf(arn: string): string | null {
  return /^arn:aws[\w-]*:[\w-]+::(\d{12}):/.exec(arn)?.[1] ?? null;
}
