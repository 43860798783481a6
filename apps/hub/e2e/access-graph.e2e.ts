import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { axeViolations } from './support/axe.ts';
import { collectCspViolations, screenshot } from './support/browser.ts';
import { type RunningHub, startHubProcess, waitForReady } from './support/hub-process.ts';
import { adminPassword } from './support/seed.ts';
import { logIn, openPage, visit } from './support/session.ts';
import { addSource } from './support/sources.ts';

const authorizationDetails = {
  RoleDetailList: [
    {
      RoleName: 'release-deployer',
      Arn: 'arn:aws:iam::111122223333:role/release-deployer',
      CreateDate: '2024-01-01T00:00:00Z',
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: 'sts:AssumeRole' },
        ],
      },
      AttachedManagedPolicies: [
        { PolicyName: 'AdministratorAccess', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
      ],
      RolePolicyList: [
        {
          PolicyName: 'artifacts',
          PolicyDocument: {
            Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::artifacts/*' }],
          },
        },
      ],
    },
  ],
  Policies: [],
};

const reporterToken = 'e2e-reporter-token-9f8e7d6c5b4a39281706f5e4d3c2b1a0';
const manifests = `
apiVersion: v1
kind: ServiceAccount
metadata: { name: deployer, namespace: ci }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: deployer-admin }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin }
subjects: [{ kind: ServiceAccount, name: deployer, namespace: ci }]
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: release-bot, namespace: ci }
spec:
  selector: { matchLabels: { app: release-bot } }
  template:
    metadata: { labels: { app: release-bot } }
    spec: { serviceAccountName: deployer, containers: [{ name: bot, image: release-bot:1 }] }
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: reporter, namespace: ci }
---
apiVersion: v1
kind: Secret
type: kubernetes.io/service-account-token
metadata:
  name: reporter-token
  namespace: ci
  annotations: { kubernetes.io/service-account.name: reporter }
data: { token: ${Buffer.from(reporterToken).toString('base64')} }
`;
const gitleaksReport = [
  {
    RuleID: 'generic-api-key',
    File: 'deploy/values.yaml',
    StartLine: 7,
    Commit: '4f1c2a9b7d3e',
    Secret: reporterToken,
    Match: `token: ${reporterToken}`,
  },
];

/** Picks what the uploaded file is on the source's row, scans it, and waits until the scan succeeded. */
async function scanAs(page: Page, row: Locator, input: string, file: string) {
  await row.locator('select[aria-label="What the file is"]').selectOption(input);
  await row.getByTestId('scan-file-input').setInputFiles(file);
  await row.getByTestId('scan-file-submit').click();
  await page.waitForURL('**/scans/**');
  const detail = page.getByTestId('scan-detail');
  await expect.poll(() => detail.getAttribute('data-state'), { timeout: 60_000 }).toMatch(/succeeded|failed/);
  const error = page.getByTestId('scan-error');
  const failure = (await error.count()) > 0 ? await error.textContent() : null;
  expect({ input, state: await detail.getAttribute('data-state'), failure }).toEqual({
    input,
    state: 'succeeded',
    failure: null,
  });
}

/**
 * One hub for the file, seeded once through the scans a user runs: an AWS authorization export with
 * an admin role, a cluster's manifests (a ServiceAccount bound to cluster-admin and mounted by a
 * Deployment, another with a token Secret), and a gitleaks report that found that token in a file.
 */
let hub: RunningHub | undefined;
let dataDir: string | undefined;
let seeded: Promise<void> | undefined;

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'nhi-hub-e2e-'));
  await fs.cp(inject('startedDataDir'), dataDir, { recursive: true });
  hub = await startHubProcess({ NHI_DATA_DIR: dataDir, NHI_ADMIN_PASSWORD: adminPassword });
  await waitForReady(hub.url);
});

afterAll(async () => {
  await hub?.stop();
  if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
});

/** The scans, run once by the first test that needs them. */
async function seed(page: Page, dir: string) {
  const files = {
    aws: path.join(dir, 'authorization-details.json'),
    k8s: path.join(dir, 'cluster.yaml'),
    leaks: path.join(dir, 'gitleaks.json'),
  };
  await fs.writeFile(files.aws, JSON.stringify(authorizationDetails));
  await fs.writeFile(files.k8s, manifests);
  await fs.writeFile(files.leaks, JSON.stringify(gitleaksReport));
  const account = await addSource(page, { type: 'aws_iam', name: 'prod account' });
  await scanAs(page, account, 'aws.authorization_details', files.aws);
  const cluster = await addSource(page, {
    type: 'kubernetes',
    name: 'prod cluster',
    fillSettings: (form) => form.locator('input[name="setting.cluster"]').fill('prod'),
  });
  await scanAs(page, cluster, 'k8s.manifests', files.k8s);
  const repos = await addSource(page, { type: 'secrets', name: 'repos' });
  await scanAs(page, repos, 'gitleaks.report', files.leaks);
}

/** A logged-in page of its own on the seeded hub, and the CSP violations it meets. */
async function setup() {
  if (!hub || !dataDir) throw new Error('the hub did not start');
  const page = await openPage(hub);
  const cspViolations = collectCspViolations(page);
  await logIn(page);
  seeded ??= seed(page, dataDir);
  await seeded;
  return { page, cspViolations };
}

/** Opens the identity's Access tab and waits for its graph to be drawn. */
async function openAccess(page: Page, name: string) {
  await visit(page, '/inventory');
  await page
    .getByTestId('nhi-link')
    .filter({ hasText: new RegExp(`^${name}$`) })
    .click();
  await page.getByTestId('nhi-page').waitFor();
  await page.getByTestId('nhi-tab-access').click();
  await page.waitForURL((url) => url.searchParams.get('tab') === 'access');
  await page.getByTestId('access-graph').waitFor();
  await page.getByTestId('access-graph-node').first().waitFor();
}

/** The table's links as `from —link→ to`, each end with its kind and risk in words. */
async function edgeRows(page: Page): Promise<string[]> {
  return page.getByTestId('access-edge-row').evaluateAll((rows) =>
    rows.map((row) => {
      const [from, link, to] = [...(row as HTMLTableRowElement).cells].map((cell) =>
        (cell.firstChild?.textContent ?? '').trim(),
      );
      return `${from} —${link}→ ${to}`;
    }),
  );
}

const nodeTexts = (page: Page) => page.getByTestId('access-graph-node').allTextContents();

describe('the identity page’s access graph in a browser', () => {
  it('draws an AWS role: its account, whom it trusts, and an admin policy on any resource', async () => {
    const { page, cspViolations } = await setup();

    await openAccess(page, 'release-deployer');

    expect(await edgeRows(page)).toEqual(
      expect.arrayContaining([
        'Identity: release-deployer —in account→ Account: AWS account 111122223333',
        'Identity: release-deployer —trusts→ Trusted principal: arn:aws:iam::444455556666:root',
        'Identity: release-deployer —can→ Permission: every action (Critical)',
        'Permission: every action (Critical) —on→ Resource: any resource (High)',
        'Identity: release-deployer —can→ Permission: s3:GetObject',
        'Permission: s3:GetObject —on→ Resource: arn:aws:s3:::artifacts/*',
      ]),
    );
    expect(await nodeTexts(page)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('every action'),
        expect.stringContaining('444455556666'),
      ]),
    );
    expect(await page.getByTestId('access-legend').textContent()).toContain('Critical');
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'access-graph-aws-role');
    expect(cspViolations).toEqual([]);
  });

  it('draws a Kubernetes service account bound to cluster-admin and mounted by a Deployment, and lists it alone on a phone', async () => {
    const { page, cspViolations } = await setup();

    await openAccess(page, 'ci/deployer');

    expect(await edgeRows(page)).toEqual(
      expect.arrayContaining([
        'Identity: ci/deployer —lives in→ Namespace: namespace ci',
        'Namespace: namespace ci —in cluster→ Cluster: cluster prod',
        'Identity: ci/deployer —mounted by→ Workload: Deployment release-bot',
        'Identity: ci/deployer —bound to→ Permission: ClusterRole cluster-admin (Critical)',
        'Permission: ClusterRole cluster-admin (Critical) —across→ Cluster: cluster prod',
      ]),
    );
    expect(await nodeTexts(page)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('ClusterRole cluster-admin'),
        expect.stringContaining('Deployment release-bot'),
      ]),
    );
    // Reachable by keyboard: a node takes focus and names itself.
    const node = page.locator('.react-flow__node').first();
    await node.focus();
    expect(await node.getAttribute('aria-label')).toMatch(/^Identity: ci\/deployer$/);
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'access-graph-service-account');

    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.locator('.access-graph-canvas').isVisible()).toBe(false);
    expect(await page.getByTestId('access-edge-row').first().isVisible()).toBe(true);
    await screenshot(page, 'access-graph-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(cspViolations).toEqual([]);
  });

  it('draws a token leaked in a repository file, linked by its fingerprint', async () => {
    const { page, cspViolations } = await setup();

    await openAccess(page, 'ci/reporter');

    expect(await edgeRows(page)).toEqual(
      expect.arrayContaining([
        'Identity: ci/reporter —authenticates with→ Credential: secret/reporter-token (Critical)',
        'Credential: secret/reporter-token (Critical) —leaked in→ Leaked in file: deploy/values.yaml:7 (Critical)',
      ]),
    );
    const leak = page.getByTestId('access-graph-node').filter({ hasText: 'deploy/values.yaml:7' });
    expect(await leak.getAttribute('title')).toContain('in repos, commit 4f1c2a9b');
    expect(await page.content()).not.toContain(reporterToken);
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'access-graph-leaked-token');
    expect(cspViolations).toEqual([]);
  });
});
