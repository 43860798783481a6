import { initTRPC } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { platformRouter } from '../whoami/whoami.procedures.ts';
import { procedurePermissions, undeclaredProcedures } from './procedure-permissions.ts';
import { authorizedProcedure, router } from './trpc.ts';

describe('procedure permission enumeration', () => {
  it('lists every platform procedure with a known permission, and which run on the hub alone', () => {
    expect(procedurePermissions(platformRouter)).toEqual([
      { path: 'instances.list', permission: 'instance:read', hubOnly: true },
      { path: 'realms.list', permission: 'realm:read', hubOnly: true },
      { path: 'realms.switch', permission: 'realm:read', hubOnly: true },
      { path: 'tokens.create', permission: 'token:manage', hubOnly: true },
      { path: 'tokens.grantable', permission: 'token:manage', hubOnly: true },
      { path: 'tokens.list', permission: 'token:manage', hubOnly: true },
      { path: 'tokens.revoke', permission: 'token:manage', hubOnly: true },
      // Who am I in a realm a worker serves is the worker's answer: its policies decide.
      { path: 'whoami', permission: 'realm:read', hubOnly: false },
    ]);
    expect(undeclaredProcedures(platformRouter)).toEqual([]);
  });

  it('finds procedures nested in sub-routers and reports those without a permission', () => {
    const bare = initTRPC.create();
    const composed = router({
      platform: platformRouter,
      nested: router({ deeper: router({ guarded: authorizedProcedure('audit:read').query(() => 1) }) }),
      sneaky: bare.procedure.query(() => 'no permission'),
      // @ts-expect-error a key missing from the catalogue does not compile; the run-time check stays
      unknown: authorizedProcedure('made:up').query(() => 2),
    });
    expect(procedurePermissions(composed).map((p) => p.path)).toEqual([
      'nested.deeper.guarded',
      'platform.instances.list',
      'platform.realms.list',
      'platform.realms.switch',
      'platform.tokens.create',
      'platform.tokens.grantable',
      'platform.tokens.list',
      'platform.tokens.revoke',
      'platform.whoami',
      'sneaky',
      'unknown',
    ]);
    expect(undeclaredProcedures(composed).map((p) => p.path)).toEqual(['sneaky', 'unknown']);
  });
});
