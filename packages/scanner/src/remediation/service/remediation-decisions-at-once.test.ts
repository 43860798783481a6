import { describeEachDatabase, type NewTestDatabase } from '@nhi/platform/testing';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { expect, it } from 'vitest';
import { deployKeyId, setupRemediation, spareKeyId } from '../testing/remediation-test-setup.ts';

const notWaiting = /^The action is (running|succeeded|failed|rejected), not waiting for approval$/;

/** What the hub answers a refused call: its HTTP status and message. */
function refusal(error: unknown): { status: number; message: string } {
  const cause = error instanceof TRPCError ? error : (error as Error).cause;
  if (!(cause instanceof TRPCError)) throw error;
  return { status: getHTTPStatusCodeFromError(cause), message: cause.message };
}

/**
 * The realm asks for approval; Ana (admin) asked to deactivate key …WXYZ of ci-deploy and it waits.
 * Bea and Cid, two more administrators, each call the hub in a request of their own.
 */
async function setup(newDatabase: NewTestDatabase) {
  const t = await setupRemediation(newDatabase, { approval: true });
  const cid = await t.member('cid@example.com', 'hub', 'admin');
  const asAna = await t.callerOf(t.ana);
  const waiting = await asAna.scanner.remediation.request.mutate({
    nhiId: t.nhiId,
    action: 'aws.access_key.deactivate',
    credentialId: t.deployKey,
  });
  const asBea = await t.callerOf(t.bea);
  const asCid = await t.callerOf(cid);
  const updateCalls = () => t.iam.requests.filter((action) => action === 'UpdateAccessKey').length;
  return { ...t, cid, asAna, asBea, asCid, waiting, updateCalls };
}

describeEachDatabase('two members deciding one remediation at the same moment', (_kind, newDatabase) => {
  it('runs the action once when two members approve it at once, and refuses the other with a conflict', async () => {
    const t = await setup(newDatabase);

    const outcomes = await Promise.allSettled([
      t.asBea.scanner.remediation.approve.mutate({ id: t.waiting.id }),
      t.asCid.scanner.remediation.approve.mutate({ id: t.waiting.id }),
    ]);

    const approved = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    const refused = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
    expect(approved).toHaveLength(1);
    expect(approved[0]).toMatchObject({ state: 'succeeded', error: null });
    expect(refused.map(refusal)).toEqual([{ status: 409, message: expect.stringMatching(notWaiting) }]);
    expect(t.updateCalls()).toBe(1);
    expect(t.keysAtAws()).toEqual([`${deployKeyId} Inactive`, `${spareKeyId} Active`]);
    expect((await t.auditRows()).map((row) => row.action)).toEqual([
      'remediation.request',
      'remediation.approve',
      'remediation.succeeded',
    ]);
    const final = await (await t.remediationOf(t.ana)).get(t.waiting.id);
    expect(final).toMatchObject({ state: 'succeeded', decidedById: approved[0]?.decidedById });
    expect([t.bea.id, t.cid.id]).toContain(final.decidedById);
    expect(await t.credentialStatus(t.deployKey)).toEqual({ status: 'inactive' });
  });

  it('lets exactly one of an approval and a rejection sent at once decide, and calls AWS at most once', async () => {
    const t = await setup(newDatabase);
    // A second waiting action, on the spare key, so that each order of the two calls is tried.
    const spare = await t.asAna.scanner.remediation.request.mutate({
      nhiId: t.nhiId,
      action: 'aws.access_key.deactivate',
      credentialId: t.spareKey,
    });
    const reason = 'the nightly backup still uses it';

    const races = [
      await Promise.allSettled([
        t.asBea.scanner.remediation.approve.mutate({ id: t.waiting.id }),
        t.asCid.scanner.remediation.reject.mutate({ id: t.waiting.id, reason }),
      ]),
      await Promise.allSettled([
        t.asCid.scanner.remediation.reject.mutate({ id: spare.id, reason }),
        t.asBea.scanner.remediation.approve.mutate({ id: spare.id }),
      ]),
    ];

    const asAna = await t.remediationOf(t.ana);
    const audit = (await t.auditRows()).map((row) => row.action);
    let approvals = 0;
    for (const [index, outcomes] of races.entries()) {
      const id = index === 0 ? t.waiting.id : spare.id;
      const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
      const refused = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
      expect(won).toHaveLength(1);
      expect(refused.map(refusal)).toEqual([{ status: 409, message: expect.stringMatching(notWaiting) }]);
      const final = await asAna.get(id);
      // The rejection won: nothing ran. The approval won: the action ran and the rejection was refused.
      expect(['rejected', 'succeeded']).toContain(final.state);
      if (final.state === 'succeeded') approvals += 1;
      else expect(final.reason).toBe(reason);
    }
    expect(t.updateCalls()).toBe(approvals);
    expect(audit.filter((action) => action === 'remediation.approve')).toHaveLength(approvals);
    expect(audit.filter((action) => action === 'remediation.reject')).toHaveLength(2 - approvals);
  });
});
