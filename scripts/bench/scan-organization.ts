// The aws.organization row of the scan benchmark: a 50-account organization on the local fake AWS
// endpoints (Organizations, STS, each account's IAM, with a round trip of latency per request), read
// by the connector as a scan does. Reports the total time next to the slowest single account × 50,
// which is what reading the accounts one after the other would at worst cost.
//
// Usage: pnpm bench:scan 0 aws-organization
import { createHash } from 'node:crypto';
import { readAwsOrganization } from '../../packages/scanner/src/connectors/aws/aws-organization.ts';
import { memberIam } from '../../packages/scanner/src/testing/aws-organization-fixture.ts';
import { startFakeAwsOrganization } from '../../packages/scanner/src/testing/fake-aws-organization-server.ts';

const accountCount = 50;
/** Machine users per account besides `deployer` (and the `app` role). */
const usersPerAccount = 20;
/** A round trip to a regional AWS endpoint from a host in the same region. */
const latencyMs = 5;
const accessKeyId = 'AKIABENCHMANAGEMENT1';
const externalId = 'bench-external-id';

export async function organizationRow() {
  const ids = Array.from({ length: accountCount }, (_, i) => String(100_000_000_000 + i));
  const aws = await startFakeAwsOrganization({
    accessKeyId,
    managementAccountId: ids[0] as string,
    rootId: 'r-root',
    organizationalUnits: [{ id: 'ou-root-workloads', parent: 'r-root' }],
    externalId,
    latencyMs,
    policies: [
      {
        id: 'p-FullAWSAccess',
        name: 'FullAWSAccess',
        content: { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
        targets: ['r-root', 'ou-root-workloads', ...ids],
      },
      {
        id: 'p-deny-leave',
        name: 'DenyLeaveOrganization',
        content: {
          Statement: [{ Effect: 'Deny', Action: 'organizations:LeaveOrganization', Resource: '*' }],
        },
        targets: ['ou-root-workloads'],
      },
    ],
    accounts: ids.map((id, index) => ({
      id,
      name: `account-${index}`,
      parent: index === 0 ? 'r-root' : 'ou-root-workloads',
      iam: memberIam(id, { extraUsers: usersPerAccount }),
    })),
  });
  const read = (settings: Record<string, unknown>) =>
    readAwsOrganization({
      settings: { endpoint: aws.endpoint, region: 'us-east-1', roleName: 'NhiHubReadOnly', ...settings },
      secrets: { accessKeyId, secretAccessKey: 'bench-secret', externalId },
      fingerprint: async (secret) => createHash('sha256').update(secret).digest('hex'),
      signal: new AbortController().signal,
      uploadName: null,
    });
  try {
    console.log(
      `AWS organization: ${accountCount} accounts × ${usersPerAccount + 2} principals, ${latencyMs} ms per request, access advisor on`,
    );
    // Warm-up: the action catalogue and the SDK clients load once per process.
    await read({ accountIds: ids[1] });
    let slowest = 0;
    for (const id of ids) {
      const started = performance.now();
      await read({ accountIds: id });
      slowest = Math.max(slowest, (performance.now() - started) / 1000);
    }
    for (const concurrency of [4, 16]) {
      const started = performance.now();
      const output = await read({ concurrency });
      const seconds = (performance.now() - started) / 1000;
      if (output.warnings.length > 0)
        throw new Error(`warnings: ${JSON.stringify(output.warnings.slice(0, 3))}`);
      console.log(
        `aws.organization, concurrency ${concurrency}: ${seconds.toFixed(2)} s for ${output.nhis.length} identities; ` +
          `slowest single account ${slowest.toFixed(2)} s × ${accountCount} = ${(slowest * accountCount).toFixed(2)} s; ` +
          `ratio ${(seconds / (slowest * accountCount)).toFixed(2)}`,
      );
    }
  } finally {
    await aws.close();
  }
}
