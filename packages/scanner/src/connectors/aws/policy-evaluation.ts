import {
  type ActionCatalogue,
  andInto,
  andNotInto,
  type Bitset,
  bitsetOf,
  globExpression,
  orInto,
} from './action-catalogue.ts';

/** One Allow or Deny statement, normalised: lists everywhere, where it came from. */
export interface EffectiveStatement {
  effect: 'Allow' | 'Deny';
  actions?: string[];
  notActions?: string[];
  resources?: string[];
  notResources?: string[];
  condition?: unknown;
  /** `inline UserPolicy`, `managed arn:...`, `group admin: managed arn:...`, `boundary arn:...`. */
  via: string;
}

const toList = (value: unknown): string[] | undefined =>
  value === undefined ? undefined : (Array.isArray(value) ? value : [value]).map(String);

/** A policy document as exported: an object, a JSON string, or URL-encoded JSON (the live API). */
export function policyDocument(value: unknown): { Statement?: unknown } {
  if (typeof value !== 'string') return (value ?? {}) as { Statement?: unknown };
  const text = value.trim().startsWith('%7B') ? decodeURIComponent(value) : value;
  return JSON.parse(text) as { Statement?: unknown };
}

export function statementsOf(document: unknown, via: string): EffectiveStatement[] {
  const raw = policyDocument(document).Statement;
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return list.map((entry) => {
    const statement = entry as Record<string, unknown>;
    if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny')
      throw new Error(`statement without Effect Allow or Deny in ${via}`);
    return {
      effect: statement.Effect,
      actions: toList(statement.Action),
      notActions: toList(statement.NotAction),
      resources: toList(statement.Resource),
      notResources: toList(statement.NotResource),
      condition: statement.Condition,
      via,
    };
  });
}

/**
 * What is known of a request when a path is judged: condition keys (lower case) with their values.
 * Keys absent here are unknown, never assumed absent; a key known to be absent from the request (e.g.
 * `aws:username` for a role's session) has an empty list.
 */
export type RequestContext = Readonly<Record<string, readonly string[]>>;

/** Three-valued: a condition over keys the scan cannot know neither holds nor fails. */
export type Truth = true | false | undefined;

/**
 * Whether a Condition block holds in a context. Unknown keys make it unknown, so an Allow under an
 * unknowable condition still counts (someone can meet it) and a Deny under one does not (it may not apply).
 */
export function conditionHolds(condition: unknown, context: RequestContext): Truth {
  if (!condition || typeof condition !== 'object') return true;
  let result: Truth = true;
  for (const [operator, entries] of Object.entries(condition as Record<string, unknown>)) {
    for (const [key, expected] of Object.entries((entries ?? {}) as Record<string, unknown>)) {
      const outcome = operatorHolds(operator, context[key.toLowerCase()], toList(expected) ?? []);
      if (outcome === false) return false;
      if (outcome === undefined) result = undefined;
    }
  }
  return result;
}

function operatorHolds(operator: string, actual: readonly string[] | undefined, expected: string[]): Truth {
  const [qualifier, rest] = operator.includes(':') ? operator.split(':', 2) : ['', operator];
  const ifExists = (rest as string).endsWith('IfExists');
  const name = ifExists ? (rest as string).slice(0, -'IfExists'.length) : (rest as string);
  if (actual === undefined) return undefined;
  const negated = /Not/.test(name);
  if (name === 'Null') {
    // Null: "true" holds when the key is absent, "false" when it is present.
    const wanted = expected.map((value) => value.toLowerCase());
    if (wanted.length !== 1 || (wanted[0] !== 'true' && wanted[0] !== 'false')) return undefined;
    return (wanted[0] === 'true') === (actual.length === 0);
  }
  // A key absent from the request (IAM policy reference, condition operators): the values do not
  // match, so the condition is false, except ...IfExists, ForAllValues (true on an empty set) and the
  // negated operators (StringNotEquals, ArnNotLike ...), which then hold.
  if (actual.length === 0) {
    if (ifExists || qualifier === 'ForAllValues') return true;
    if (qualifier === 'ForAnyValue') return false;
    return valueTest(name, expected) ? negated : undefined;
  }
  const test = valueTest(name, expected);
  if (!test) return undefined;
  const results = actual.map(test);
  if (results.includes(undefined)) return undefined;
  if (qualifier === 'ForAllValues') return results.every(Boolean);
  // Negated operators hold when no value matches what they exclude; the others when one matches.
  return negated ? results.every(Boolean) : results.some(Boolean);
}

function valueTest(name: string, expected: string[]): ((value: string) => Truth) | undefined {
  const any = (match: (value: string, pattern: string) => boolean) => (value: string) =>
    expected.some((pattern) => match(value, pattern));
  const not = (match: (value: string, pattern: string) => boolean) => (value: string) =>
    !expected.some((pattern) => match(value, pattern));
  const like = (value: string, pattern: string) => globExpression(pattern).test(value);
  const date = (compare: (a: number, b: number) => boolean) => (value: string) =>
    expected.some((pattern) => compare(Date.parse(value), Date.parse(pattern)));
  switch (name) {
    case 'StringEquals':
    case 'ArnEquals':
      return any((value, pattern) => value === pattern);
    case 'StringEqualsIgnoreCase':
      return any((value, pattern) => value.toLowerCase() === pattern.toLowerCase());
    case 'StringLike':
    case 'ArnLike':
      return any(like);
    case 'StringNotEquals':
    case 'ArnNotEquals':
      return not((value, pattern) => value === pattern);
    case 'StringNotEqualsIgnoreCase':
      return not((value, pattern) => value.toLowerCase() === pattern.toLowerCase());
    case 'StringNotLike':
    case 'ArnNotLike':
      return not(like);
    case 'DateLessThan':
      return date((a, b) => a < b);
    case 'DateLessThanEquals':
      return date((a, b) => a <= b);
    case 'DateGreaterThan':
      return date((a, b) => a > b);
    case 'DateGreaterThanEquals':
      return date((a, b) => a >= b);
    case 'Bool':
      return any((value, pattern) => value.toLowerCase() === pattern.toLowerCase());
    default:
      return undefined;
  }
}

/** The condition keys (lower case) a statement's Condition block reads, each once. */
export function conditionKeysOf(statement: EffectiveStatement): string[] {
  const condition = statement.condition;
  if (!condition || typeof condition !== 'object') return [];
  const keys = new Set<string>();
  for (const entries of Object.values(condition as Record<string, unknown>))
    for (const key of Object.keys((entries ?? {}) as Record<string, unknown>)) keys.add(key.toLowerCase());
  return [...keys];
}

/** A statement ready to be asked: its catalogue actions as bits, its patterns as expressions. */
export interface CompiledStatement extends EffectiveStatement {
  /** Catalogue actions it covers (NotAction already complemented). */
  actionBits: Bitset;
  /** Resource "*" or NotResource: it reaches (almost) any resource. */
  broad: boolean;
}

const expressions = new Map<string, RegExp>();
function expressionOf(pattern: string, flags: string): RegExp {
  const key = flags + pattern;
  let expression = expressions.get(key);
  if (!expression) {
    expression = globExpression(pattern, flags);
    expressions.set(key, expression);
  }
  return expression;
}

/** Policy variables the scan knows for the principal (`${aws:username}`); the others match nothing. */
export type PolicyVariables = Readonly<Record<string, string>>;

function substitute(pattern: string, variables: PolicyVariables): string | undefined {
  if (!pattern.includes('${')) return pattern;
  let unknown = false;
  const text = pattern.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
    // ${*}, ${?} and ${$} stand for the character itself.
    if (name === '*' || name === '?' || name === '$') return name;
    const value = variables[name.toLowerCase()];
    if (value === undefined) unknown = true;
    return value ?? '';
  });
  return unknown ? undefined : text;
}

// Plain loops: these run for every statement, resource and path of every principal.
export function actionMatches(statement: EffectiveStatement, action: string): boolean {
  const patterns = statement.actions ?? statement.notActions;
  if (!patterns) return false;
  let hit = false;
  for (const pattern of patterns)
    if (expressionOf(pattern, 'i').test(action)) {
      hit = true;
      break;
    }
  return statement.actions ? hit : !hit;
}

export function resourceMatches(
  statement: EffectiveStatement,
  arn: string,
  variables: PolicyVariables,
): boolean {
  const patterns = statement.resources ?? statement.notResources;
  if (!patterns) return false;
  let hit = false;
  for (const pattern of patterns) {
    const concrete = substitute(pattern, variables);
    if (concrete !== undefined && expressionOf(concrete, '').test(arn)) {
      hit = true;
      break;
    }
  }
  return statement.resources ? hit : !hit;
}

/**
 * Whether two IAM resource patterns (`*` any run of characters, `?` one) match at least one common
 * ARN: a walk over pairs of positions, at most the product of their lengths.
 */
export function globsIntersect(a: string, b: string): boolean {
  const seen = new Set<number>();
  const width = b.length + 1;
  const stack = [0];
  while (stack.length > 0) {
    const state = stack.pop() as number;
    if (seen.has(state)) continue;
    seen.add(state);
    const i = Math.floor(state / width);
    const j = state % width;
    if (i === a.length && j === b.length) return true;
    const x = a[i];
    const y = b[j];
    // A star may match nothing.
    if (x === '*') stack.push((i + 1) * width + j);
    if (y === '*') stack.push(i * width + j + 1);
    if (x === undefined || y === undefined) continue;
    // One character both sides can read: a star stays, anything else moves on.
    const wildX = x === '*' || x === '?';
    const wildY = y === '*' || y === '?';
    if (!wildX && !wildY && x !== y) continue;
    stack.push((x === '*' ? i : i + 1) * width + (y === '*' ? j : j + 1));
  }
  return false;
}

/** Whether a statement's resources can reach some ARN of the scopes (patterns of ARNs, as globs). */
function reachesScope(
  statement: EffectiveStatement,
  scopes: readonly string[],
  variables: PolicyVariables,
): boolean {
  if (statement.resources)
    return statement.resources.some((pattern) => {
      const concrete = substitute(pattern, variables);
      return concrete !== undefined && scopes.some((scope) => globsIntersect(concrete, scope));
    });
  // NotResource reaches a scope unless one of its patterns covers the whole scope.
  return scopes.some((scope) => resourceMatches(statement, scope, variables));
}

/** Compiles statements against the catalogue; the action bits of a pattern are computed once. */
export function compileStatements(
  catalogue: ActionCatalogue,
  statements: readonly EffectiveStatement[],
): CompiledStatement[] {
  return statements.map((statement) => {
    const actionBits = bitsetOf(catalogue.size);
    for (const pattern of statement.actions ?? statement.notActions ?? [])
      orInto(actionBits, catalogue.match(pattern));
    if (!statement.actions && statement.notActions) {
      const all = catalogue.match('*');
      for (let i = 0; i < actionBits.length; i++)
        actionBits[i] = (all[i] as number) & ~(actionBits[i] as number);
    }
    const broad = statement.notResources !== undefined || (statement.resources ?? []).includes('*');
    return { ...statement, actionBits, broad };
  });
}

/** Evidence of a grant: the statements that allow an action and the resources they name. */
export interface Grant {
  via: string[];
  resources: string[];
  conditional: boolean;
}

/**
 * The effective permissions of one principal, as AWS evaluates them within an account: an explicit
 * Deny wins; otherwise the identity policies must allow, and so must every guard (the permissions
 * boundary, each level of service control policies).
 */
export class PrincipalPermissions {
  readonly denies: CompiledStatement[];
  private readonly anywhereBits: Bitset;
  private readonly everywhereBits: Bitset;
  private readonly byAction: Map<string, ActionStatements>;

  constructor(
    readonly catalogue: ActionCatalogue,
    readonly identity: CompiledStatement[],
    readonly guards: { name: string; statements: CompiledStatement[] }[],
    readonly variables: PolicyVariables,
    readonly now: Date,
    /** What the export says of the principal's own requests (`aws:username`, `aws:PrincipalArn` ...). */
    readonly principalContext: RequestContext = {},
    shared?: PrincipalPermissions,
  ) {
    if (shared) {
      this.denies = shared.denies;
      this.anywhereBits = shared.anywhereBits;
      this.everywhereBits = shared.everywhereBits;
      this.byAction = shared.byAction;
      return;
    }
    this.byAction = new Map();
    this.denies = [identity, ...guards.map((guard) => guard.statements)]
      .flat()
      .filter((statement) => statement.effect === 'Deny');
    this.anywhereBits = this.allowedBits(() => true);
    this.everywhereBits = this.allowedBits((statement) => statement.broad);
  }

  /**
   * The same statements and guards held by another principal: what does not depend on the resource
   * asked (the action bits, the statements naming each action) is this one's, computed once; the
   * policy variables and request context are the other principal's. Only for a principal whose
   * context gives the same values to every condition key the statements name (conditionKeysOf), as
   * the action bits are judged under those conditions.
   */
  forPrincipal(variables: PolicyVariables, principalContext: RequestContext): PrincipalPermissions {
    return new PrincipalPermissions(
      this.catalogue,
      this.identity,
      this.guards,
      variables,
      this.now,
      principalContext,
      this,
    );
  }

  /** Catalogue actions allowed on at least some resource, under a condition someone can meet. */
  get anywhere(): Bitset {
    return this.anywhereBits;
  }

  /** Catalogue actions allowed on any resource (Resource "*" or NotResource). */
  get everywhere(): Bitset {
    return this.everywhereBits;
  }

  /**
   * The context every question starts from: the time (conditions on it are judged at the scan) and
   * what is known of the principal making the request.
   */
  baseContext(): RequestContext {
    this.base ??= {
      ...this.principalContext,
      'aws:currenttime': [this.now.toISOString()],
      'aws:tokenissuetime': [this.now.toISOString()],
    };
    return this.base;
  }

  private base: RequestContext | undefined;

  /** The statements that name an action, per layer: asked once per action, as paths share actions. */
  private statementsFor(action: string): ActionStatements {
    let found = this.byAction.get(action);
    if (!found) {
      const matching = (statements: CompiledStatement[], effect: 'Allow' | 'Deny') =>
        statements.filter((statement) => statement.effect === effect && actionMatches(statement, action));
      found = {
        allows: matching(this.identity, 'Allow'),
        guards: this.guards.map((guard) => matching(guard.statements, 'Allow')),
        denies: matching(this.denies, 'Deny'),
      };
      this.byAction.set(action, found);
    }
    return found;
  }

  private allowedBits(reach: (statement: CompiledStatement) => boolean): Bitset {
    const context = this.baseContext();
    const layer = (statements: CompiledStatement[]) => {
      const bits = bitsetOf(this.catalogue.size);
      for (const statement of statements)
        if (
          statement.effect === 'Allow' &&
          reach(statement) &&
          conditionHolds(statement.condition, context) !== false
        )
          orInto(bits, statement.actionBits);
      return bits;
    };
    const allowed = layer(this.identity);
    for (const guard of this.guards) andInto(allowed, layer(guard.statements));
    for (const deny of this.denies)
      if (deny.broad && deny.resources !== undefined && conditionHolds(deny.condition, context) === true)
        andNotInto(allowed, deny.actionBits);
    return allowed;
  }

  /** The resource patterns of the identity statements allowing an action; NotResource reads as "*". */
  resourcePatterns(action: string): string[] {
    return this.statementsFor(action).allows.flatMap((statement) => statement.resources ?? ['*']);
  }

  /** Whether any identity statement allowing the action names this resource (before Deny and guards). */
  mayNameResource(action: string, arn: string): boolean {
    return this.statementsFor(action).allows.some((statement) =>
      resourceMatches(statement, arn, this.variables),
    );
  }

  /** The identity statements that allow an action on one resource, or null when it is not allowed. */
  allowedOn(action: string, arn: string, extra: RequestContext = {}): Grant | null {
    const { allows, guards, denies } = this.statementsFor(action);
    if (allows.length === 0) return null;
    const context = { ...this.baseContext(), ...extra };
    const applies = (statement: CompiledStatement) =>
      resourceMatches(statement, arn, this.variables) && conditionHolds(statement.condition, context);
    if (denies.some((deny) => applies(deny) === true)) return null;
    const allowing = (statements: CompiledStatement[]) =>
      statements.filter((statement) => applies(statement) !== false);
    if (guards.some((guard) => allowing(guard).length === 0)) return null;
    const granting = allowing(allows);
    return granting.length === 0 ? null : grantOf(granting, context);
  }

  /**
   * The identity statements that allow an action on some resource, or null when none does. With
   * scopes (ARN patterns of the resource type the action needs), only statements whose resources can
   * name such a resource count: CreatePolicyVersion on `arn:aws:iam::aws:policy/*` reaches no policy of
   * the account.
   */
  allowedSomewhere(action: string, extra: RequestContext = {}, scopes?: readonly string[]): Grant | null {
    const { allows, guards, denies: named } = this.statementsFor(action);
    if (allows.length === 0) return null;
    const context = { ...this.baseContext(), ...extra };
    const denies = named.filter((deny) => conditionHolds(deny.condition, context) === true);
    const inScope = (statement: CompiledStatement) =>
      !scopes || reachesScope(statement, scopes, this.variables);
    const deniedInScope = (deny: CompiledStatement) =>
      scopes?.every((scope) => resourceMatches(deny, scope, this.variables)) === true;
    const allowing = (statements: CompiledStatement[]) =>
      statements.filter(
        (statement) =>
          inScope(statement) &&
          conditionHolds(statement.condition, context) !== false &&
          !denies.some((deny) => deniedInScope(deny) || covers(deny, statement, this.variables)),
      );
    if (guards.some((guard) => allowing(guard).length === 0)) return null;
    const granting = allowing(allows);
    return granting.length === 0 ? null : grantOf(granting, context);
  }
}

interface ActionStatements {
  allows: CompiledStatement[];
  guards: CompiledStatement[][];
  denies: CompiledStatement[];
}

function grantOf(statements: CompiledStatement[], context: RequestContext): Grant {
  return {
    via: [...new Set(statements.map((statement) => statement.via))],
    resources: [...new Set(statements.flatMap((statement) => statement.resources ?? ['*']))],
    conditional: statements.every((statement) => conditionHolds(statement.condition, context) !== true),
  };
}

/** Whether a Deny takes away everything an Allow grants (resource by resource, as patterns). */
function covers(deny: CompiledStatement, allow: CompiledStatement, variables: PolicyVariables): boolean {
  if (deny.resources?.includes('*')) return true;
  if (!allow.resources) return false;
  return allow.resources.every((pattern) => {
    const concrete = substitute(pattern, variables) ?? pattern;
    return resourceMatches(deny, concrete, variables);
  });
}
