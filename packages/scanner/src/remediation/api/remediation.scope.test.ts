import { describeEachDatabase, registerScopedMembers } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { setupRemediation } from '../testing/remediation-test-setup.ts';

const codeOf = (error: unknown) =>
  (error as { data?: { code?: string } }).data?.code ?? (error as { code?: string }).code;

describeEachDatabase('remediation procedures for members scoped to a team', (_kind, newDatabase) => {
  /** Sam may remediate the Payments team's identities; ci-deploy belongs to no team until moved there. */
  async function setup() {
    const t = await setupRemediation(newDatabase, { approval: true });
    const payments = await t.db.transaction((tx) =>
      tx.policyGroup.create({ data: { name: 'Payments' }, select: { id: true } }),
    );
    const sam = await t.member('sam@example.com', 'hub', 'viewer');
    registerScopedMembers(t.root, [
      { userId: sam.id, permissions: ['realm:read', 'nhi:read', 'nhi:remediate'], groupIds: [payments.id] },
    ]);
    const moveToPayments = () =>
      t.db.transaction((tx) =>
        tx.nhi.update({ where: { id: t.nhiId }, data: { ownerGroupId: payments.id }, select: { id: true } }),
      );
    return {
      ...t,
      asSam: await t.callerOf(sam),
      asAna: await t.callerOf(t.ana),
      asVic: await t.callerOf(t.vic),
      moveToPayments,
    };
  }

  it('answers NOT_FOUND for an identity outside the member’s team, and lists none of its actions', async () => {
    const t = await setup();
    const waiting = await t.asAna.scanner.remediation.request.mutate({
      nhiId: t.nhiId,
      action: 'aws.access_key.deactivate',
      credentialId: t.deployKey,
    });

    const refused = await Promise.all([
      t.asSam.scanner.remediation.available.query({ nhiId: t.nhiId }).catch((e: unknown) => e),
      t.asSam.scanner.remediation.plan
        .mutate({ nhiId: t.nhiId, action: 'aws.access_key.delete', credentialId: t.deployKey })
        .catch((e: unknown) => e),
      t.asSam.scanner.remediation.approve.mutate({ id: waiting.id }).catch((e: unknown) => e),
    ]);

    expect(refused.map(codeOf)).toEqual(['NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND']);
    expect(await t.asSam.scanner.remediation.list.query({})).toEqual([]);
    expect(t.iam.requests).not.toContain('UpdateAccessKey');
  });

  it('lets the member approve an action on the team’s identity', async () => {
    const t = await setup();
    await t.moveToPayments();
    const waiting = await t.asAna.scanner.remediation.request.mutate({
      nhiId: t.nhiId,
      action: 'aws.access_key.deactivate',
      credentialId: t.deployKey,
    });

    const approved = await t.asSam.scanner.remediation.approve.mutate({ id: waiting.id });

    expect(approved.state).toBe('succeeded');
    expect(await t.credentialStatus(t.deployKey)).toEqual({ status: 'inactive' });
  });

  it('refuses remediation to a viewer and the realm settings to anyone but an administrator', async () => {
    const t = await setup();

    const available = await t.asVic.scanner.remediation.available
      .query({ nhiId: t.nhiId })
      .catch((e: unknown) => e);
    const configure = await t.asSam.scanner.remediation.configure
      .mutate({ enabled: false, approval: false })
      .catch((e: unknown) => e);
    const settings = await t.asVic.scanner.remediation.settings.query();

    expect([codeOf(available), codeOf(configure)]).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    expect(settings).toEqual({ enabled: true, approval: true });
  });

  it('answers a clear error for a request that names no known action', async () => {
    const t = await setup();

    const refused = await t.asAna.scanner.remediation.plan
      .mutate({ nhiId: t.nhiId, action: 'aws.user.delete' as never })
      .catch((e: unknown) => e);

    expect(codeOf(refused)).toBe('BAD_REQUEST');
  });
});
