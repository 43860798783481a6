import type { NhiPermission } from '../api/nhi.schema.ts';
import type { NhiEnvironment, NhiKind, NhiProvider } from '../service/nhi-detail.ts';
import { type DemoRandom, digits, hex } from './demo-random.ts';
import type { DemoSecretShape } from './demo-secrets.ts';

/** What one kind of identity looks like before owner, status and dates are drawn. */
export interface DemoDraft {
  kind: NhiKind;
  provider: NhiProvider;
  name: string;
  externalId: string;
  description: string;
  permissions: NhiPermission[];
  metadata: Record<string, unknown>;
  tags: string[];
  /** One entry per credential, oldest first. */
  secrets: DemoSecretShape[];
  /** How long a credential of this kind is valid, in days; null: it never expires. */
  lifetimeDays: readonly (number | null)[];
}

export type Blueprint = (random: DemoRandom, environment: NhiEnvironment) => DemoDraft;

export const apps = [
  'payments',
  'billing',
  'checkout',
  'search',
  'catalog',
  'orders',
  'ledger',
  'notifications',
  'identity',
  'analytics',
  'reporting',
  'shipping',
  'fraud',
  'recommendations',
  'media',
  'pricing',
] as const;

const shortEnv: Record<NhiEnvironment, readonly string[]> = {
  production: ['prod'],
  staging: ['stg', 'staging'],
  development: ['dev', 'sandbox'],
  unknown: ['legacy', 'old', 'tmp'],
};

const awsAccounts: Record<NhiEnvironment, string> = {
  production: '418902357716',
  staging: '227514093388',
  development: '590361228407',
  unknown: '103958842260',
};

const allow = (action: string, resource?: string, via?: string): NhiPermission => ({
  action,
  effect: 'allow',
  ...(resource === undefined ? {} : { resource }),
  ...(via === undefined ? {} : { via }),
});

function envTag(random: DemoRandom, environment: NhiEnvironment): string {
  return random.pick(shortEnv[environment]);
}

const awsServiceUser: Blueprint = (random, environment) => {
  const app = random.pick(apps);
  const name = `svc-${app}-${envTag(random, environment)}`;
  const account = awsAccounts[environment];
  const admin = random.chance(0.08);
  return {
    kind: 'service_account',
    provider: 'aws',
    name,
    externalId: `arn:aws:iam::${account}:user/${name}`,
    description: `IAM user the ${app} service uses to reach S3 and SQS.`,
    permissions: admin
      ? [allow('*', '*', 'AdministratorAccess')]
      : [
          allow('s3:GetObject', `arn:aws:s3:::${app}-${environment}-assets/*`, `policy/${app}-s3-read`),
          allow(
            's3:PutObject',
            `arn:aws:s3:::${app}-${environment}-assets/uploads/*`,
            `policy/${app}-s3-write`,
          ),
          allow('sqs:SendMessage', `arn:aws:sqs:eu-west-1:${account}:${app}-events`, `policy/${app}-queues`),
        ],
    metadata: { accountId: account, path: '/service/', region: 'eu-west-1' },
    tags: [`team:${app}`, 'terraform'],
    secrets: random.chance(0.3) ? ['aws-access-key-id', 'aws-access-key-id'] : ['aws-access-key-id'],
    lifetimeDays: [null],
  };
};

const awsAccessKey: Blueprint = (random, environment) => {
  const tool = random.pick(['terraform', 'ci-deployer', 'backup-agent', 'log-shipper', 'cost-exporter']);
  const keyId = `AKIA${random.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`;
  const account = awsAccounts[environment];
  return {
    kind: 'access_key',
    provider: 'aws',
    name: `${tool}-${envTag(random, environment)}/${keyId.slice(0, 8)}`,
    externalId: `arn:aws:iam::${account}:user/${tool}/access-key/${keyId}`,
    description: `Long-lived access key of the ${tool} user.`,
    permissions:
      tool === 'terraform'
        ? [allow('*', '*', 'AdministratorAccess')]
        : [allow('s3:*', `arn:aws:s3:::${tool}-*`, `policy/${tool}`)],
    metadata: { accountId: account, userName: tool },
    tags: ['static-key'],
    secrets: ['aws-access-key-id'],
    lifetimeDays: [null],
  };
};

const awsRole: Blueprint = (random, environment) => {
  const app = random.pick(apps);
  const name = `eks-${app}-${envTag(random, environment)}`;
  const account = awsAccounts[environment];
  return {
    kind: 'workload_identity',
    provider: 'aws',
    name,
    externalId: `arn:aws:iam::${account}:role/${name}`,
    description: `Role assumed by the ${app} pods through IRSA; no static credential.`,
    permissions: [
      allow('dynamodb:Query', `arn:aws:dynamodb:eu-west-1:${account}:table/${app}`, `policy/${app}-dynamo`),
      allow(
        'kms:Decrypt',
        `arn:aws:kms:eu-west-1:${account}:key/${random.chars(hex, 8)}`,
        'policy/kms-decrypt',
      ),
    ],
    metadata: { accountId: account, trust: 'oidc.eks.eu-west-1.amazonaws.com' },
    tags: [`team:${app}`, 'irsa'],
    secrets: [],
    lifetimeDays: [null],
  };
};

const gcpServiceAccount: Blueprint = (random, environment) => {
  const app = random.pick(apps);
  const project = `acme-${environment === 'production' ? 'prod' : envTag(random, environment)}`;
  const name = `${app}-${envTag(random, environment)}@${project}.iam.gserviceaccount.com`;
  return {
    kind: 'service_account',
    provider: 'gcp',
    name,
    externalId: name,
    description: `Service account of ${app} jobs on GKE and Cloud Run.`,
    permissions: [
      allow('roles/storage.objectViewer', `projects/${project}/buckets/${app}`, 'iam-binding'),
      allow('roles/pubsub.publisher', `projects/${project}/topics/${app}-events`, 'iam-binding'),
      ...(random.chance(0.1) ? [allow('roles/owner', `projects/${project}`, 'iam-binding')] : []),
    ],
    metadata: { project, uniqueId: random.chars(digits, 21) },
    tags: [`team:${app}`],
    secrets: random.chance(0.6) ? ['gcp-key'] : [],
    lifetimeDays: [null],
  };
};

const azureServicePrincipal: Blueprint = (random, environment) => {
  const app = random.pick(apps);
  const appId = `${random.chars(hex, 8)}-${random.chars(hex, 4)}-${random.chars(hex, 4)}-${random.chars(hex, 4)}-${random.chars(hex, 12)}`;
  return {
    kind: 'workload_identity',
    provider: 'azure',
    name: `sp-${app}-${envTag(random, environment)}`,
    externalId: appId,
    description: `Entra ID app registration ${app} uses for Key Vault and Service Bus.`,
    permissions: [
      allow('Key Vault Secrets User', `kv-${app}-${environment}`, 'role-assignment'),
      allow('Azure Service Bus Data Sender', `sb-${app}`, 'role-assignment'),
    ],
    metadata: { tenantId: '6f1c2b7e-93a4-4c1d-8e55-2d9f0b4a7c31', appId },
    tags: [`team:${app}`],
    secrets: random.chance(0.25) ? ['azure-client-secret', 'azure-client-secret'] : ['azure-client-secret'],
    lifetimeDays: [180, 365, 730],
  };
};

const repositories = [
  'web-frontend',
  'api-gateway',
  'infrastructure',
  'mobile-app',
  'data-pipelines',
  'design-system',
  'helm-charts',
  'docs',
  ...apps.map((app) => `${app}-service`),
];

const githubDeployKey: Blueprint = (random) => {
  const repo = random.pick(repositories);
  const write = random.chance(0.3);
  return {
    kind: 'deploy_key',
    provider: 'github',
    name: `deploy-key/acme/${repo}`,
    externalId: `acme/${repo}/keys/${random.chars(digits, 8)}`,
    description: `Deploy key the release pipeline uses to ${write ? 'push tags to' : 'clone'} ${repo}.`,
    permissions: [allow(write ? 'contents:write' : 'contents:read', `acme/${repo}`, 'deploy key')],
    metadata: { readOnly: !write, repository: `acme/${repo}` },
    tags: ['ci'],
    secrets: ['ssh-private-key'],
    lifetimeDays: [null],
  };
};

const githubPat: Blueprint = (random) => {
  const user = random.pick(['release-bot', 'ci-runner', 'docs-sync', 'backport', 'metrics-export']);
  return {
    kind: 'personal_access_token',
    provider: 'github',
    name: `pat/${user}-${random.chars(digits, 3)}`,
    externalId: `acme/pat/${random.chars(digits, 9)}`,
    description: `Fine-grained token of the ${user} machine user.`,
    permissions: [
      allow(
        'contents:write',
        random.chance(0.4) ? 'acme/* (all repositories)' : `acme/${random.pick(repositories)}`,
      ),
      allow('pull_requests:write'),
    ],
    metadata: { owner: user, repositorySelection: random.chance(0.4) ? 'all' : 'selected' },
    tags: ['ci'],
    secrets: ['github-pat'],
    lifetimeDays: [30, 90, 365, null],
  };
};

const k8sClusters: Record<NhiEnvironment, string> = {
  production: 'eks-prod-eu1',
  staging: 'eks-stg-eu1',
  development: 'kind-dev',
  unknown: 'onprem-legacy',
};

const k8sServiceAccount: Blueprint = (random, environment) => {
  const app = random.pick(apps);
  const legacyToken = random.chance(0.25);
  return {
    kind: 'service_account',
    provider: 'kubernetes',
    name: `k8s:ns/${app}/sa/${app}-${random.pick(['api', 'worker', 'cron', 'migrator'])}`,
    externalId: `${k8sClusters[environment]}/${app}/${random.chars(hex, 8)}`,
    description: `ServiceAccount of the ${app} workloads in ${k8sClusters[environment]}.`,
    permissions: [
      allow('get,list,watch configmaps', `namespace/${app}`, `RoleBinding/${app}-read`),
      ...(random.chance(0.12)
        ? [allow('get,list secrets', 'cluster-wide', 'ClusterRoleBinding/secrets-reader')]
        : []),
    ],
    metadata: { cluster: k8sClusters[environment], namespace: app },
    tags: [`team:${app}`, 'k8s'],
    secrets: legacyToken ? ['kubernetes-token'] : [],
    lifetimeDays: [null],
  };
};

const certificate: Blueprint = (random, environment) => {
  const app = random.pick(apps);
  const domain =
    environment === 'production'
      ? `${app}.acme.example`
      : `${app}.${envTag(random, environment)}.acme.example`;
  return {
    kind: 'certificate',
    provider: 'other',
    name: `cert/${domain}`,
    externalId: `tls/${domain}/${random.chars(hex, 12)}`,
    description: `TLS certificate served by the ${app} ingress.`,
    permissions: [allow('serve TLS', domain)],
    metadata: {
      issuer: random.pick(["Let's Encrypt R11", 'DigiCert TLS RSA SHA256 2020 CA1']),
      san: [domain],
    },
    tags: ['tls'],
    secrets: ['tls-private-key'],
    lifetimeDays: [90, 398],
  };
};

const sshKey: Blueprint = (random, environment) => {
  const host = random.pick(['bastion', 'build', 'sftp-partner', 'db-backup', 'jump']);
  return {
    kind: 'ssh_key',
    provider: 'other',
    name: `ssh/${host}-${envTag(random, environment)}-deploy`,
    externalId: `SHA256:${random.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', 43)}`,
    description: `Key that automation uses to log in to ${host}.`,
    permissions: [allow('ssh login', `${host}.internal`, 'authorized_keys')],
    metadata: { algorithm: random.pick(['ed25519', 'rsa-4096']) },
    tags: ['ssh'],
    secrets: ['ssh-private-key'],
    lifetimeDays: [null],
  };
};

const vendorApiKey: Blueprint = (random, environment) => {
  const vendor = random.pick(['datadog', 'sendgrid', 'stripe', 'pagerduty', 'sentry', 'twilio']);
  const app = random.pick(apps);
  return {
    kind: 'api_key',
    provider: 'other',
    name: `${vendor}-api-key/${app}-${envTag(random, environment)}`,
    externalId: `${vendor}/${random.chars(hex, 12)}`,
    description: `${vendor} API key used by ${app}.`,
    permissions: [allow(random.pick(['read', 'write', 'full access']), vendor)],
    metadata: { vendor },
    tags: [`team:${app}`, `vendor:${vendor}`],
    secrets: ['vendor-api-key'],
    lifetimeDays: [null, 365],
  };
};

/** Repeated by environment and app: most of the inventory. */
export const repeatedBlueprints: readonly (readonly [Blueprint, number])[] = [
  [awsServiceUser, 18],
  [awsAccessKey, 8],
  [awsRole, 8],
  [gcpServiceAccount, 12],
  [azureServicePrincipal, 9],
  [k8sServiceAccount, 14],
  [githubDeployKey, 7],
  [githubPat, 6],
  [certificate, 8],
  [sshKey, 4],
  [vendorApiKey, 6],
];

/** Identities an organisation has once: third-party apps, bots, platform accounts. */
export function singletonDrafts(random: DemoRandom): (DemoDraft & { environment: NhiEnvironment })[] {
  const githubApps: [string, string[]][] = [
    ['renovate', ['contents:write', 'pull_requests:write', 'workflows:write']],
    ['dependabot', ['contents:read', 'pull_requests:write']],
    ['codecov', ['checks:write', 'statuses:write']],
    ['snyk', ['contents:read', 'checks:write']],
    ['sentry', ['issues:write', 'contents:read']],
    ['linear', ['issues:write', 'pull_requests:read']],
    ['vercel', ['deployments:write', 'contents:read', 'administration:write']],
    ['slack', ['issues:read', 'pull_requests:read']],
  ];
  const k8sSystem: [string, string, string][] = [
    ['argocd', 'argocd-application-controller', 'cluster-admin'],
    ['argocd', 'argocd-server', 'argocd-server'],
    ['default', 'default', 'none'],
    ['kube-system', 'cluster-autoscaler', 'cluster-autoscaler'],
    ['monitoring', 'prometheus', 'view (cluster)'],
    ['cert-manager', 'cert-manager', 'cert-manager-controller'],
    ['ingress-nginx', 'ingress-nginx', 'ingress-nginx'],
    ['external-secrets', 'external-secrets', 'secrets get,list (cluster)'],
    ['ci', 'gitlab-runner', 'edit'],
  ];
  const slackBots = ['deploy-notifier', 'incident-bridge', 'standup-bot', 'oncall-handoff', 'cost-alerts'];
  const agents: [string, string][] = [
    ['support-assistant', 'Answers support tickets with read access to the order history.'],
    ['code-review', 'Comments on pull requests; can push suggested fixes.'],
    ['incident-summarizer', 'Writes incident timelines from Slack and PagerDuty.'],
    ['sql-analyst', 'Runs read-only queries on the analytics warehouse.'],
  ];
  return [
    ...githubApps.map(([slug, scopes]) => ({
      kind: 'oauth_app' as const,
      provider: 'github' as const,
      environment: 'production' as const,
      name: `github-app/${slug}`,
      externalId: `installations/${random.chars(digits, 8)}`,
      description: `GitHub App ${slug}, installed on the acme organisation.`,
      permissions: scopes.map((scope) =>
        allow(scope, random.chance(0.5) ? 'all repositories' : 'selected repositories', 'app installation'),
      ),
      metadata: { appSlug: slug, repositorySelection: random.chance(0.5) ? 'all' : 'selected' },
      tags: ['third-party'],
      secrets: ['github-app-key' as const],
      lifetimeDays: [null] as const,
    })),
    {
      kind: 'bot',
      provider: 'github',
      environment: 'production',
      name: 'acme-release-bot',
      externalId: 'users/acme-release-bot',
      description: 'Machine user that tags releases and publishes packages.',
      permissions: [allow('packages:write', 'acme'), allow('contents:write', 'all repositories')],
      metadata: { type: 'machine user' },
      tags: ['ci'],
      secrets: ['github-pat'],
      lifetimeDays: [null],
    },
    ...k8sSystem.map(([namespace, account, role]) => ({
      kind: 'service_account' as const,
      provider: 'kubernetes' as const,
      environment: 'production' as const,
      name: `k8s:ns/${namespace}/sa/${account}`,
      externalId: `eks-prod-eu1/${namespace}/${account}`,
      description: `ServiceAccount ${account} in namespace ${namespace} (eks-prod-eu1).`,
      permissions:
        role === 'none'
          ? []
          : [allow(role, namespace === 'default' ? namespace : 'cluster', `ClusterRoleBinding/${account}`)],
      metadata: { cluster: 'eks-prod-eu1', namespace },
      tags: ['k8s', 'platform'],
      secrets: namespace === 'ci' || namespace === 'default' ? ['kubernetes-token' as const] : [],
      lifetimeDays: [null] as const,
    })),
    ...slackBots.map((bot) => ({
      kind: 'bot' as const,
      provider: 'slack' as const,
      environment: 'production' as const,
      name: `slack-bot/${bot}`,
      externalId: `B0${random.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 9)}`,
      description: `Slack bot ${bot} in the acme workspace.`,
      permissions: [allow('chat:write'), ...(random.chance(0.4) ? [allow('channels:history')] : [])],
      metadata: { workspace: 'acme' },
      tags: ['chatops'],
      secrets: ['slack-bot-token' as const],
      lifetimeDays: [null] as const,
    })),
    {
      kind: 'api_key',
      provider: 'okta',
      environment: 'production',
      name: 'okta-api/scim-provisioning',
      externalId: `00T${random.chars(digits, 17)}`,
      description: 'Okta API token the HR system uses to provision accounts.',
      permissions: [allow('okta.users.manage'), allow('okta.groups.manage')],
      metadata: { org: 'acme.okta.example' },
      tags: ['identity'],
      secrets: ['okta-api-token'],
      lifetimeDays: [null],
    },
    {
      kind: 'oauth_app',
      provider: 'okta',
      environment: 'production',
      name: 'okta-service-app/reporting',
      externalId: `0oa${random.chars(digits, 17)}`,
      description: 'Client-credentials app that reads audit logs for reporting.',
      permissions: [allow('okta.logs.read')],
      metadata: { grantTypes: ['client_credentials'] },
      tags: ['identity'],
      secrets: ['okta-api-token'],
      lifetimeDays: [365],
    },
    ...agents.map(([agent, description]) => ({
      kind: 'ai_agent' as const,
      provider: 'other' as const,
      environment: 'production' as const,
      name: `agent/${agent}`,
      externalId: `agents/${agent}`,
      description,
      permissions: [
        allow('llm:invoke', 'model gateway'),
        allow('read', agent === 'sql-analyst' ? 'warehouse' : 'tickets'),
      ],
      metadata: { framework: random.pick(['langgraph', 'in-house']) },
      tags: ['ai'],
      secrets: ['agent-api-key' as const],
      lifetimeDays: [90, null] as const,
    })),
  ];
}
