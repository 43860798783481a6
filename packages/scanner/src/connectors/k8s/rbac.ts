import { defaultClusterRoles } from './default-cluster-roles.ts';

/** One PolicyRule of a Role or ClusterRole. */
export interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** A ClusterRole as far as RBAC needs it: its labels (for aggregation), aggregation rule and rules. */
export interface ClusterRoleDefinition {
  name: string;
  labels?: Record<string, string>;
  aggregationRule?: { clusterRoleSelectors?: LabelSelector[] | null } | null;
  rules: Rule[];
}

/** What a request asks the API server: a verb on a resource (`pods/exec` for a subresource) of a group. */
export interface ResourceRequest {
  group: string;
  resource: string;
  verb: string;
}

/**
 * Whether a rule allows a request whatever the object's name, as the API server matches it
 * (pkg/apis/rbac/v1/evaluation_helpers.go): `*` verbs, groups and resources match everything, `*`
 * resources include subresources, `*\/exec` matches the exec subresource of any resource, and a plain
 * resource (`pods`) never matches its subresources (`pods/exec`). Names are checked by the caller.
 */
export function ruleMatches(rule: Rule, request: ResourceRequest): boolean {
  const subresource = request.resource.includes('/') ? request.resource.split('/').slice(1).join('/') : '';
  const resourceMatches = (entry: string) =>
    entry === '*' || entry === request.resource || (subresource !== '' && entry === `*/${subresource}`);
  return (
    (rule.verbs ?? []).some((verb) => verb === '*' || verb === request.verb) &&
    (rule.apiGroups ?? []).some((group) => group === '*' || group === request.group) &&
    (rule.resources ?? []).some(resourceMatches)
  );
}

function selects(selector: LabelSelector, labels: Record<string, string>): boolean {
  const labelsMatch = Object.entries(selector.matchLabels ?? {}).every(
    ([key, value]) => labels[key] === value,
  );
  const expressionsMatch = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    if (operator === 'In') return key in labels && values.includes(labels[key] as string);
    if (operator === 'NotIn') return !(key in labels) || !values.includes(labels[key] as string);
    if (operator === 'Exists') return key in labels;
    if (operator === 'DoesNotExist') return !(key in labels);
    return false;
  });
  return labelsMatch && expressionsMatch;
}

/**
 * The ClusterRoles of an input and the cluster's default ones it leaves out, resolved like the
 * API server's aggregation controller: an aggregated role has the union of its own rules and those of
 * every ClusterRole its selectors pick (recursively: admin picks edit, which picks view's parts).
 * A manifest's aggregated role usually has no rules of its own; an export from a cluster has them
 * filled in already, and the union changes nothing then.
 */
export class ClusterRoles {
  private readonly byName = new Map<string, ClusterRoleDefinition>();
  private readonly resolved = new Map<string, Rule[]>();

  constructor(fromInput: readonly ClusterRoleDefinition[]) {
    for (const role of defaultClusterRoles) this.byName.set(role.name, role);
    // The input's version of a default role wins: the cluster may have changed it.
    for (const role of fromInput) this.byName.set(role.name, role);
  }

  /** The effective rules of a ClusterRole, or undefined when neither the input nor the defaults know it. */
  rulesOf(name: string): Rule[] | undefined {
    return this.resolve(name, new Set());
  }

  private resolve(name: string, visiting: Set<string>): Rule[] | undefined {
    const cached = this.resolved.get(name);
    if (cached) return cached;
    const role = this.byName.get(name);
    if (!role) return undefined;
    const selectors = (role.aggregationRule?.clusterRoleSelectors ?? []).filter(Boolean);
    if (selectors.length === 0 || visiting.has(name)) return role.rules;
    visiting.add(name);
    const rules = [...role.rules];
    for (const other of this.byName.values()) {
      if (other.name === name || !selectors.some((selector) => selects(selector, other.labels ?? {})))
        continue;
      rules.push(...(this.resolve(other.name, visiting) ?? []));
    }
    visiting.delete(name);
    const unique = [...new Map(rules.map((rule) => [JSON.stringify(rule), rule])).values()];
    this.resolved.set(name, unique);
    return unique;
  }
}
