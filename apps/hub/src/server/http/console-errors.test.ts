import { Writable } from 'node:stream';
import { createLogger } from '@nhi/platform';
import { describe, expect, it } from 'vitest';
import { routeConsoleErrorsToLog } from './console-errors.ts';

function setup() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const target = { error: (..._args: unknown[]) => {} };
  routeConsoleErrorsToLog(createLogger({ level: 'info', destination }), target);
  return { lines, report: target.error };
}

describe('console errors of the web framework', () => {
  it('become one JSON log line each, with the error', () => {
    const { lines, report } = setup();
    report(new Error('render failed'));
    report('plain message', 42);

    expect(lines).toHaveLength(2);
    const [first, second] = lines.map((line) => JSON.parse(line));
    expect(first).toMatchObject({ level: 'error', err: { message: 'render failed' } });
    expect(second).toMatchObject({ level: 'error', detail: 'plain message 42' });
  });

  it('leave a client that hung up out of the error log', () => {
    const { lines, report } = setup();
    report(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));

    expect(lines).toEqual([]);
  });
});
