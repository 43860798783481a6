import { NotFoundError, openRequestScope, RealmDb, type RealmSummary } from '@nhi/platform';
import { describeEachDatabase, type NewTestDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import type { ScanInput } from '../../api/scanner.schema.ts';
import { setupScanner } from '../../testing/scanner-test-setup.ts';
import { AccessGraphService } from './access-graph.service.ts';
import type { AccessGraph } from './access-graph.ts';

const token = 'kube-token-for-access-graph-tests-0123456789';
const manifests = `
apiVersion: v1
kind: ServiceAccount
metadata: { name: deployer, namespace: ci }
---
apiVersion: v1
kind: Secret
type: kubernetes.io/service-account-token
metadata:
  name: deployer-token
  namespace: ci
  annotations: { kubernetes.io/service-account.name: deployer }
data: { token: ${Buffer.from(token).toString('base64')} }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: deployer-admin }
roleRef: { kind: ClusterRole, name: cluster-admin }
subjects: [{ kind: ServiceAccount, name: deployer, namespace: ci }]
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: release-bot, namespace: ci }
spec: { template: { spec: { serviceAccountName: deployer, containers: [{ name: bot, image: bot }] } } }
`;
const gitleaksReport = JSON.stringify([
  {
    RuleID: 'generic-api-key',
    File: 'deploy/values.yaml',
    StartLine: 7,
    Commit: 'abc123def456',
    Secret: token,
  },
]);

/** A cluster's service account scanned with its token Secret, and a gitleaks report that found the token. */
async function setup(newDatabase: NewTestDatabase) {
  const hub = await setupScanner(newDatabase);
  const scanner = await hub.scannerOf();
  const scan = async (sourceId: string, input: ScanInput, content: string) =>
    hub.finished(
      scanner,
      (
        await scanner.startScan({
          sourceId,
          input,
          upload: { name: 'upload', contentBase64: Buffer.from(content).toString('base64') },
        })
      ).id,
    );
  const cluster = await scanner.createSource({
    type: 'kubernetes',
    name: 'prod',
    settings: { cluster: 'prod' },
  });
  const repos = await scanner.createSource({ type: 'secrets', name: 'repos' });
  await scan(cluster.id, 'k8s.manifests', manifests);
  await scan(repos.id, 'gitleaks.report', gitleaksReport);
  const { id: nhiId } = await new RealmDb(hub.db, hub.hubRealm.id).transaction((tx) =>
    tx.nhi.findFirstOrThrow({ where: { name: 'ci/deployer' }, select: { id: true } }),
  );
  /** The service as a request of the user in the realm resolves it. */
  const graphOf = async (
    id: string,
    options = { withLeaks: true },
    user = hub.ana,
    realm: RealmSummary = hub.hubRealm,
  ) => {
    const opened = await openRequestScope(hub.root, {
      context: {
        requestId: `req-${user.email}`,
        realm,
        principal: { kind: 'user', userId: user.id, email: user.email, sessionId: 'test' },
        clock: hub.clock,
      },
      credential: 'bearer',
    });
    return opened.container.resolve(AccessGraphService).ofNhi(id, options);
  };
  return { ...hub, nhiId, graphOf };
}

const labelsOf = (graph: AccessGraph, type: string) =>
  graph.nodes.filter((node) => node.type === type).map((node) => node.label);
const edgeLabels = (graph: AccessGraph) => graph.edges.map((edge) => edge.label);

describeEachDatabase('Access graph of an identity', (_kind, newDatabase) => {
  it('draws a scanned service account with its binding, workload, token and the file the token leaked in', async () => {
    const t = await setup(newDatabase);

    const graph = await t.graphOf(t.nhiId);

    expect(labelsOf(graph, 'identity')).toEqual(['ci/deployer']);
    expect(labelsOf(graph, 'permission')).toEqual(['ClusterRole cluster-admin']);
    expect(labelsOf(graph, 'workload')).toEqual(['Deployment release-bot']);
    expect(labelsOf(graph, 'credential')).toEqual(['secret/deployer-token']);
    expect(labelsOf(graph, 'file')).toEqual(['deploy/values.yaml:7']);
    expect(edgeLabels(graph)).toEqual(expect.arrayContaining(['bound to', 'mounted by', 'leaked in']));
    expect(graph.nodes.find((node) => node.type === 'file')?.detail).toContain('in repos, commit abc123de');
    expect(graph.nodes.find((node) => node.type === 'permission')?.severity).toBe('critical');
    expect(JSON.stringify(graph)).not.toContain(token);
  });

  it('leaves the leaks out for a caller who may not read them', async () => {
    const t = await setup(newDatabase);

    const graph = await t.graphOf(t.nhiId, { withLeaks: false });

    expect(labelsOf(graph, 'file')).toEqual([]);
    expect(labelsOf(graph, 'credential')).toEqual(['secret/deployer-token']);
  });

  it('answers not found for an identity of another realm', async () => {
    const t = await setup(newDatabase);

    await expect(t.graphOf(t.nhiId, { withLeaks: true }, t.oli, t.otherRealm)).rejects.toThrow(NotFoundError);
  });
});
