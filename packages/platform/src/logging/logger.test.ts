import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

function setup() {
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => lines.push(line) } });
  return { logger, output: () => lines.join('') };
}

describe('logger', () => {
  it('writes one JSON object per line with level and time', () => {
    const { logger, output } = setup();
    logger.info({ requestId: 'r-1' }, 'hello');
    const entry = JSON.parse(output());
    expect(entry).toMatchObject({ level: 'info', msg: 'hello', requestId: 'r-1', service: 'nhi-hub' });
    expect(new Date(entry.time).getTime()).not.toBeNaN();
  });

  it('never writes passwords, tokens, cookies or authorization headers', () => {
    const { logger, output } = setup();
    logger.info(
      {
        password: 'hunter2-password',
        token: 'nhi_supersecrettoken',
        user: { password: 'nested-password', email: 'a@example.com' },
        req: { headers: { authorization: 'Bearer nhi_bearer_secret', cookie: 'nhi_session=jwt-secret' } },
        headers: { authorization: 'Bearer other-secret', cookie: 'c=other-cookie' },
      },
      'login attempt',
    );
    const text = output();
    for (const secret of [
      'hunter2-password',
      'nhi_supersecrettoken',
      'nested-password',
      'nhi_bearer_secret',
      'jwt-secret',
      'other-secret',
      'other-cookie',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('a@example.com');
    expect(text).toContain('[redacted]');
  });
});
