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
 * Policies compiled once into matchers, so that a decision costs a map lookup and a few comparisons:
 * actions become lower-cased exact names or anchored expressions and are indexed by exact action and
 * service prefix; each layer keeps, per action it has seen, the statements that can apply to it.
 */

export interface CompiledStatement {
  policyId: string;
  statement: PolicyStatement;
  effect: Effect;
  /** Order among the layer's statements, to report them as written. */
  ordinal: number;
  matchesAction(lowerAction: string): boolean;
  matchesResource(resource: string, keys: ContextKeys): boolean;
  principal?: PrincipalMatcher;
  notPrincipal?: PrincipalMatcher;
  conditions: CompiledCondition[];
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
    conditions: statement.conditions.map((entry) => compileCondition(entry, variables)),
  };
  if (statement.principal) compiled.principal = new PrincipalMatcher(statement.principal);
  if (statement.notPrincipal) compiled.notPrincipal = new PrincipalMatcher(statement.notPrincipal);
  return compiled;
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

/** Resource / NotResource: ARNs matched per segment, with policy variables in 2012-10-17 policies. */
function compileResources(
  statement: PolicyStatement,
  variables: boolean,
): (resource: string, keys: ContextKeys) => boolean {
  const patterns = statement.resource ?? statement.notResource;
  if (!patterns) return () => true; // trust policies: the role itself
  const negate = statement.notResource !== undefined;
  const test = compileArnPatterns(patterns, variables);
  return negate ? (resource, keys) => !test(resource, keys) : test;
}

function compileArnPatterns(
  patterns: readonly string[],
  variables: boolean,
): (resource: string, keys: ContextKeys) => boolean {
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
  return (resource, keys) => staticTest(resource) || variableTests.some((test) => test(resource, keys));
}

/** A pattern with variables, resolved per request; expressions kept for the last few resolutions. */
function variableArnTest(template: Template): (resource: string, keys: ContextKeys) => boolean {
  const cache = new Map<string, RegExp>();
  return (resource, keys) => {
    const pieces = resolveTemplate(template, keys.resolve);
    if (!pieces) return false;
    const cacheKey = JSON.stringify(pieces);
    let expression = cache.get(cacheKey);
    if (!expression) {
      if (cache.size >= 64) cache.clear();
      expression = alternation([regexSource(pieces, 'arn')]);
      cache.set(cacheKey, expression);
    }
    return expression.test(resource);
  };
}

export interface ActionPlan {
  denies: readonly CompiledStatement[];
  allows: readonly CompiledStatement[];
}

const emptyPlan: ActionPlan = { denies: [], allows: [] };
const maxCachedActions = 2048;

/**
 * Statements of one policy type (identity, boundary, session, or one resource policy), indexed by the
 * actions they name: exact names, names under a service prefix with wildcards, and the rest (`*`,
 * wildcard services, NotAction), which any action must be checked against.
 */
export class Layer {
  readonly statements: readonly CompiledStatement[];
  readonly #exact = new Map<string, CompiledStatement[]>();
  readonly #byService = new Map<string, CompiledStatement[]>();
  readonly #everyAction: CompiledStatement[] = [];
  readonly #plans = new Map<string, ActionPlan>();

  constructor(statements: readonly CompiledStatement[]) {
    this.statements = statements.map((statement, ordinal) => ({ ...statement, ordinal }));
    for (const statement of this.statements) this.#index(statement);
  }

  get isEmpty(): boolean {
    return this.statements.length === 0;
  }

  /** The statements that can apply to `action`, split by effect, in the order they were written. */
  plan(action: string): ActionPlan {
    const cached = this.#plans.get(action);
    if (cached) return cached;
    if (this.statements.length === 0) return emptyPlan;
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
    const plan: ActionPlan = {
      denies: applicable.filter((statement) => statement.effect === 'Deny'),
      allows: applicable.filter((statement) => statement.effect === 'Allow'),
    };
    // Actions come from a fixed vocabulary; the bound only keeps a flood of made-up names from growing it.
    if (this.#plans.size >= maxCachedActions) this.#plans.clear();
    this.#plans.set(action, plan);
    return plan;
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

function push(map: Map<string, CompiledStatement[]>, key: string, statement: CompiledStatement): void {
  const list = map.get(key);
  if (list) {
    if (list.at(-1) !== statement) list.push(statement);
  } else map.set(key, [statement]);
}
