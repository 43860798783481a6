import { describe, expect, it } from 'vitest';
import { asRequestPermissions, type Coverage, coversOwner, permissionsWithCoverage } from './coverage.ts';

function setup() {
  const teams: Coverage = { kind: 'groups', groupIds: ['payments', 'cards'], scopeGroupIds: ['payments'] };
  const scoped = permissionsWithCoverage(['nhi:read', 'realm:read'], (permission) =>
    permission === 'nhi:read' ? teams : { kind: 'all' },
  );
  return { teams, scoped };
}

describe('request permissions with coverage', () => {
  it('covers the whole realm for every held permission of a resolver without scopes', () => {
    const permissions = asRequestPermissions(new Set(['nhi:read']));
    expect(permissions.has('nhi:read')).toBe(true);
    expect(permissions.coverage('nhi:read')).toEqual({ kind: 'all' });
    expect(permissions.coverage('nhi:write')).toEqual({ kind: 'none' });
  });

  it('keeps the coverage a resolver decided, and answers none for what is not held', () => {
    const { teams, scoped } = setup();
    expect(asRequestPermissions(scoped)).toBe(scoped);
    expect(scoped.has('nhi:read')).toBe(true);
    expect(scoped.coverage('nhi:read')).toBe(teams);
    expect(scoped.coverage('alert:read')).toEqual({ kind: 'none' });
  });

  it('reaches an owner team only inside the covered groups, and an unowned identity only when all is covered', () => {
    const { teams } = setup();
    expect(coversOwner(teams, 'cards')).toBe(true);
    expect(coversOwner(teams, 'platform')).toBe(false);
    expect(coversOwner(teams, null)).toBe(false);
    expect(coversOwner({ kind: 'all' }, null)).toBe(true);
    expect(coversOwner({ kind: 'none' }, 'cards')).toBe(false);
  });
});
