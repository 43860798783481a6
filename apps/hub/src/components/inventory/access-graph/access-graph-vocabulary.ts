import type { AccessGraph, AccessNode, AccessNodeType, AccessSeverity } from '@nhi/scanner';

/** What each kind of node is, in words: the graph never says it by colour alone. */
export const nodeTypeLabel: Record<AccessNodeType, string> = {
  identity: 'Identity',
  credential: 'Credential',
  permission: 'Permission',
  resource: 'Resource',
  cluster: 'Cluster',
  namespace: 'Namespace',
  repository: 'Repository',
  workload: 'Workload',
  file: 'Leaked in file',
  principal: 'Trusted principal',
  account: 'Account',
  more: 'Not drawn',
};

export const severityLabel: Record<AccessSeverity, string> = {
  critical: 'Critical',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
};

export const severityOrder: AccessSeverity[] = ['critical', 'high', 'medium', 'low'];

/** The node types a graph holds, in the legend's order. */
export function nodeTypesOf(graph: AccessGraph): AccessNodeType[] {
  const present = new Set(graph.nodes.map((node) => node.type));
  return (Object.keys(nodeTypeLabel) as AccessNodeType[]).filter((type) => present.has(type));
}

/** A node as text: its kind, its label and, when risky, how risky. */
export function nodeText(node: AccessNode): string {
  const risk = node.severity ? ` (${severityLabel[node.severity]})` : '';
  return `${nodeTypeLabel[node.type]}: ${node.label}${risk}`;
}
