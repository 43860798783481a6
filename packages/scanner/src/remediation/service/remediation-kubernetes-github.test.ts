import { createLogger, LOGGER, openRequestScope, RealmDb } from '@nhi/platform';
import { describeEachDatabase, type NewTestDatabase } from '@nhi/platform/testing';
import { beforeAll, expect, it, onTestFinished } from 'vitest';
import type { K8sObject } from '../../connectors/k8s/k8s-objects.ts';
import { type InstallationRepository, startFakeGitHub } from '../../testing/fake-github-server.ts';
import {
  type FakeKubeCluster,
  makeTestPki,
  startFakeKubeApiServer,
  type TestPki,
} from '../../testing/fake-kube-apiserver.ts';
import { uidOf } from '../../testing/fake-kube-namespaced.ts';
import { setupScanner } from '../../testing/scanner-test-setup.ts';
import { exposedRuns } from '../../testing/secret-exposure.ts';
import '../api/remediation.permissions.ts';
import { RemediationService } from './remediation.service.ts';

const bearer = 'Tq4Wm8Zr2Xv6Np1Ls9Kd7Hb3Yc5';
const saToken = 'eyJhbGciOiJSUzI1NiJ9.Hb3Vq7Lx2Mz9Wp4Rt6Yc.Kd8Fs1Gj5Nu0';
const githubToken = 'ghp_Rt5Wq8Zm2Xv7Lp4Nc9Yd3Hs6Jb1Kf0GuEa';

let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});

const codeOf = (error: unknown) => (error as { code?: string }).code;

type Hub = Awaited<ReturnType<typeof setupScanner>>;

async function remediationAs(hub: Hub, member: { id: string; email: string }) {
  const scope = await openRequestScope(hub.root, {
    context: {
      requestId: `req-${member.email}`,
      realm: hub.hubRealm,
      principal: { kind: 'user', userId: member.id, email: member.email, sessionId: 'test' },
      clock: hub.clock,
    },
    credential: 'bearer',
  });
  return scope.container.resolve(RemediationService);
}

/**
 * A hub whose realm allows remediation (with a second member's approval when asked), Bea a second
 * admin, and what the realm stores: action rows, audit rows and every log line, to search for secrets.
 */
async function remediatingHub(newDatabase: NewTestDatabase, approval: boolean) {
  const hub = await setupScanner(newDatabase);
  const lines: string[] = [];
  hub.root.register(LOGGER, {
    useValue: createLogger({ level: 'trace', destination: { write: (line: string) => lines.push(line) } }),
  });
  const bea = await hub.member('bea@example.com', 'hub', 'admin');
  const scanner = await hub.scannerOf();
  const db = new RealmDb(hub.db, hub.hubRealm.id);
  await (await remediationAs(hub, hub.ana)).configure({ enabled: true, approval });
  const idOf = (name: string) =>
    db.transaction(
      async (tx) => (await tx.nhi.findFirstOrThrow({ where: { name }, select: { id: true } })).id,
    );
  const stored = () =>
    db.transaction(async (tx) => ({
      actions: await tx.remediationAction.findMany(),
      audit: await tx.auditLog.findMany({ where: { entityType: 'RemediationAction' } }),
      logs: lines.join('\n'),
    }));
  const succeededAudits = async () =>
    (await stored()).audit.filter((row) => row.action === 'remediation.succeeded').length;
  return {
    ...hub,
    scanner,
    db,
    /** Ana requests, Bea approves: their scopes are opened once the identities exist. */
    remediators: async () => ({
      asAna: await remediationAs(hub, hub.ana),
      asBea: await remediationAs(hub, bea),
    }),
    idOf,
    stored,
    succeededAudits,
  };
}

describeEachDatabase('deleting a legacy Kubernetes token Secret', (_kind, newDatabase) => {
  const tokenSecret = (name: string, created: string): K8sObject => ({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/service-account-token',
    metadata: {
      name,
      namespace: 'ci',
      creationTimestamp: created,
      annotations: { 'kubernetes.io/service-account.name': 'deployer' },
      labels: { 'kubernetes.io/legacy-token-last-used': '2026-11-02' },
    },
    data: { token: Buffer.from(saToken).toString('base64') },
  });
  const pod = (name: string, namespace: string, spec: Record<string, unknown>): K8sObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace },
    spec: { containers: [{ name: 'main', image: 'busybox' }], ...spec },
  });

  /**
   * Cluster prod's ci/deployer with token Secrets deployer-token and deployer-old; pod web-1 mounts
   * deployer-token, pod job-1 reads it into its environment, pod api-1 of namespace apps has its own
   * Secret of that name. A live source of the cluster, scanned once.
   */
  async function setup(options: { approval?: boolean; cannotDelete?: string[] } = {}) {
    const t = await remediatingHub(newDatabase, options.approval ?? false);
    const objects: K8sObject[] = [
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'deployer', namespace: 'ci' } },
      tokenSecret('deployer-old', '2023-06-01T00:00:00Z'),
      tokenSecret('deployer-token', '2024-01-03T00:00:00Z'),
      pod('web-1', 'ci', {
        volumes: [{ name: 'kube-token', secret: { secretName: 'deployer-token' } }],
      }),
      pod('job-1', 'ci', {
        containers: [{ name: 'job', image: 'busybox', envFrom: [{ secretRef: { name: 'deployer-token' } }] }],
      }),
      pod('api-1', 'apps', { volumes: [{ name: 'token', secret: { secretName: 'deployer-token' } }] }),
    ];
    const cluster: FakeKubeCluster = { pki, token: bearer, objects, cannotDelete: options.cannotDelete };
    const api = await startFakeKubeApiServer(cluster);
    onTestFinished(() => api.close());
    const source = await t.scanner.createSource({
      type: 'kubernetes',
      name: 'prod cluster',
      settings: { cluster: 'prod', server: api.server, remediation: true },
      secrets: { token: bearer, caCert: pki.caPem },
    });
    await t.finished(t.scanner, (await t.scanner.startScan({ sourceId: source.id, input: 'k8s.live' })).id);
    const nhiId = await t.idOf('ci/deployer');
    const credentialOf = (hint: string) =>
      t.db.transaction(
        async (tx) =>
          (await tx.credential.findFirstOrThrow({ where: { nhiId, hint }, select: { id: true } })).id,
      );
    const credentialId = await credentialOf('secret/deployer-token');
    const credentialStatus = () =>
      t.db.transaction(
        async (tx) =>
          (await tx.credential.findUniqueOrThrow({ where: { id: credentialId }, select: { status: true } }))
            .status,
      );
    const secretAtCluster = () =>
      objects.find((object) => object.kind === 'Secret' && object.metadata.name === 'deployer-token');
    const ask = { nhiId, action: 'kubernetes.token_secret.delete' as const, credentialId };
    return {
      ...t,
      ...(await t.remediators()),
      api,
      cluster,
      objects,
      source,
      nhiId,
      credentialId,
      credentialStatus,
      secretAtCluster,
      ask,
    };
  }

  it('is offered for a live cluster, and not for a source of imported files, saying why', async () => {
    const t = await setup();
    const imported = await t.scanner.createSource({
      type: 'kubernetes',
      name: 'staging files',
      settings: { cluster: 'staging', remediation: true },
    });
    const manifest = [
      'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: builder\n  namespace: ci',
      'apiVersion: v1\nkind: Secret\ntype: kubernetes.io/service-account-token\nmetadata:\n  name: builder-token\n  namespace: ci\n  annotations:\n    kubernetes.io/service-account.name: builder',
    ].join('\n---\n');
    const upload = { name: 'ci.yaml', contentBase64: Buffer.from(manifest).toString('base64') };
    await t.finished(
      t.scanner,
      (await t.scanner.startScan({ sourceId: imported.id, input: 'k8s.manifests', upload })).id,
    );

    const live = await t.asAna.available(t.nhiId);
    const files = await t.asAna.available(await t.idOf('ci/builder'));

    expect(live.actions.map((offer) => [offer.targetLabel, offer.available, offer.reason])).toEqual([
      ['secret/deployer-old', true, null],
      ['secret/deployer-token', true, null],
    ]);
    expect(files.actions).toEqual([
      expect.objectContaining({
        targetLabel: 'secret/builder-token',
        available: false,
        reason: expect.stringMatching(/^Needs a live cluster connection: .* no API server/),
      }),
    ]);
  });

  it('plans from the Secrets’ metadata and the namespace’s pods, never reading a token', async () => {
    const t = await setup();
    const before = t.api.requests.length;

    const plan = await t.asAna.plan(t.ask);
    const withRepository = await t.asAna.plan({ ...t.ask, repository: 'acme/api' }).catch((e: unknown) => e);

    const uid = uidOf(t.secretAtCluster() as K8sObject);
    expect(plan.summary).toBe(
      `The token Secret ci/deployer-token of ServiceAccount deployer is deleted (uid ${uid})`,
    );
    expect(plan.lastUse).toEqual({ at: '2026-11-02T00:00:00.000Z', service: 'Kubernetes API', region: null });
    expect(plan.otherCredentials).toEqual(['secret/deployer-old (created 2023-06-01)']);
    expect(plan.risks).toEqual([
      "Clients presenting the Secret's token are refused at once (401): it was last used on 2026-11-02; the API server accepts a legacy token only while its Secret exists",
      'Pod web-1 (volume kube-token); Pod job-1 (environment of container job) take deployer-token: running containers keep what they have, a restarted pod fails to start while it references the Secret',
      'Bound tokens (projected serviceAccountToken volumes, TokenRequest) are not affected; a deleted Secret cannot be restored, only a new token issued',
    ]);
    expect(t.api.requests.slice(before)).toEqual([
      'GET /api/v1/namespaces/ci/secrets?fieldSelector=type%3Dkubernetes.io%2Fservice-account-token',
      'GET /api/v1/namespaces/ci/pods',
    ]);
    expect(t.api.secretDataServed).toEqual([]);
    expect(t.secretAtCluster()).toBeDefined();
    expect([codeOf(withRepository), (withRepository as Error).message]).toEqual([
      'BAD_REQUEST',
      '“Delete legacy token Secret” takes no repository',
    ]);
  });

  it('deletes the Secret with its uid as precondition, revokes the credential and re-scans', async () => {
    const t = await setup();
    const uid = uidOf(t.secretAtCluster() as K8sObject);

    const done = await t.asAna.request(t.ask);
    const rescan = await t.finished(t.scanner, done.scanId as string);

    expect(done).toMatchObject({
      state: 'succeeded',
      target: { namespace: 'ci', name: 'deployer-token', uid },
      providerResponse: {
        httpStatus: 200,
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        result: `Secret ci/deployer-token deleted (uid ${uid})`,
      },
    });
    expect(t.api.requests).toContain('DELETE /api/v1/namespaces/ci/secrets/deployer-token');
    expect(t.secretAtCluster()).toBeUndefined();
    expect(rescan).toMatchObject({ state: 'succeeded' });
    expect(await t.credentialStatus()).toBe('revoked');
    expect(await t.succeededAudits()).toBe(1);
    const stored = await t.stored();
    expect([exposedRuns(stored, saToken), exposedRuns(stored, bearer)]).toEqual([[], []]);
  });

  it.each([
    {
      refusal: '403 when the credentials may not delete Secrets',
      cluster: { cannotDelete: ['secrets'] },
      meanwhile: () => {},
      error:
        /^Kubernetes answered 403 Forbidden: secrets "deployer-token" is forbidden: .* \(the source's credentials need "delete" on secrets in namespace ci\)$/,
    },
    {
      refusal: '404 when the Secret went since the dry run',
      cluster: {},
      meanwhile: (objects: K8sObject[], secret: K8sObject) => objects.splice(objects.indexOf(secret), 1),
      error:
        /^Kubernetes answered 404 NotFound: secrets "deployer-token" not found \(the Secret is already gone/,
    },
    {
      refusal: '409 when a Secret of that name was re-created since the dry run',
      cluster: {},
      meanwhile: (objects: K8sObject[], secret: K8sObject) =>
        objects.splice(objects.indexOf(secret), 1, { ...secret, metadata: { ...secret.metadata } }),
      error:
        /^Kubernetes answered 409 Conflict: .*Precondition failed: UID in precondition: .* \(a Secret of that name was re-created/,
    },
  ])('fails cleanly on $refusal, with nothing recorded as done', async ({ cluster, meanwhile, error }) => {
    const t = await setup({ approval: true, ...cluster });
    const waiting = await t.asAna.request(t.ask);
    meanwhile(t.objects, t.secretAtCluster() as K8sObject);

    const done = await t.asBea.approve(waiting.id);

    expect(done).toMatchObject({ state: 'failed', providerResponse: null, scanId: null });
    expect(done.error).toMatch(error);
    expect(await t.credentialStatus()).toBe('active');
    expect(await t.succeededAudits()).toBe(0);
    expect(exposedRuns(await t.stored(), saToken)).toEqual([]);
  });

  it('says in the dry run which permission is missing when Secrets cannot be listed', async () => {
    const t = await setup();
    t.cluster.forbidden = ['secrets'];

    const refused = await t.asAna.plan(t.ask).catch((e: unknown) => e);

    expect(codeOf(refused)).toBe('CONFLICT');
    expect((refused as Error).message).toMatch(
      /^The dry run failed: Kubernetes answered 403 Forbidden: .* \(the dry run needs "list" on secrets in namespace ci\)$/,
    );
    expect((await t.stored()).actions).toEqual([]);
  });
});

describeEachDatabase('removing a repository from a GitHub App installation', (_kind, newDatabase) => {
  const repository = (id: number, name: string, admin: boolean): InstallationRepository => ({
    id,
    name,
    full_name: `acme/${name}`,
    permissions: { admin, push: true, pull: true },
  });
  const installation = (id: number, slug: string, selection: 'all' | 'selected') => ({
    id,
    app_id: id * 10,
    app_slug: slug,
    account: { login: 'acme' },
    permissions: { contents: 'write' },
    repository_selection: selection,
    created_at: '2024-01-01T00:00:00Z',
  });

  /**
   * Organisation acme: app ci-bot on selected repositories (api, web, docs; the token's user is admin
   * of api and web), app lint-bot on all of them. The source reads with the user's classic token.
   */
  async function setup(options: { approval?: boolean; userToken?: boolean } = {}) {
    const t = await remediatingHub(newDatabase, options.approval ?? false);
    const org = {
      token: githubToken,
      org: 'acme',
      installations: [installation(7, 'ci-bot', 'selected'), installation(8, 'lint-bot', 'all')],
      repositories: { api: [], web: [], docs: [] },
      user:
        options.userToken === false
          ? undefined
          : {
              login: 'octo-admin',
              installations: {
                '7': [
                  repository(101, 'api', true),
                  repository(102, 'web', true),
                  repository(103, 'docs', false),
                ],
              },
            },
    };
    const github = await startFakeGitHub(org);
    onTestFinished(() => github.close());
    const source = await t.scanner.createSource({
      type: 'github',
      name: 'acme org',
      settings: { organization: 'acme', baseUrl: github.baseUrl, remediation: true },
      secrets: { token: githubToken },
    });
    await t.finished(
      t.scanner,
      (await t.scanner.startScan({ sourceId: source.id, input: 'github.live' })).id,
    );
    const ciBot = await t.idOf('ci-bot');
    const ask = (repositoryName?: string) => ({
      nhiId: ciBot,
      action: 'github.installation.repository_remove' as const,
      ...(repositoryName ? { repository: repositoryName } : {}),
    });
    const seenByUser = () => (org.user?.installations['7'] ?? []).map((repo) => repo.full_name);
    return { ...t, ...(await t.remediators()), org, github, ciBot, ask, seenByUser };
  }

  it('is offered for an installation on selected repositories, and says why not otherwise', async () => {
    const t = await setup();
    const exported = await t.scanner.createSource({
      type: 'github',
      name: 'beta export',
      settings: { remediation: true },
    });
    const upload = {
      name: 'beta.json',
      contentBase64: Buffer.from(
        JSON.stringify({ organization: 'beta', installations: [installation(9, 'docs-bot', 'selected')] }),
      ).toString('base64'),
    };
    await t.finished(
      t.scanner,
      (await t.scanner.startScan({ sourceId: exported.id, input: 'github.export', upload })).id,
    );

    const offers = await Promise.all(
      ['ci-bot', 'lint-bot', 'docs-bot'].map(
        async (name) => (await t.asAna.available(await t.idOf(name))).actions,
      ),
    );

    expect(
      offers.map((actions) => actions.map((offer) => [offer.available, offer.takesRepository, offer.reason])),
    ).toEqual([
      [[true, true, null]],
      [
        [
          false,
          true,
          expect.stringMatching(/^lint-bot is installed on all repositories of acme: .* organisation owner/),
        ],
      ],
      [[false, true, expect.stringMatching(/^The source holds no GitHub token/)]],
    ]);
  });

  it('checks with GitHub that the token’s user reaches the installation and administers the repository', async () => {
    const t = await setup();

    const plan = await t.asAna.plan(t.ask('api'));

    expect(plan.summary).toBe(
      'ci-bot loses access to acme/api: the repository is removed from installation 7',
    );
    expect(plan.risks).toEqual([
      'Workflows and integrations that use ci-bot on acme/api fail: checks, deployments and bots of the app stop there',
      'ci-bot keeps acme/web, acme/docs',
      'An organisation owner or a repository admin can add acme/api back to the installation',
    ]);
    expect(t.github.requests).toEqual(
      expect.arrayContaining([
        'GET /user/installations?per_page=100',
        'GET /user/installations/7/repositories?per_page=100',
      ]),
    );
    expect(t.github.requests.some((request) => request.startsWith('DELETE'))).toBe(false);
  });

  it.each([
    {
      case: 'no repository is named',
      repository: undefined,
      code: 'BAD_REQUEST',
      message: /^Name the repository/,
    },
    {
      case: 'the repository is not one the user sees in the installation',
      repository: 'acme/billing',
      code: 'CONFLICT',
      message: /^acme\/billing is not among the repositories of ci-bot's installation/,
    },
    {
      case: 'the user is no admin of the repository',
      repository: 'docs',
      code: 'CONFLICT',
      message: /^The source token’s user has no admin rights on acme\/docs/,
    },
  ])('refuses the dry run when $case', async ({ repository: name, code, message }) => {
    const t = await setup();

    const refused = await t.asAna.request(t.ask(name)).catch((e: unknown) => e);

    expect([codeOf(refused), (refused as Error).message]).toEqual([code, expect.stringMatching(message)]);
    expect(t.github.requests.some((request) => request.startsWith('DELETE'))).toBe(false);
    expect((await t.stored()).actions).toEqual([]);
  });

  it('says the dry run cannot run with a token that is not a user’s', async () => {
    const t = await setup({ userToken: false });

    const refused = await t.asAna.plan(t.ask('api')).catch((e: unknown) => e);

    expect(codeOf(refused)).toBe('CONFLICT');
    expect((refused as Error).message).toMatch(
      /^The dry run failed: GitHub answered 403: Resource not accessible by integration .*\(the source’s token is not a user’s/,
    );
  });

  it('removes the repository, keeps GitHub’s answer and re-scans the organisation', async () => {
    const t = await setup();

    const done = await t.asAna.request(t.ask('acme/api'));
    const rescan = await t.finished(t.scanner, done.scanId as string);

    expect(done).toMatchObject({
      state: 'succeeded',
      target: { installationId: 7, repositoryId: 101, repository: 'acme/api' },
      providerResponse: {
        httpStatus: 204,
        requestId: 'C0DE:1234:5678:9ABC:DEF0',
        result: 'acme/api removed from installation 7',
      },
    });
    expect(t.github.requests).toContain('DELETE /user/installations/7/repositories/101');
    expect(t.seenByUser()).toEqual(['acme/web', 'acme/docs']);
    expect(rescan.state).toBe('succeeded');
    const identity = await t.db.transaction((tx) =>
      tx.nhi.findUniqueOrThrow({ where: { id: t.ciBot }, select: { status: true } }),
    );
    expect(identity.status).toBe('active');
    expect(await t.succeededAudits()).toBe(1);
    expect(exposedRuns(await t.stored(), githubToken)).toEqual([]);
  });

  it.each([
    {
      refusal: '404 when the repository left the installation meanwhile',
      meanwhile: (t: { org: { user?: { installations: Record<string, InstallationRepository[]> } } }) =>
        t.org.user?.installations['7']?.shift(),
      error:
        /^GitHub answered 404: Not Found .*\(the installation or the repository is out of the token user’s reach/,
    },
    {
      refusal: '422 when an owner put the installation on all repositories meanwhile',
      meanwhile: (t: { org: { installations: { repository_selection: string }[] } }) => {
        (t.org.installations[0] as { repository_selection: string }).repository_selection = 'all';
      },
      error: /^GitHub answered 422: This installation is for all repositories/,
    },
    {
      refusal: '403 when the token is no longer a user’s',
      meanwhile: (t: { org: { user?: unknown } }) => {
        t.org.user = undefined;
      },
      error: /^GitHub answered 403: Resource not accessible by integration/,
    },
  ])('fails cleanly on $refusal, with nothing recorded as done', async ({ meanwhile, error }) => {
    const t = await setup({ approval: true });
    const waiting = await t.asAna.request(t.ask('api'));
    meanwhile(t as never);

    const done = await t.asBea.approve(waiting.id);

    expect(done).toMatchObject({ state: 'failed', providerResponse: null, scanId: null });
    expect(done.error).toMatch(error);
    expect(await t.succeededAudits()).toBe(0);
    expect(exposedRuns(await t.stored(), githubToken)).toEqual([]);
  });
});
