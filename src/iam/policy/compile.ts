import { type CompiledCondition, compileCondition } from './conditions.ts';
import type { ContextKeys } from './context.ts';
import type { Effect, Policy, PolicyStatement } from './document.ts';
import { PrincipalMatcher } from './principal.ts';
import {
  alternation,
  parseTemplate,
  type ResolvedPiece,
  regexSource,
  resolveTemplate,
  type Template,
} from './template.ts';

/**
 * Policies compiled once into matchers, so that a decision costs a few map lookups and the conditions that
 * remain: actions become lower-cased exact names or anchored expressions, indexed by exact action and
 * service prefix; each layer keeps, per action and resource it has seen, the statements that match them,
 * grouped by Condition block so that a block repeated across policies is tested once.
 */

export interface CompiledStatement {
  policyId: string;
  statement: PolicyStatement;
  effect: Effect;
  /** Order among the layer's statements, to report them as written. */
  ordinal: number;
  matchesAction(lowerAction: string): boolean;
  matchesResource(resource: string, keys: ContextKeys): boolean;
  /** Request keys the Resource element's variables read (lower case). */
  resourceVariables: readonly string[];
  principal?: PrincipalMatcher;
  notPrincipal?: PrincipalMatcher;
  conditions: CompiledCondition[];
  /** Equal for statements whose Condition blocks are equal (and read variables alike). */
  conditionKey: string;
}

interface CompiledPolicy {
  statements: CompiledStatement[];
  layer: Layer;
}

const compiledPolicies = new WeakMap<Policy, CompiledPolicy>();

/** The compiled form of a policy, made on first use and kept for the policy object's lifetime. */
export function compiledPolicy(policy: Policy): CompiledPolicy {
  let compiled = compiledPolicies.get(policy);
  if (!compiled) {
    const statements = policy.statements.map((statement) => compileStatement(policy, statement));
    compiled = { statements, layer: new Layer(statements) };
    compiledPolicies.set(policy, compiled);
  }
  return compiled;
}

function compileStatement(policy: Policy, statement: PolicyStatement): CompiledStatement {
  const variables = policy.version === '2012-10-17';
  const actionPatterns = statement.action ?? statement.notAction ?? [];
  const actionTest = compileActions(actionPatterns);
  const compiled: CompiledStatement = {
    policyId: policy.id,
    statement,
    effect: statement.effect,
    ordinal: 0,
    matchesAction: statement.notAction ? (action) => !actionTest(action) : actionTest,
    matchesResource: compileResources(statement, variables),
    resourceVariables: variables ? resourceVariablesOf(statement) : [],
    conditions: statement.conditions.map((entry) => compileCondition(entry, variables)),
    conditionKey: statement.conditions.length ? `${policy.version}${JSON.stringify(statement.conditions)}` : '',
  };
  if (statement.principal) compiled.principal = new PrincipalMatcher(statement.principal);
  if (statement.notPrincipal) compiled.notPrincipal = new PrincipalMatcher(statement.notPrincipal);
  return compiled;
}

function resourceVariablesOf(statement: PolicyStatement): string[] {
  const keys: string[] = [];
  for (const pattern of statement.resource ?? statement.notResource ?? []) {
    for (const piece of parseTemplate(pattern, { wildcards: true, variables: true }).pieces) {
      if (typeof piece === 'object') keys.push(piece.key);
    }
  }
  return keys;
}

/** Actions are case-insensitive (reference_policies_elements_action) and take `*` and `?` anywhere. */
function compileActions(patterns: readonly string[]): (lowerAction: string) => boolean {
  const lower = patterns.map((pattern) => pattern.toLowerCase());
  if (lower.includes('*')) return () => true;
  const exact = new Set(lower.filter((pattern) => !/[*?]/.test(pattern)));
  const wild = lower.filter((pattern) => /[*?]/.test(pattern));
  if (wild.length === 0) return (action) => exact.has(action);
  const expression = alternation(
    wild.map((pattern) =>
      regexSource(parseTemplate(pattern, { wildcards: true, variables: false }).pieces as ResolvedPiece[], 'plain'),
    ),
  );
  return (action) => exact.has(action) || expression.test(action);
}

/**
 * Resource / NotResource: ARNs matched per segment, with policy variables in 2012-10-17 policies. A variable
 * the request has no value for makes the element match nothing either way (reference_policies_variables:
 * "any attempt to match it fails and causes the statement to be invalid"): a NotResource must not turn
 * an unresolvable name into "every resource".
 */
function compileResources(
  statement: PolicyStatement,
  variables: boolean,
): (resource: string, keys: ContextKeys) => boolean {
  const patterns = statement.resource ?? statement.notResource;
  if (!patterns) return () => true; // trust policies: the role itself
  const negate = statement.notResource !== undefined;
  const test = compileArnPatterns(patterns, variables);
  return negate
    ? (resource, keys) => test(resource, keys) === false
    : (resource, keys) => test(resource, keys) === true;
}

/** Whether `resource` matches one of the patterns; undefined when it matches none and a variable of one has
 * no value. */
function compileArnPatterns(
  patterns: readonly string[],
  variables: boolean,
): (resource: string, keys: ContextKeys) => boolean | undefined {
  if (patterns.includes('*')) return () => true;
  const templates = patterns.map((pattern) => parseTemplate(pattern, { wildcards: true, variables }));
  const fixed = templates.filter((template) => !template.hasVariables);
  const exact = new Set(fixed.filter((template) => !template.hasWildcards).map((template) => template.pieces.join('')));
  const wild = fixed.filter((template) => template.hasWildcards);
  const expression = wild.length
    ? alternation(wild.map((template) => regexSource(template.pieces as ResolvedPiece[], 'arn')))
    : undefined;
  const withVariables = templates.filter((template) => template.hasVariables);
  const staticTest = expression
    ? (resource: string) => exact.has(resource) || expression.test(resource)
    : (resource: string) => exact.has(resource);
  if (withVariables.length === 0) return staticTest;
  const variableTests = withVariables.map(variableArnTest);
  return (resource, keys) => {
    if (staticTest(resource)) return true;
    let unresolved = false;
    for (const test of variableTests) {
      const matched = test(resource, keys);
      if (matched) return true;
      if (matched === undefined) unresolved = true;
    }
    return unresolved ? undefined : false;
  };
}

/** A pattern with variables, resolved when a layer plans a resource (plans are cached per resolution);
 * undefined when a variable has no value. */
function variableArnTest(template: Template): (resource: string, keys: ContextKeys) => boolean | undefined {
  return (resource, keys) => {
    const pieces = resolveTemplate(template, keys.resolve);
    return pieces === undefined ? undefined : alternation([regexSource(pieces, 'arn')]).test(resource);
  };
}

/** Statements that share their Condition block: the block is tested once for all of them. */
export interface StatementGroup {
  conditions: readonly CompiledCondition[];
  statements: readonly CompiledStatement[];
}

/** What is left to check of a layer for one action on one resource: conditions (and principals). */
export interface ResourcePlan {
  denies: readonly StatementGroup[];
  allows: readonly StatementGroup[];
}

interface ActionEntry {
  denies: readonly CompiledStatement[];
  allows: readonly CompiledStatement[];
  /** Plans by resource, then (when Resource elements hold variables) by the variables' values. */
  byResource: Map<string, ResourcePlan | Map<string, ResourcePlan>>;
}

const emptyPlan: ResourcePlan = { denies: [], allows: [] };
/** Plans kept per layer: actions × resources a principal uses are few; the bound only keeps made-up
 * names from growing the cache without end. */
const maxCachedPlans = 4096;

/**
 * Statements of one policy type (identity, boundary, session, or one resource policy), indexed by the
 * actions they name: exact names, names under a service prefix with wildcards, and the rest (`*`,
 * wildcard services, NotAction), which any action must be checked against. Per action and resource (and
 * the values of the variables its Resource elements use) the layer keeps the statements that match, so a
 * repeated request only tests conditions.
 */
export class Layer {
  readonly statements: readonly CompiledStatement[];
  readonly #exact = new Map<string, CompiledStatement[]>();
  readonly #byService = new Map<string, CompiledStatement[]>();
  readonly #everyAction: CompiledStatement[] = [];
  readonly #variableKeys: readonly string[];
  #actions = new Map<string, ActionEntry>();
  #cachedPlans = 0;

  constructor(statements: readonly CompiledStatement[]) {
    this.statements = statements.map((statement, ordinal) => ({ ...statement, ordinal }));
    for (const statement of this.statements) this.#index(statement);
    this.#variableKeys = [...new Set(this.statements.flatMap((statement) => statement.resourceVariables))].sort();
  }

  /** The statement groups that can apply to `action` on `resource`, split by effect, in written order. */
  plan(action: string, resource: string, keys: ContextKeys): ResourcePlan {
    if (this.statements.length === 0) return emptyPlan;
    const entry = this.#actions.get(action) ?? this.#actionEntry(action);
    if (entry.denies.length === 0 && entry.allows.length === 0) return emptyPlan;
    let values: string | undefined;
    if (this.#variableKeys.length) {
      // '\u0001' stands for "no value", which matches differently from an empty value.
      values = this.#variableKeys.map((key) => keys.resolve(key) ?? '\u0001').join('\u0000');
    }
    const cached = entry.byResource.get(resource);
    const known =
      values === undefined
        ? (cached as ResourcePlan | undefined)
        : (cached as Map<string, ResourcePlan> | undefined)?.get(values);
    if (known) return known;
    const plan: ResourcePlan = {
      denies: groupByConditions(entry.denies.filter((statement) => statement.matchesResource(resource, keys))),
      allows: groupByConditions(entry.allows.filter((statement) => statement.matchesResource(resource, keys))),
    };
    if (++this.#cachedPlans > maxCachedPlans) {
      this.#actions = new Map([[action, entry]]);
      entry.byResource.clear();
      this.#cachedPlans = 1;
    }
    if (values === undefined) entry.byResource.set(resource, plan);
    else {
      let byValues = entry.byResource.get(resource) as Map<string, ResourcePlan> | undefined;
      if (!byValues) {
        byValues = new Map();
        entry.byResource.set(resource, byValues);
      }
      byValues.set(values, plan);
    }
    return plan;
  }

  #actionEntry(action: string): ActionEntry {
    const lower = action.toLowerCase();
    const colon = lower.indexOf(':');
    const candidates = new Set<CompiledStatement>([
      ...(this.#exact.get(lower) ?? []),
      ...(colon > 0 ? (this.#byService.get(lower.slice(0, colon)) ?? []) : []),
      ...this.#everyAction,
    ]);
    const applicable = [...candidates]
      .filter((statement) => statement.matchesAction(lower))
      .sort((a, b) => a.ordinal - b.ordinal);
    const entry: ActionEntry = {
      denies: applicable.filter((statement) => statement.effect === 'Deny'),
      allows: applicable.filter((statement) => statement.effect === 'Allow'),
      byResource: new Map(),
    };
    this.#actions.set(action, entry);
    return entry;
  }

  #index(statement: CompiledStatement): void {
    const patterns = statement.statement.action;
    if (!patterns) {
      this.#everyAction.push(statement);
      return;
    }
    for (const pattern of patterns.map((p) => p.toLowerCase())) {
      const colon = pattern.indexOf(':');
      const service = colon > 0 ? pattern.slice(0, colon) : '';
      if (!/[*?]/.test(pattern)) push(this.#exact, pattern, statement);
      else if (service && !/[*?]/.test(service)) push(this.#byService, service, statement);
      else {
        this.#everyAction.push(statement);
        return;
      }
    }
  }
}

function groupByConditions(statements: readonly CompiledStatement[]): StatementGroup[] {
  const groups = new Map<string, { conditions: CompiledCondition[]; statements: CompiledStatement[] }>();
  for (const statement of statements) {
    const group = groups.get(statement.conditionKey);
    if (group) group.statements.push(statement);
    else groups.set(statement.conditionKey, { conditions: statement.conditions, statements: [statement] });
  }
  return [...groups.values()];
}

function push(map: Map<string, CompiledStatement[]>, key: string, statement: CompiledStatement): void {
  const list = map.get(key);
  if (list) {
    if (list.at(-1) !== statement) list.push(statement);
  } else map.set(key, [statement]);
}
