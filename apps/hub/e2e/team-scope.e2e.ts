import { AlertEvaluator } from '@nhi/alert';
import { RealmAdminService, RealmDb, type RealmRef } from '@nhi/platform';
import { PolicyService, registerPolicy } from '@nhi/policy';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { collectCspViolations } from './support/browser.ts';
import {
  memberEmail,
  memberPassword,
  seededDataDir,
  seedingScope,
  withSeedingRuntime,
} from './support/seed.ts';
import { logIn, openPage, startReadyHub, visit } from './support/session.ts';

interface TeamRealm {
  /** Identity names by owner team; `central` are unowned, the central team's. */
  payments: string[];
  search: string[];
  central: string[];
  searchNhiId: string;
  searchAlertId: string;
}

/**
 * The hub realm split by team: members hold only the basics realm-wide (the built-in viewer grant
 * replaced by a "Members" policy), the team lead reads and triages through a Security analyst grant
 * on Payments scoped to Payments. Identities owned by Payments, by Search and by nobody, each with a
 * key unrotated for 400 days, evaluated so that each has alerts.
 */
async function seedTeams(dataDir: string): Promise<TeamRealm> {
  return withSeedingRuntime(
    dataDir,
    async (runtime) => {
      const { realm } = await runtime.root.resolve(RealmAdminService).createUser({
        email: memberEmail,
        realmSlug: 'hub',
        role: 'viewer',
        password: memberPassword,
      });
      const scope = await seedingScope(runtime, realm);
      const policy = scope.container.resolve(PolicyService);
      const realmDb = new RealmDb(runtime.database, realm.id);
      const payments = await policy.createGroup({ name: 'Payments' });
      const search = await policy.createGroup({ name: 'Search' });
      await policy.addMember({ groupId: payments.id, userId: await memberId(realmDb) });
      await replaceViewerGrant(policy, realmDb);
      const analyst = await realmDb.transaction((tx) =>
        tx.policy.findFirstOrThrow({ where: { builtInKey: 'security-analyst' }, select: { id: true } }),
      );
      await policy.assign({
        policyId: analyst.id,
        groupId: payments.id,
        reason: 'Payments answers for its own identities',
        scopeGroupId: payments.id,
      });
      const names = {
        payments: ['payments-api', 'payments-ledger'],
        search: ['search-indexer'],
        central: ['shared-backup'],
      };
      const ids = new Map<string, string>();
      for (const [team, groupId] of [
        ['payments', payments.id],
        ['search', search.id],
        ['central', null],
      ] as const) {
        for (const name of names[team]) ids.set(name, await staleIdentity(realmDb, realm, name, groupId));
      }
      await runtime.root.resolve(AlertEvaluator).evaluateRealm(realm.id);
      const searchNhiId = ids.get('search-indexer') as string;
      const searchAlert = await realmDb.transaction((tx) =>
        tx.alert.findFirstOrThrow({ where: { nhiId: searchNhiId }, select: { id: true } }),
      );
      return { ...names, searchNhiId, searchAlertId: searchAlert.id };
    },
    { modules: [registerPolicy] },
  );
}

async function memberId(realmDb: RealmDb): Promise<string> {
  const member = await realmDb.transaction((tx) =>
    tx.realmMembership.findFirstOrThrow({
      where: { user: { email: memberEmail } },
      select: { userId: true },
    }),
  );
  return member.userId;
}

/** Viewers keep signing in and managing their own account, nothing more, realm-wide. */
async function replaceViewerGrant(policy: PolicyService, realmDb: RealmDb): Promise<void> {
  const viewerGrant = await realmDb.transaction((tx) =>
    tx.policyAssignment.findFirstOrThrow({
      where: { group: { builtInRole: 'viewer' }, policy: { builtInKey: 'viewer' } },
      select: { id: true, groupId: true },
    }),
  );
  const members = await policy.createPolicy({
    name: 'Members',
    description: 'Sign in and manage one’s own account',
    permissions: ['realm:read', 'account:manage', 'token:manage'],
  });
  await policy.assign({ policyId: members.id, groupId: viewerGrant.groupId, reason: 'Every member' });
  await policy.revoke(viewerGrant.id);
}

const day = 86_400_000;

async function staleIdentity(realmDb: RealmDb, realm: RealmRef, name: string, ownerGroupId: string | null) {
  const longAgo = new Date(Date.now() - 400 * day);
  return realmDb.transaction(async (tx) => {
    const nhi = await tx.nhi.create({
      data: {
        kind: 'service_account',
        provider: 'aws',
        externalId: `arn:aws:iam::123456789012:user/${name}`,
        name,
        ownerGroupId,
        environment: 'production',
      },
      select: { id: true },
    });
    await tx.credential.create({
      data: {
        nhiId: nhi.id,
        kind: 'access_key',
        status: 'active',
        hint: `${realm.slug}…WXYZ`,
        createdAt: longAgo,
        lastRotatedAt: longAgo,
        lastUsedAt: new Date(Date.now() - day),
      },
      select: { id: true },
    });
    return nhi.id;
  });
}

async function setup() {
  const { dataDir, value } = await seededDataDir(seedTeams);
  const hub = await startReadyHub(dataDir);
  const lead = await openPage(hub, { viewport: { width: 1280, height: 900 } });
  await logIn(lead, memberEmail, memberPassword);
  return { hub, lead, teams: value };
}

async function shownNames(page: Page, testId: string, attribute: string): Promise<string[]> {
  const rows = page.getByTestId(testId);
  return (
    await rows.evaluateAll((all, name) => all.map((row) => row.getAttribute(name) ?? ''), attribute)
  ).sort();
}

describe('a team lead in a realm split by team', () => {
  it('sees only the team’s identities and alerts, suppresses one, and cannot open another team’s', async () => {
    const { hub, lead, teams } = await setup();
    const cspViolations = collectCspViolations(lead);

    await visit(lead, '/inventory');
    await lead.getByTestId('inventory-row').first().waitFor();
    await expect.poll(() => shownNames(lead, 'inventory-row', 'data-nhi-name')).toEqual(teams.payments);
    expect(await lead.getByTestId('page-scope').textContent()).toContain('Payments');

    await visit(lead, '/alerts');
    await lead.getByTestId('alert-row').first().waitFor();
    const identities = await lead
      .getByTestId('alert-row')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-nhi-name') ?? ''));
    expect(new Set(identities)).toEqual(new Set(teams.payments));

    const first = lead.getByTestId('alert-row').first();
    const alertId = await first.getAttribute('data-alert-id');
    await first.getByRole('checkbox').check();
    await lead.getByTestId('suppress-alerts').click();
    await lead.getByTestId('suppress-reason').fill('Ledger key rotation is planned for Friday');
    await lead.getByTestId('suppress-until').fill('2099-01-31');
    await lead.getByTestId('suppress-confirm').click();
    await expect.poll(() => lead.locator(`[data-alert-id="${alertId}"]`).count()).toBe(0);

    for (const address of [`/inventory/${teams.searchNhiId}`, `/alerts/${teams.searchAlertId}`]) {
      const response = await lead.goto(address);
      expect(response?.status(), address).toBe(404);
      await lead.getByTestId('not-found').waitFor();
    }
    expect(cspViolations).toEqual([]);
    expect(hub.stdout()).not.toContain('"level":"error"');
  });
});
