import { describe, expect, it } from 'vitest';
import { readKubernetes } from './kubernetes.ts';

const read = (input: string) =>
  readKubernetes(input, { cluster: 'prod', fingerprint: async (secret) => `fp-${secret.length}` });

const manifests = `
apiVersion: v1
kind: Namespace
metadata:
  name: payments
  labels: { team: payments, kubernetes.io/metadata.name: payments }
  annotations:
    example.com/owner: ana@example.com
    kubectl.kubernetes.io/last-applied-configuration: '{"a very long":"manifest"}'
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: checkout
  namespace: payments
  labels: { app.kubernetes.io/part-of: checkout }
  annotations: { squad: payments-core, description: the checkout service }
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: builder, namespace: ci }
`;

describe('kubernetes: what ServiceAccounts and namespaces say about their owners', () => {
  it('keeps labels and the owner annotations of the account and its namespace', async () => {
    const output = await read(manifests);
    const checkout = output.nhis.find((nhi) => nhi.name === 'payments/checkout');

    expect(checkout?.metadata?.kubernetes).toMatchObject({
      labels: { 'app.kubernetes.io/part-of': 'checkout' },
      annotations: { squad: 'payments-core' },
      namespaceLabels: { team: 'payments', 'kubernetes.io/metadata.name': 'payments' },
      namespaceAnnotations: { 'example.com/owner': 'ana@example.com' },
    });
  });

  it('adds nothing for an account without labels in a namespace the input does not hold', async () => {
    const output = await read(manifests);
    const builder = output.nhis.find((nhi) => nhi.name === 'ci/builder');

    expect(Object.keys(builder?.metadata?.kubernetes as object).sort()).toEqual([
      'automountServiceAccountToken',
      'cluster',
      'mountedBy',
      'namespace',
      'unresolvedRoles',
      'workloads',
    ]);
  });
});
