/**
 * What no answer of the hub may contain, whatever was sent: a server error, or the insides of the
 * server (stack traces, ORM and database messages, file paths).
 */
export const leakPatterns: readonly { name: string; pattern: RegExp }[] = [
  { name: 'stack property', pattern: /"stack"\s*:/ },
  { name: 'stack frame', pattern: /(?:\n|\\n)\s+at |\bat (?:async )?[\w.$<>]+ \((?:file:|node:|\/)/ },
  { name: 'Prisma', pattern: /prisma/i },
  { name: 'Prisma invocation', pattern: /invocation/i },
  { name: 'SQLSTATE', pattern: /Code: `\w{5}`|SQLSTATE|sqlState/i },
  {
    name: 'PostgreSQL message',
    pattern:
      /invalid byte sequence|unsupported Unicode escape|out of range for type|date\/time field value out of range|invalid input syntax for type|violates (?:foreign key|unique|check|not-null) constraint|deadlock detected|canceling statement/i,
  },
  { name: 'source file path', pattern: /(?:\/node_modules\/|\.(?:ts|mjs|js):\d+:\d+)/ },
  { name: 'serialization library', pattern: /Seroval/i },
];

export interface ResponseSample {
  status: number;
  body: string;
}

/** The problems with one answer; empty when it is a clean success or a clean refusal. */
export function leaksIn(body: string): string[] {
  return leakPatterns.filter(({ pattern }) => pattern.test(body)).map(({ name }) => `body shows ${name}`);
}

/** tRPC answers: below 500, no leaks, and a refusal is a well-formed tRPC error for its status. */
export function trpcProblems({ status, body }: ResponseSample): string[] {
  const problems = leaksIn(body);
  if (status >= 500) problems.unshift(`status ${status}`);
  if (status < 400) return problems;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return [...problems, 'error body is not JSON'];
  }
  const error = (parsed as { error?: { message?: unknown; code?: unknown; data?: Record<string, unknown> } })
    ?.error;
  if (typeof error?.message !== 'string' || typeof error.code !== 'number') {
    problems.push('error body is not a tRPC error');
  } else if (error.data?.httpStatus !== status || typeof error.data?.code !== 'string') {
    problems.push(`error data does not match status ${status}`);
  }
  return problems;
}

/** serverFn answers: below 500 and no leaks; their bodies are Start's own serialization. */
export function serverFnProblems({ status, body }: ResponseSample): string[] {
  const problems = leaksIn(body);
  if (status >= 500) problems.unshift(`status ${status}`);
  return problems;
}

/** The start of a value for a failure report: enough to recognise it, never 100 kB of it. */
export function excerpt(value: unknown, length = 300): string {
  let text: string;
  try {
    text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  const visible = text
    .replaceAll('\u0000', '\\u0000')
    .replace(/[\ud800-\udfff]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
  return visible.length > length ? `${visible.slice(0, length)}… (${visible.length} chars)` : visible;
}
