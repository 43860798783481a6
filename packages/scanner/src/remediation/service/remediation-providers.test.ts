import { createLogger, LOGGER, openRequestScope, RealmDb } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it, onTestFinished } from 'vitest';
import { startFakeGitHub } from '../../testing/fake-github-server.ts';
import { setupScanner } from '../../testing/scanner-test-setup.ts';
import { exposedRuns } from '../../testing/secret-exposure.ts';
import { setupRemediation, sourceKey } from '../testing/remediation-test-setup.ts';
import { RemediationService } from './remediation.service.ts';

const token = 'ghp_Xq7vLm2Zr9TkW4pNa8YdE3sHc6Ju1BfG0oRi';

describeEachDatabase('remediation at GitHub and Kubernetes', (_kind, newDatabase) => {
  /** Organisation acme: repository api with write deploy key 42, and app ci-bot on every repository. */
  async function setup() {
    const hub = await setupScanner(newDatabase);
    const github = await startFakeGitHub({
      token,
      org: 'acme',
      installations: [
        {
          id: 7,
          app_id: 70,
          app_slug: 'ci-bot',
          account: { login: 'acme' },
          permissions: { contents: 'write' },
          repository_selection: 'all',
          created_at: '2024-01-01T00:00:00Z',
        },
      ],
      repositories: {
        api: [
          {
            id: 42,
            key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDeployKeyOfApi',
            title: 'release pipeline',
            read_only: false,
            created_at: '2024-01-01T00:00:00Z',
            last_used: '2026-10-01T00:00:00Z',
          },
        ],
      },
    });
    onTestFinished(() => github.close());
    const scanner = await hub.scannerOf();
    const source = await scanner.createSource({
      type: 'github',
      name: 'acme org',
      settings: { organization: 'acme', baseUrl: github.baseUrl, remediation: true },
      secrets: { token },
    });
    await hub.finished(scanner, (await scanner.startScan({ sourceId: source.id, input: 'github.live' })).id);
    const db = new RealmDb(hub.db, hub.hubRealm.id);
    const idOf = (name: string) =>
      db.transaction(
        async (tx) => (await tx.nhi.findFirstOrThrow({ where: { name }, select: { id: true } })).id,
      );
    const remediation = await remediationAs(hub);
    await remediation.configure({ enabled: true, approval: false });
    return { ...hub, github, scanner, source, db, idOf, remediation };
  }

  it('deletes a deploy key at GitHub, and a re-scan no longer finds it', async () => {
    const t = await setup();
    const nhiId = await t.idOf('acme/api: release pipeline');

    const plan = await t.remediation.plan({
      nhiId,
      action: 'github.deploy_key.delete',
      credentialId: (await t.remediation.available(nhiId)).actions[0]?.credentialId ?? undefined,
    });
    const done = await t.remediation.request({
      nhiId,
      action: 'github.deploy_key.delete',
      credentialId: plan.credentialId ?? undefined,
    });
    const rescan = await t.finished(t.scanner, done.scanId as string);

    expect(plan.summary).toBe('Deploy key 42 (acme/api: release pipeline) is removed from acme/api');
    expect(plan.risks[0]).toBe(
      'Deployments and jobs that clone or push acme/api with this key fail (last used 2026-10-01)',
    );
    expect(done).toMatchObject({ state: 'succeeded', providerResponse: { httpStatus: 204 } });
    expect(t.github.requests).toContain('DELETE /repos/acme/api/keys/42');
    expect(rescan).toMatchObject({ state: 'succeeded', counts: { missing: 1 } });
    const credential = await t.db.transaction((tx) =>
      tx.credential.findFirstOrThrow({ where: { nhiId }, select: { status: true } }),
    );
    expect(credential.status).toBe('revoked');
    expect(exposedRuns([plan, done], token)).toEqual([]);
  });

  it('leaves the action failed with GitHub’s 404 when the key is already gone', async () => {
    const t = await setup();
    const nhiId = await t.idOf('acme/api: release pipeline');
    const credentialId = (await t.remediation.available(nhiId)).actions[0]?.credentialId ?? undefined;
    await fetch(`${t.github.baseUrl}/repos/acme/api/keys/42`, {
      method: 'DELETE',
      headers: { authorization: `token ${token}` },
    });

    const done = await t.remediation.request({ nhiId, action: 'github.deploy_key.delete', credentialId });

    expect(done.state).toBe('failed');
    expect(done.error).toMatch(/^GitHub answered 404: Not Found/);
    const credential = await t.db.transaction((tx) =>
      tx.credential.findFirstOrThrow({ where: { nhiId }, select: { status: true } }),
    );
    expect(credential.status).toBe('active');
  });

  it('says why an app installation’s repositories are not changed from here', async () => {
    const t = await setup();

    const available = await t.remediation.available(await t.idOf('ci-bot'));

    expect(available.actions).toEqual([
      expect.objectContaining({
        action: 'github.installation.repository_remove',
        available: false,
        reason: expect.stringMatching(
          /^ci-bot is installed on all repositories of acme: .* organisation owner/,
        ),
      }),
    ]);
  });

  it('says a Kubernetes token Secret needs a live cluster connection', async () => {
    const hub = await setupScanner(newDatabase);
    const scanner = await hub.scannerOf();
    const source = await scanner.createSource({
      type: 'kubernetes',
      name: 'prod cluster',
      settings: { cluster: 'prod', remediation: true },
    });
    const manifest = [
      'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: builder\n  namespace: ci',
      'apiVersion: v1\nkind: Secret\ntype: kubernetes.io/service-account-token\nmetadata:\n  name: builder-token\n  namespace: ci\n  annotations:\n    kubernetes.io/service-account.name: builder',
    ].join('\n---\n');
    await hub.finished(
      scanner,
      (
        await scanner.startScan({
          sourceId: source.id,
          input: 'k8s.manifests',
          upload: { name: 'ci.yaml', contentBase64: Buffer.from(manifest).toString('base64') },
        })
      ).id,
    );
    const remediation = await remediationAs(hub);
    await remediation.configure({ enabled: true, approval: false });
    const nhiId = await new RealmDb(hub.db, hub.hubRealm.id).transaction(
      async (tx) =>
        (await tx.nhi.findFirstOrThrow({ where: { name: 'ci/builder' }, select: { id: true } })).id,
    );

    const available = await remediation.available(nhiId);

    expect(available.actions).toEqual([
      expect.objectContaining({
        action: 'kubernetes.token_secret.delete',
        targetLabel: 'secret/builder-token',
        available: false,
        reason: expect.stringMatching(/^Needs a live cluster connection/),
      }),
    ]);
  });

  it('logs nothing of the source’s secret while it deactivates a key', async () => {
    const t = await setupRemediation(newDatabase);
    const lines: string[] = [];
    t.root.register(LOGGER, {
      useValue: createLogger({ level: 'trace', destination: { write: (line: string) => lines.push(line) } }),
    });

    const done = await (await t.remediationOf()).request({
      nhiId: t.nhiId,
      action: 'aws.access_key.deactivate',
      credentialId: t.deployKey,
    });
    await t.finished(t.scanner, done.scanId as string);

    expect(done.state).toBe('succeeded');
    expect(exposedRuns(lines.join('\n'), sourceKey.secretAccessKey)).toEqual([]);
  });
});

async function remediationAs(hub: Awaited<ReturnType<typeof setupScanner>>) {
  const scope = await openRequestScope(hub.root, {
    context: {
      requestId: 'req-ana',
      realm: hub.hubRealm,
      principal: { kind: 'user', userId: hub.ana.id, email: hub.ana.email, sessionId: 'test' },
      clock: hub.clock,
    },
    credential: 'bearer',
  });
  return scope.container.resolve(RemediationService);
}
