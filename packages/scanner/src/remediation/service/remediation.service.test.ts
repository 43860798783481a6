import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { exposedRuns } from '../../testing/secret-exposure.ts';
import { deployKeyId, setupRemediation, sourceKey, spareKeyId } from '../testing/remediation-test-setup.ts';
import { interruptedError } from './remediation.service.ts';

const codeOf = (error: unknown) => (error as { code?: string }).code;

describeEachDatabase('remediation of an AWS user', (_kind, newDatabase) => {
  it('offers deactivation and deletion of each key and removal of the console password', async () => {
    const t = await setupRemediation(newDatabase);

    const available = await (await t.remediationOf()).available(t.nhiId);

    expect(available.settings).toEqual({ enabled: true, approval: false });
    expect(available.source).toEqual({ id: t.source.id, name: 'prod account', allowsRemediation: true });
    expect(available.actions.map((a) => [a.action, a.targetLabel, a.available])).toEqual([
      ['aws.access_key.deactivate', 'AKIA…WXYZ', true],
      ['aws.access_key.deactivate', 'AKIA…ABCD', true],
      ['aws.access_key.delete', 'AKIA…WXYZ', true],
      ['aws.access_key.delete', 'AKIA…ABCD', true],
      ['aws.login_profile.delete', 'console password', true],
    ]);
  });

  it('says in the dry run what changes and what may break, and changes nothing', async () => {
    const t = await setupRemediation(newDatabase);
    const remediation = await t.remediationOf();

    const plan = await remediation.plan({
      nhiId: t.nhiId,
      action: 'aws.access_key.deactivate',
      credentialId: t.deployKey,
    });

    expect(plan).toMatchObject({
      summary: 'Access key AKIA…WXYZ of user ci-deploy becomes Inactive',
      lastUse: { at: '2026-11-20T08:00:00.000Z', service: 's3', region: 'eu-west-1' },
      otherCredentials: ['AKIA…ABCD (Active, created 2024-05-02)'],
      risks: ['Software still using AKIA…WXYZ must switch to AKIA…ABCD first'],
      source: { id: t.source.id, name: 'prod account' },
      needsApproval: false,
    });
    expect(t.iam.requests).not.toContain('UpdateAccessKey');
    expect(await remediation.list({ nhiId: t.nhiId })).toEqual([]);
    expect(await t.credentialStatus(t.deployKey)).toEqual({ status: 'active' });
  });

  it('warns in the dry run of a deletion that it cannot be undone', async () => {
    const t = await setupRemediation(newDatabase);

    const plan = await (await t.remediationOf()).plan({
      nhiId: t.nhiId,
      action: 'aws.access_key.delete',
      credentialId: t.spareKey,
    });

    expect(plan.summary).toBe('Access key AKIA…ABCD of user ci-deploy is deleted');
    expect(plan.lastUse).toEqual({ at: null, service: null, region: null });
    expect(plan.risks).toContain(
      'Deleting cannot be undone; a deactivated key can be activated again if something breaks',
    );
  });

  it('says in the dry run of the console password removal that keys are not affected', async () => {
    const t = await setupRemediation(newDatabase);

    const plan = await (await t.remediationOf()).plan({ nhiId: t.nhiId, action: 'aws.login_profile.delete' });

    expect(plan.summary).toBe(
      'The console password of user ci-deploy is removed: nobody signs in to the AWS console as ci-deploy any more',
    );
    expect(plan.risks).toEqual([
      'The password has never been used',
      'Access keys are not affected; a new password can be set later with CreateLoginProfile',
    ]);
    expect(plan.otherCredentials).toEqual(['AKIA…WXYZ (active)', 'AKIA…ABCD (active)']);
  });

  it('refuses while the realm has remediation off, and says so on the identity', async () => {
    const t = await setupRemediation(newDatabase, { realm: false });
    const remediation = await t.remediationOf();

    const refused = await remediation
      .request({ nhiId: t.nhiId, action: 'aws.access_key.deactivate', credentialId: t.deployKey })
      .catch((error: unknown) => error);
    const available = await remediation.available(t.nhiId);

    expect(codeOf(refused)).toBe('FORBIDDEN');
    expect((refused as Error).message).toMatch(/^Remediation is off in this realm/);
    expect(available.actions.every((a) => !a.available && a.reason?.startsWith('Remediation is off'))).toBe(
      true,
    );
    expect(t.iam.requests).not.toContain('UpdateAccessKey');
  });

  it('refuses while the source has remediation off', async () => {
    const t = await setupRemediation(newDatabase, { source: false });

    const refused = await (await t.remediationOf())
      .plan({ nhiId: t.nhiId, action: 'aws.access_key.deactivate', credentialId: t.deployKey })
      .catch((error: unknown) => error);

    expect(codeOf(refused)).toBe('FORBIDDEN');
    expect((refused as Error).message).toBe(
      'The source “prod account” does not allow remediation: turn it on in the source’s settings',
    );
  });

  it('deactivates the key at AWS, records it, and a re-scan shows it Inactive', async () => {
    const t = await setupRemediation(newDatabase);

    const done = await (await t.remediationOf()).request({
      nhiId: t.nhiId,
      action: 'aws.access_key.deactivate',
      credentialId: t.deployKey,
    });

    expect(done).toMatchObject({
      state: 'succeeded',
      target: { userName: 'ci-deploy', hint: 'AKIA…WXYZ' },
      providerResponse: { httpStatus: 200, result: 'AKIA…WXYZ is Inactive' },
      error: null,
    });
    expect(done.providerResponse?.requestId).toMatch(/^r-\d+$/);
    expect(await t.credentialStatus(t.deployKey)).toEqual({ status: 'inactive' });
    expect((await t.auditRows()).map((row) => row.action)).toEqual([
      'remediation.request',
      'remediation.succeeded',
    ]);
    expect(t.keysAtAws()).toEqual([`${deployKeyId} Inactive`, `${spareKeyId} Active`]);
    expect(done.scanId).not.toBeNull();
    const rescan = await t.finished(t.scanner, done.scanId as string);
    expect(rescan.state).toBe('succeeded');
    expect(await t.credentialStatus(t.deployKey)).toEqual({ status: 'inactive' });
    expect(await t.credentialStatus(t.spareKey)).toEqual({ status: 'active' });
  });

  it('deletes the key at AWS, and a re-scan no longer finds it', async () => {
    const t = await setupRemediation(newDatabase);

    const done = await (await t.remediationOf()).request({
      nhiId: t.nhiId,
      action: 'aws.access_key.delete',
      credentialId: t.deployKey,
    });
    await t.finished(t.scanner, done.scanId as string);

    expect(done.state).toBe('succeeded');
    expect(t.keysAtAws()).toEqual([`${spareKeyId} Active`]);
    expect(await t.credentialStatus(t.deployKey)).toEqual({ status: 'revoked' });
    const available = await (await t.remediationOf()).available(t.nhiId);
    expect(available.actions.map((a) => a.targetLabel)).not.toContain('AKIA…WXYZ');
  });

  it('removes the console password, and a re-scan shows the user without one', async () => {
    const t = await setupRemediation(newDatabase);

    const done = await (await t.remediationOf()).request({
      nhiId: t.nhiId,
      action: 'aws.login_profile.delete',
    });
    await t.finished(t.scanner, done.scanId as string);

    expect(done.state).toBe('succeeded');
    const available = await (await t.remediationOf()).available(t.nhiId);
    expect(available.actions.map((a) => a.action)).not.toContain('aws.login_profile.delete');
  });

  it('leaves the action failed with AWS’s error and the inventory unchanged when AWS refuses', async () => {
    const t = await setupRemediation(newDatabase, { denied: ['UpdateAccessKey'] });

    const done = await (await t.remediationOf()).request({
      nhiId: t.nhiId,
      action: 'aws.access_key.deactivate',
      credentialId: t.deployKey,
    });

    expect(done.state).toBe('failed');
    expect(done.error).toMatch(
      /^AWS answered AccessDenied: User: .* is not authorized to perform: iam:UpdateAccessKey/,
    );
    expect(done.providerResponse).toBeNull();
    expect(done.scanId).toBeNull();
    expect(await t.credentialStatus(t.deployKey)).toEqual({ status: 'active' });
    expect(t.keysAtAws()).toEqual([`${deployKeyId} Active`, `${spareKeyId} Active`]);
    expect((await t.auditRows()).map((row) => row.action)).toEqual(['remediation.request']);
    expect(await t.scanner.listScans()).toHaveLength(1);
  });

  it('refuses a second request of the same action on the same key while one waits', async () => {
    const t = await setupRemediation(newDatabase, { approval: true });
    const remediation = await t.remediationOf();
    const input = { nhiId: t.nhiId, action: 'aws.access_key.deactivate' as const, credentialId: t.deployKey };
    await remediation.request(input);

    const again = await remediation.request(input).catch((error: unknown) => error);

    expect(codeOf(again)).toBe('CONFLICT');
    expect((again as Error).message).toBe('The same action on the same target is waiting for approval');
  });

  it('takes two requests of the same action sent at once as one, and refuses the other', async () => {
    const t = await setupRemediation(newDatabase, { approval: true });
    const input = { nhiId: t.nhiId, action: 'aws.access_key.deactivate' as const, credentialId: t.deployKey };
    const [first, second] = [await t.remediationOf(t.ana), await t.remediationOf(t.ana)];

    const outcomes = await Promise.allSettled([first.request(input), second.request(input)]);

    const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    expect(refused.map((outcome) => codeOf(outcome.reason))).toEqual(['CONFLICT']);
    expect(await t.db.transaction((tx) => tx.remediationAction.count())).toBe(1);
  });

  it('runs an action approved twice at once only once', async () => {
    const t = await setupRemediation(newDatabase, { approval: true });
    const waiting = await (await t.remediationOf(t.ana)).request({
      nhiId: t.nhiId,
      action: 'aws.access_key.deactivate',
      credentialId: t.deployKey,
    });
    const [first, second] = [await t.remediationOf(t.bea), await t.remediationOf(t.bea)];

    const outcomes = await Promise.allSettled([first.approve(waiting.id), second.approve(waiting.id)]);

    const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    expect(refused.map((outcome) => codeOf(outcome.reason))).toEqual(['CONFLICT']);
    expect(t.iam.requests.filter((action) => action === 'UpdateAccessKey')).toHaveLength(1);
    expect(await t.credentialStatus(t.deployKey)).toEqual({ status: 'inactive' });
  });

  it('marks a run the hub left unfinished as interrupted, and lets the action be asked again', async () => {
    const t = await setupRemediation(newDatabase);
    const input = { nhiId: t.nhiId, action: 'aws.access_key.deactivate' as const, credentialId: t.deployKey };
    const startedAt = new Date(t.clock.now().getTime() - 10 * 60_000);
    const cutShort = await t.db.transaction((tx) =>
      tx.remediationAction.create({
        data: { ...input, sourceId: t.source.id, state: 'running', startedAt, createdAt: startedAt },
        select: { id: true },
      }),
    );

    const again = await (await t.remediationOf()).request(input);

    expect(again.state).toBe('succeeded');
    const before = await t.db.transaction((tx) =>
      tx.remediationAction.findUniqueOrThrow({
        where: { id: cutShort.id },
        select: { state: true, error: true },
      }),
    );
    expect(before).toEqual({ state: 'failed', error: interruptedError });
  });

  it('still refuses a second request while a recent run is going on', async () => {
    const t = await setupRemediation(newDatabase);
    const input = { nhiId: t.nhiId, action: 'aws.access_key.deactivate' as const, credentialId: t.deployKey };
    await t.db.transaction((tx) =>
      tx.remediationAction.create({
        data: { ...input, sourceId: t.source.id, state: 'running', startedAt: t.clock.now() },
        select: { id: true },
      }),
    );

    const again = await (await t.remediationOf()).request(input).catch((error: unknown) => error);

    expect(codeOf(again)).toBe('CONFLICT');
    expect((again as Error).message).toBe('The same action on the same target is running');
  });

  it('waits for approval, refuses the requester’s own, and runs once another member approves', async () => {
    const t = await setupRemediation(newDatabase, { approval: true });
    const asAna = await t.remediationOf(t.ana);
    const asBea = await t.remediationOf(t.bea);

    const waiting = await asAna.request({
      nhiId: t.nhiId,
      action: 'aws.access_key.deactivate',
      credentialId: t.deployKey,
    });
    const own = await asAna.approve(waiting.id).catch((error: unknown) => error);
    const pending = await asBea.list({ state: 'awaiting_approval' });
    const approved = await asBea.approve(waiting.id);

    expect(waiting).toMatchObject({ state: 'awaiting_approval', requestedById: t.ana.id, canDecide: false });
    expect(waiting.plan.summary).toBe('Access key AKIA…WXYZ of user ci-deploy becomes Inactive');
    expect(codeOf(own)).toBe('FORBIDDEN');
    expect(pending).toEqual([expect.objectContaining({ id: waiting.id, canDecide: true })]);
    expect(approved).toMatchObject({ state: 'succeeded', decidedById: t.bea.id });
    expect(await t.credentialStatus(t.deployKey)).toEqual({ status: 'inactive' });
  });

  it('rejects a waiting action with a reason, and it no longer runs', async () => {
    const t = await setupRemediation(newDatabase, { approval: true });
    const waiting = await (await t.remediationOf(t.ana)).request({
      nhiId: t.nhiId,
      action: 'aws.access_key.delete',
      credentialId: t.deployKey,
    });
    const asBea = await t.remediationOf(t.bea);

    const rejected = await asBea.reject({ id: waiting.id, reason: 'the nightly backup still uses it' });
    const late = await asBea.approve(waiting.id).catch((error: unknown) => error);

    expect(rejected).toMatchObject({ state: 'rejected', reason: 'the nightly backup still uses it' });
    expect(codeOf(late)).toBe('CONFLICT');
    expect(t.iam.requests).not.toContain('DeleteAccessKey');
    expect(await t.credentialStatus(t.deployKey)).toEqual({ status: 'active' });
  });

  it('keeps the source’s secret out of the dry run, the answer, the audit trail and the stored action', async () => {
    const t = await setupRemediation(newDatabase);
    const remediation = await t.remediationOf();
    const input = { nhiId: t.nhiId, action: 'aws.access_key.deactivate' as const, credentialId: t.deployKey };

    const plan = await remediation.plan(input);
    const done = await remediation.request(input);
    const stored = await t.db.transaction((tx) => tx.remediationAction.findMany());

    for (const output of [plan, done, await t.auditRows(), stored, await remediation.list({})]) {
      expect(exposedRuns(output, sourceKey.secretAccessKey)).toEqual([]);
      // The answers show the key by its hint; the full id stays with the stored target alone.
      expect(JSON.stringify(output === stored ? [] : output)).not.toContain(deployKeyId);
    }
    expect(t.iam.forms.every((form) => !form.toString().includes(sourceKey.secretAccessKey))).toBe(true);
  });
});
