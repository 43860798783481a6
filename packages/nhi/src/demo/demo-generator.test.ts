import { describe, expect, it } from 'vitest';
import { addCredentialInput, createNhiInput } from '../api/nhi.schema.ts';
import { generateDemoInventory } from './demo-generator.ts';

const dayMs = 86_400_000;
const now = new Date('2026-11-22T12:00:00.000Z');
const owners = ['ana@example.com', 'eve@example.com'];

function setup(options: { seed?: number; count?: number } = {}) {
  return generateDemoInventory({ now, ownerEmails: owners, ...options });
}

describe('demo inventory', () => {
  it('is the same for the same seed and clock, and different for another seed', () => {
    const first = setup();
    const again = setup();
    const other = setup({ seed: 7 });

    expect(again).toEqual(first);
    expect(other.map((nhi) => nhi.name)).not.toEqual(first.map((nhi) => nhi.name));
  });

  it('draws the same identities and credentials whoever may own them', () => {
    const strip = (inventory: ReturnType<typeof setup>) =>
      inventory.map(({ ownerEmail: _owner, ...rest }) => rest);

    expect(strip(generateDemoInventory({ now, ownerEmails: [] }))).toEqual(strip(setup()));
  });

  it('holds a few hundred identities, unique by name and by provider + external id', () => {
    const inventory = setup();

    expect(inventory.length).toBeGreaterThanOrEqual(200);
    expect(new Set(inventory.map((nhi) => nhi.name)).size).toBe(inventory.length);
    expect(new Set(inventory.map((nhi) => `${nhi.provider}:${nhi.externalId}`)).size).toBe(inventory.length);
  });

  it('spreads over kinds, providers and environments, with a share unowned', () => {
    const inventory = setup();
    const distinct = (values: string[]) => new Set(values).size;

    expect(distinct(inventory.map((nhi) => nhi.kind))).toBeGreaterThanOrEqual(10);
    expect(distinct(inventory.map((nhi) => nhi.provider))).toBe(8);
    expect(distinct(inventory.map((nhi) => nhi.environment))).toBe(4);
    const unowned = inventory.filter((nhi) => nhi.ownerEmail === null).length;
    expect(unowned / inventory.length).toBeGreaterThan(0.1);
    expect(unowned / inventory.length).toBeLessThan(0.5);
    expect(inventory.every((nhi) => nhi.ownerEmail === null || owners.includes(nhi.ownerEmail))).toBe(true);
  });

  it('has credentials over 90 days and over a year old, expired ones and ones expiring within 30 days', () => {
    const active = setup().flatMap((nhi) =>
      nhi.credentials.filter((credential) => credential.status === 'active'),
    );
    const ageDays = (at: Date) => (now.getTime() - at.getTime()) / dayMs;
    const untilDays = (at: Date) => (at.getTime() - now.getTime()) / dayMs;

    expect(
      active.filter((c) => ageDays(c.lastRotatedAt) > 90 && ageDays(c.lastRotatedAt) <= 365).length,
    ).toBeGreaterThan(10);
    expect(active.filter((c) => ageDays(c.lastRotatedAt) > 365).length).toBeGreaterThan(10);
    expect(active.filter((c) => c.expiresAt && untilDays(c.expiresAt) < 0).length).toBeGreaterThan(3);
    expect(
      active.filter((c) => c.expiresAt && untilDays(c.expiresAt) >= 0 && untilDays(c.expiresAt) <= 30).length,
    ).toBeGreaterThan(3);
  });

  it('names things the way their providers do, and gives AWS keys their AKIA key ids', () => {
    const inventory = setup();
    const names = inventory.map((nhi) => nhi.name);

    expect(names).toContain('github-app/renovate');
    expect(names).toContain('k8s:ns/argocd/sa/argocd-application-controller');
    expect(names.some((name) => /^svc-[a-z]+-prod$/.test(name))).toBe(true);
    const awsKeys = inventory.flatMap((nhi) => nhi.credentials.filter((c) => c.kind === 'access_key'));
    expect(awsKeys.length).toBeGreaterThan(10);
    expect(awsKeys.every((key) => /^AKIA[A-Z2-7]{16}$/.test(key.secret))).toBe(true);
  });

  it('passes the schemas the service applies to every identity and credential', () => {
    for (const { credentials, ownerEmail: _owner, ...fields } of setup()) {
      expect(createNhiInput.safeParse(fields).error?.issues).toBeUndefined();
      for (const credential of credentials) {
        const parsed = addCredentialInput.safeParse({
          nhiId: '6f1c2b7e-93a4-4c1d-8e55-2d9f0b4a7c31',
          ...credential,
        });
        expect(parsed.error?.issues).toBeUndefined();
      }
    }
  });
});
