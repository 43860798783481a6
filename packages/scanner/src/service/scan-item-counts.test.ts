import { describeEachDatabase, type NewTestDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import type { ScanInput } from '../api/scanner.schema.ts';
import { setupScanner } from '../testing/scanner-test-setup.ts';
import { sharedFixture, sharedFixturesPresent } from '../testing/shared-fixtures.ts';

const header =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';
const machine = (name: string) =>
  `${name},arn:aws:iam::111122223333:user/${name},2024-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2024-01-02T00:00:00+00:00,2024-06-01T10:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`;

/** A cluster export of four objects of which one is an identity: a ServiceAccount, its Role and bindings. */
const cluster = `---
apiVersion: v1
kind: ServiceAccount
metadata: { name: deployer, namespace: ci }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: reader, namespace: ci }
rules: [{ apiGroups: [""], resources: [secrets], verbs: [get] }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: deployer-reads, namespace: ci }
roleRef: { kind: Role, name: reader }
subjects: [{ kind: ServiceAccount, name: deployer }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: ghost-reads, namespace: ci }
roleRef: { kind: Role, name: reader }
subjects: [{ kind: ServiceAccount, name: ghost }]
`;

const githubExport = JSON.stringify({
  organization: 'acme',
  installations: [
    { id: 1, app_slug: 'ci-bot', repository_selection: 'selected', permissions: { issues: 'read' } },
  ],
  deploy_keys: {
    'acme/api': [{ id: 7, key: 'ssh-ed25519 AAAA', title: 'deploy', read_only: true }],
  },
});

const gitleaksReport = JSON.stringify([
  { RuleID: 'generic-api-key', File: 'a.env', StartLine: 1, Secret: 'k-1aaaaaaaaaaaaaaaaaaaaa', Match: 'x' },
  { RuleID: 'generic-api-key', File: 'b.env', StartLine: 2, Secret: 'k-2bbbbbbbbbbbbbbbbbbbbb', Match: 'y' },
  { RuleID: 'generic-api-key', File: 'c.env', StartLine: 3, Secret: 'k-3ccccccccccccccccccccc', Match: 'z' },
]);

async function setup(newDatabase: NewTestDatabase) {
  const hub = await setupScanner(newDatabase);
  const scanner = await hub.scannerOf();
  const sources = {
    aws_iam: await scanner.createSource({ type: 'aws_iam', name: 'account' }),
    kubernetes: await scanner.createSource({
      type: 'kubernetes',
      name: 'cluster',
      settings: { cluster: 'prod' },
    }),
    github: await scanner.createSource({ type: 'github', name: 'org' }),
    secrets: await scanner.createSource({ type: 'secrets', name: 'code' }),
  };
  const scan = async (type: keyof typeof sources, input: ScanInput, content: string, name = 'upload') => {
    const started = await scanner.startScan({
      sourceId: sources[type].id,
      input,
      upload: { name, contentBase64: Buffer.from(content).toString('base64') },
    });
    return hub.finished(scanner, started.id);
  };
  return { scan };
}

describeEachDatabase('items a scan reports having read', (_kind, newDatabase) => {
  it('counts every object of a Kubernetes export, not only its identities', async () => {
    const { scan } = await setup(newDatabase);

    const done = await scan('kubernetes', 'k8s.manifests', cluster, 'cluster.yaml');

    expect(done).toMatchObject({
      state: 'succeeded',
      itemsRead: 4,
      itemsUnit: 'Kubernetes objects',
      itemsTotal: 1,
      itemsProcessed: 1,
    });
  });

  it('counts the rows of a credential report, unreadable rows included', async () => {
    const { scan } = await setup(newDatabase);

    const done = await scan(
      'aws_iam',
      'aws.credential_report',
      [header, machine('ci'), 'broken,row', machine('deployer')].join('\n'),
    );

    expect(done).toMatchObject({
      state: 'succeeded',
      itemsRead: 3,
      itemsUnit: 'credential report rows',
      itemsTotal: 2,
      warningCount: 1,
    });
  });

  it('counts the installations and deploy keys of a GitHub export', async () => {
    const { scan } = await setup(newDatabase);

    const done = await scan('github', 'github.export', githubExport, 'github.json');

    expect(done).toMatchObject({ itemsRead: 2, itemsUnit: 'installations, deploy keys and tokens' });
  });

  it('counts the findings of a secrets report and reconciles them all', async () => {
    const { scan } = await setup(newDatabase);

    const done = await scan('secrets', 'gitleaks.report', gitleaksReport, 'gitleaks.json');

    expect(done).toMatchObject({
      state: 'succeeded',
      itemsRead: 3,
      itemsUnit: 'findings',
      itemsTotal: 3,
      itemsProcessed: 3,
    });
  });

  it('says a scan failed and that it read nothing when its file is not the input it claims', async () => {
    const { scan } = await setup(newDatabase);

    const done = await scan('kubernetes', 'k8s.manifests', '{"UserDetailList": []}', 'not-a-cluster.yaml');

    expect(done).toMatchObject({ state: 'failed', itemsRead: null, itemsProcessed: 0 });
    expect(done.error).toMatch(/Not a Kubernetes input/);
  });

  it.skipIf(!sharedFixturesPresent)(
    'counts the objects of a third-party RBAC export whose bindings name no exported identity',
    async () => {
      const { scan } = await setup(newDatabase);

      const done = await scan(
        'kubernetes',
        'k8s.manifests',
        sharedFixture('k8s/rbac-tool-rolebindings-missing-service-account.yaml'),
        'rbac.yaml',
      );

      expect(done).toMatchObject({ state: 'succeeded', itemsRead: 5, itemsTotal: 0 });
    },
  );

  it.skipIf(!sharedFixturesPresent)(
    'counts the users, roles, groups and policies of an authorization export',
    async () => {
      const { scan } = await setup(newDatabase);

      const done = await scan(
        'aws_iam',
        'aws.authorization_details',
        sharedFixture('aws/cloudsplaining-example-authz-details.json'),
        'authz.json',
      );

      expect(done).toMatchObject({
        state: 'succeeded',
        itemsRead: 40,
        itemsUnit: 'IAM users, roles, groups and policies',
      });
    },
  );
});
