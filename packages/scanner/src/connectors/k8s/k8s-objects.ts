import { parseAllDocuments } from 'yaml';
import { type ScanWarning, UnreadableInputError } from '../connector.ts';

export interface K8sObject {
  kind: string;
  apiVersion?: string;
  metadata: {
    name: string;
    namespace?: string;
    creationTimestamp?: string;
    annotations?: Record<string, string>;
    ownerReferences?: unknown[];
  };
  [field: string]: unknown;
}

/**
 * Every object of multi-document YAML manifests or `kubectl get ... -o json` output (JSON is YAML;
 * `List` objects are flattened). A document that cannot be read is a warning, not the end.
 */
export function readK8sObjects(input: string): { objects: K8sObject[]; warnings: ScanWarning[] } {
  const objects: K8sObject[] = [];
  const warnings: ScanWarning[] = [];
  const documents = parseAllDocuments(input);
  const list = Array.isArray(documents) ? documents : [documents];
  let readable = 0;
  list.forEach((document, index) => {
    const item = `document ${index + 1}`;
    if (document.errors.length > 0) {
      warnings.push({ item, message: document.errors[0]?.message.split('\n')[0] ?? 'invalid YAML' });
      return;
    }
    const value = document.toJS() as unknown;
    if (value === null || value === undefined) return;
    readable += 1;
    collect(value, item, objects, warnings);
  });
  if (readable === 0 && warnings.length > 0 && objects.length === 0)
    throw new UnreadableInputError(`No Kubernetes object could be read: ${warnings[0]?.message}`);
  return { objects, warnings };
}

function collect(value: unknown, item: string, objects: K8sObject[], warnings: ScanWarning[]) {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    warnings.push({ item, message: 'is not a Kubernetes object' });
    return;
  }
  const object = value as Partial<K8sObject> & { items?: unknown };
  if (Array.isArray(object.items) && (object.kind === 'List' || object.kind?.endsWith('List'))) {
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
      collect(typed, `${item} item ${index + 1}`, objects, warnings);
    });
    return;
  }
  if (typeof object.kind !== 'string' || typeof object.metadata?.name !== 'string') {
    warnings.push({ item, message: 'has no kind or metadata.name' });
    return;
  }
  objects.push(object as K8sObject);
}
