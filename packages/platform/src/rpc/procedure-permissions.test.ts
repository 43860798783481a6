import { initTRPC } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { platformRouter } from '../whoami/whoami.procedures.ts';
import { procedurePermissions, undeclaredProcedures } from './procedure-permissions.ts';
import { authorizedProcedure, router } from './trpc.ts';

describe('procedure permission enumeration', () => {
  it('lists every platform procedure with a known permission, and which run on the hub alone', () => {
    expect(procedurePermissions(platformRouter)).toEqual([
      { path: 'instances.list', permission: 'instance:read', hubOnly: true },
      { path: 'me.changePassword', permission: 'account:manage', hubOnly: true },
      { path: 'me.sessions', permission: 'account:manage', hubOnly: true },
      { path: 'me.signOutEverywhere', permission: 'account:manage', hubOnly: true },
      { path: 'mfa.begin', permission: 'account:manage', hubOnly: true },
      { path: 'mfa.confirm', permission: 'account:manage', hubOnly: true },
      { path: 'mfa.disable', permission: 'account:manage', hubOnly: true },
      { path: 'mfa.realmRequirement', permission: 'member:manage', hubOnly: true },
      { path: 'mfa.setRealmRequirement', permission: 'member:manage', hubOnly: true },
      { path: 'mfa.status', permission: 'account:manage', hubOnly: true },
      { path: 'realms.list', permission: 'realm:read', hubOnly: true },
      { path: 'realms.switch', permission: 'realm:read', hubOnly: true },
      { path: 'scimTokens.create', permission: 'scim:manage', hubOnly: true },
      { path: 'scimTokens.list', permission: 'scim:manage', hubOnly: true },
      { path: 'scimTokens.revoke', permission: 'scim:manage', hubOnly: true },
      { path: 'tokens.create', permission: 'token:manage', hubOnly: true },
      { path: 'tokens.grantable', permission: 'token:manage', hubOnly: true },
      { path: 'tokens.list', permission: 'token:manage', hubOnly: true },
      { path: 'tokens.revoke', permission: 'token:manage', hubOnly: true },
      { path: 'users.disable', permission: 'user:manage', hubOnly: true },
      { path: 'users.enable', permission: 'user:manage', hubOnly: true },
      { path: 'users.invite', permission: 'user:manage', hubOnly: true },
      { path: 'users.list', permission: 'user:manage', hubOnly: true },
      { path: 'users.remove', permission: 'user:manage', hubOnly: true },
      { path: 'users.resetPassword', permission: 'user:manage', hubOnly: true },
      { path: 'users.setRole', permission: 'user:manage', hubOnly: true },
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
      'platform.me.changePassword',
      'platform.me.sessions',
      'platform.me.signOutEverywhere',
      'platform.mfa.begin',
      'platform.mfa.confirm',
      'platform.mfa.disable',
      'platform.mfa.realmRequirement',
      'platform.mfa.setRealmRequirement',
      'platform.mfa.status',
      'platform.realms.list',
      'platform.realms.switch',
      'platform.scimTokens.create',
      'platform.scimTokens.list',
      'platform.scimTokens.revoke',
      'platform.tokens.create',
      'platform.tokens.grantable',
      'platform.tokens.list',
      'platform.tokens.revoke',
      'platform.users.disable',
      'platform.users.enable',
      'platform.users.invite',
      'platform.users.list',
      'platform.users.remove',
      'platform.users.resetPassword',
      'platform.users.setRole',
      'platform.whoami',
      'sneaky',
      'unknown',
    ]);
    expect(undeclaredProcedures(composed).map((p) => p.path)).toEqual(['sneaky', 'unknown']);
  });
});
