import { parseAllDocuments } from 'yaml';
import { type ScanWarning, UnreadableInputError } from '../connector.ts';

export interface K8sObject {
  kind: string;
  apiVersion?: string;
  metadata: {
    name: string;
    namespace?: string;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: unknown[];
  };
  [field: string]: unknown;
}

const expected =
  'expected Kubernetes manifests or kubectl output (YAML or JSON objects with apiVersion and kind, ' +
  'e.g. `kubectl get serviceaccounts,secrets,roles,rolebindings,clusterroles,clusterrolebindings -A -o yaml`)';

/**
 * Every object of multi-document YAML manifests or `kubectl get ... -o json` output (JSON is YAML;
 * `List` objects are flattened). A document that cannot be read is a warning, not the end; an input in
 * which nothing is Kubernetes (an AWS export, a gitleaks report) is not a Kubernetes input at all.
 */
export function readK8sObjects(input: string): { objects: K8sObject[]; warnings: ScanWarning[] } {
  const objects: K8sObject[] = [];
  const warnings: ScanWarning[] = [];
  const documents = parseAllDocuments(input);
  const list = Array.isArray(documents) ? documents : [documents];
  const found = { kubernetes: 0 };
  list.forEach((document, index) => {
    const item = `document ${index + 1}`;
    if (document.errors.length > 0) {
      warnings.push({ item, message: document.errors[0]?.message.split('\n')[0] ?? 'invalid YAML' });
      return;
    }
    const value = document.toJS() as unknown;
    if (value === null || value === undefined) return;
    collect(value, item, { objects, warnings, found });
  });
  if (found.kubernetes === 0) {
    const reason = warnings[0] ? ` (${warnings[0].item}: ${warnings[0].message})` : '';
    throw new UnreadableInputError(`Not a Kubernetes input: ${expected}; found none${reason}`);
  }
  return { objects, warnings };
}

interface Collected {
  objects: K8sObject[];
  warnings: ScanWarning[];
  /** Documents and list items that are Kubernetes objects, an empty `List` included. */
  found: { kubernetes: number };
}

const isKubernetes = (object: Partial<K8sObject>) =>
  typeof object.kind === 'string' && typeof object.apiVersion === 'string';

function collect(value: unknown, item: string, into: Collected) {
  const { objects, warnings, found } = into;
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    warnings.push({ item, message: 'is not a Kubernetes object' });
    return;
  }
  const object = value as Partial<K8sObject> & { items?: unknown };
  if (Array.isArray(object.items) && (object.kind === 'List' || object.kind?.endsWith('List'))) {
    if (isKubernetes(object)) found.kubernetes += 1;
    object.items.forEach((entry, index) => {
      const typed = entry as Partial<K8sObject>;
      // kubectl leaves kind out of items of a typed list (e.g. ServiceAccountList).
      if (
        typed &&
        typeof typed === 'object' &&
        !typed.kind &&
        object.kind?.endsWith('List') &&
        object.kind !== 'List'
      )
        typed.kind = object.kind.slice(0, -'List'.length);
      collect(typed, `${item} item ${index + 1}`, into);
    });
    return;
  }
  if (typeof object.kind !== 'string' || typeof object.metadata?.name !== 'string') {
    warnings.push({ item, message: 'has no kind or metadata.name' });
    return;
  }
  // A typed list's items (kind taken from the list) and hand-written manifests without apiVersion are
  // still read; what makes the input Kubernetes is a kind with a name.
  found.kubernetes += 1;
  objects.push(object as K8sObject);
}
