import { Writable } from 'node:stream';
import {
  AuthenticationError,
  asRequestPermissions,
  createLogger,
  NotFoundError,
  PermissionDeniedError,
  RateLimitedError,
  type RealmRef,
  type RequestScope,
} from '@nhi/platform';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { errorCodeOf, ServerFnError, serverFnErrorAdapter } from '../../lib/server-fn-error.ts';
import type { ProcedurePath } from '../rpc/procedure-paths.ts';
import { authGuard } from './auth-guard.ts';
import { toServerFnError } from './error-mapping.server.ts';

type ServerStep = (options: {
  context: { scope: Pick<RequestScope, 'permissions'> & { context: { realm: RealmRef } } };
  next: () => unknown;
}) => unknown;

const localRealm: RealmRef = { id: 'r-1', slug: 'hub' };
const workerRealm: RealmRef = {
  id: 'r-2',
  slug: 'north',
  placement: { instance: 'w1', baseUrl: 'http://w1.internal' },
};

/** Runs authGuard's own server step, as Start does after jwtGuard has put the scope in context. */
function runAuthGuard(procedure: ProcedurePath, granted: string[], realm = localRealm) {
  const step = (authGuard(procedure) as unknown as { options: { server: ServerStep } }).options.server;
  return step({
    context: { scope: { permissions: asRequestPermissions(new Set(granted)), context: { realm } } },
    next: () => 'handler ran',
  });
}

function setup() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger({ level: 'info', destination });
  const map = (error: unknown) => toServerFnError(error, { requestId: 'req-1', logger: async () => logger });
  return { lines, map };
}

describe('authGuard', () => {
  it('lets the call through when the scope holds the permission its procedure declares', () => {
    expect(runAuthGuard('platform.whoami', ['realm:read'])).toBe('handler ran');
  });

  it('stops the call with the missing permission when the scope lacks it', () => {
    expect(() => runAuthGuard('nhi.delete', ['nhi:read', 'nhi:write'])).toThrow(PermissionDeniedError);
  });

  it('leaves the decision to the worker for a realm a worker serves, where the hub has no policy data', () => {
    expect(runAuthGuard('nhi.delete', [], workerRealm)).toBe('handler ran');
  });

  it('still decides on the hub what only the hub serves, whichever instance serves the realm', () => {
    expect(() => runAuthGuard('platform.tokens.create', [], workerRealm)).toThrow(PermissionDeniedError);
  });
});

describe('serverFn error mapping', () => {
  it.each([
    [new AuthenticationError('Session expired'), 401, 'UNAUTHENTICATED', 'Session expired'],
    [new PermissionDeniedError('member:manage'), 403, 'FORBIDDEN', 'Missing permission: member:manage'],
    [new NotFoundError('Realm', 'nope'), 404, 'NOT_FOUND', 'Realm nope was not found'],
    [new RateLimitedError(60), 429, 'RATE_LIMITED', 'Too many attempts. Try again in 60 seconds.'],
  ])('sends %s as status %i with its code and message', async (error, status, code, message) => {
    const { map } = setup();

    const mapped = await map(error);

    expect(mapped).toBeInstanceOf(ServerFnError);
    expect(mapped).toMatchObject({ status, code, message });
  });

  it('sends invalid input as 400 with the issues', async () => {
    const { map } = setup();
    const invalid = z.object({ email: z.string().min(1) }).safeParse({ email: '' });

    const mapped = await map(invalid.error);

    expect(mapped).toMatchObject({
      status: 400,
      code: 'BAD_REQUEST',
      details: { issues: [{ path: ['email'] }] },
    });
  });

  it('hides an unexpected error behind a generic 500 and logs it with the request id', async () => {
    const { map, lines } = setup();

    const mapped = await map(new Error('connection string postgres://secret@db'));

    expect(mapped).toMatchObject({ status: 500, code: 'INTERNAL' });
    expect((mapped as Error).message).not.toContain('secret');
    expect(lines.join('')).toContain('"requestId":"req-1"');
  });

  it('carries no stack trace to the browser', async () => {
    const { map } = setup();

    const mapped = await map(new AuthenticationError());

    expect(Object.keys(mapped as object)).not.toContain('stack');
  });
});

describe('ServerFnError on its way to the browser', () => {
  it('keeps status, code and details through Start’s serialization adapter', () => {
    const error = new ServerFnError('The request is not valid', 400, 'BAD_REQUEST', {
      issues: [{ path: ['slug'] }],
    });

    const received = serverFnErrorAdapter.fromSerializable(serverFnErrorAdapter.toSerializable(error));

    expect(received).toBeInstanceOf(ServerFnError);
    expect(received).toMatchObject({
      message: error.message,
      status: 400,
      code: 'BAD_REQUEST',
      details: error.details,
    });
    expect(errorCodeOf(received)).toBe('BAD_REQUEST');
  });
});
