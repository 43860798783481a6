import {
  isDomainError,
  openRequestScope,
  PERMISSION_RESOLVER,
  type Principal,
  permissionCatalogue,
  type RealmSummary,
} from '@nhi/platform';
import { type NewTestDatabase, setupHub } from '@nhi/platform/testing';
import { PolicyService } from '../service/policy.service.ts';
import { PolicyQueryService } from '../service/policy-query.service.ts';
import { registerPolicy } from '../service/register-policy.ts';
import '../api/policy.permissions.ts';

export type PolicyHub = Awaited<ReturnType<typeof setupPolicyHub>>;

/** A hub whose decisions come from policies, with realm `hub` and ways to act in it as anyone. */
export async function setupPolicyHub(newDatabase: NewTestDatabase) {
  const hub = await setupHub(() => newDatabase());
  const decisions = registerPolicy(hub.root);
  const realm: RealmSummary = await hub.realm('hub', 'Hub');
  const users = new Map<string, { id: string; email: string }>();

  async function member(name: string, role: 'admin' | 'editor' | 'viewer') {
    const user = await hub.member(`${name}@example.com`, 'hub', role);
    users.set(name, user);
    return user;
  }

  /** A second realm and its admin, to act from outside `hub`. */
  async function otherRealmAdmin(email = 'oli@example.com') {
    const other = await hub.realm('other', 'Other');
    return { realm: other, user: await hub.member(email, 'other', 'admin') };
  }

  function userOf(name: string) {
    const user = users.get(name);
    if (!user) throw new Error(`Unknown fixture user ${name}`);
    return user;
  }

  function principalOf(name?: string): Principal {
    if (!name) return { kind: 'system', name: 'policy-test' };
    const user = userOf(name);
    return { kind: 'user', userId: user.id, email: user.email, sessionId: 'test-session' };
  }

  async function scopeOf(name?: string, principal: Principal = principalOf(name)) {
    return openRequestScope(hub.root, {
      context: { requestId: `req-${name ?? 'system'}`, realm, principal, clock: hub.clock },
      credential: 'bearer',
    });
  }

  async function policyService(name?: string) {
    return (await scopeOf(name)).container.resolve(PolicyService);
  }

  async function queries() {
    return (await scopeOf()).container.resolve(PolicyQueryService);
  }

  /** What the guards see: the permissions of the principal's request. */
  async function permissionsOf(principal: Principal): Promise<ReadonlySet<string>> {
    return hub.root.resolve(PERMISSION_RESOLVER).permissionsOf(principal, realm);
  }

  async function groupId(name: string): Promise<string> {
    const group = (await (await queries()).tree()).find((g) => g.name === name);
    if (!group) throw new Error(`Unknown fixture group ${name}`);
    return group.id;
  }

  async function policyId(name: string): Promise<string> {
    const policy = (await (await queries()).policies()).policies.find((p) => p.name === name);
    if (!policy) throw new Error(`Unknown fixture policy ${name}`);
    return policy.id;
  }

  return {
    ...hub,
    decisions,
    realm,
    users,
    member,
    otherRealmAdmin,
    userOf,
    principalOf,
    scopeOf,
    policyService,
    queries,
    permissionsOf,
    groupId,
    policyId,
    catalogueKeys: () => permissionCatalogue().map((p) => p.key),
  };
}

/** The domain error code a promise rejects with, or 'OK'. */
export async function outcomeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'OK';
  } catch (error) {
    if (isDomainError(error)) return error.code;
    throw error;
  }
}
