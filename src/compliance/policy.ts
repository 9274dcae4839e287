import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ActionRegistry } from './action.ts';
import { type Filter, FilterError, parseFilter } from './filters.ts';

/**
 * Compliance rules are policy-as-code documents in Cloud Custodian's shape: the resource type they look
 * at, filters that select the resources in violation, and actions that fix them. Documents are JSON
 * (`{"policies": [...]}`): YAML would need a parser dependency, and JSON is what pciq's other
 * configuration files and IAM policies already are. pciq ships a default pack; operators add files of
 * their own, and a policy of theirs with the name of a default one replaces it.
 */
export const severities = ['informational', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof severities)[number];

/**
 * When a policy runs besides every on-demand scan: `periodic` at an interval on the server, `on-change`
 * as soon as the audit trail records a change to a resource of its type.
 */
export type PolicyMode = { type: 'on-demand' } | { type: 'periodic'; intervalSec: number } | { type: 'on-change' };

/** An action as written: its type and its parameters. */
export interface ActionSpec {
  type: string;
  [parameter: string]: unknown;
}

export interface CompliancePolicy {
  name: string;
  description: string;
  resource: string;
  severity: Severity;
  /** PCI DSS v4.0.1 requirement ids, e.g. 3.6.1, 10.5.1. */
  requirements: string[];
  /** What a person does to fix a finding: shown with every finding and in the report. */
  remediation: string;
  mode: PolicyMode;
  filters: Filter[];
  actions: ActionSpec[];
  /** Run the actions without a plan and an approval, as soon as a finding appears (on-change and periodic). */
  autoRemediate: boolean;
  /** Where the policy came from: `default` or the file. */
  source: string;
}

/** A problem in a policy document; the message names the file, the policy and the field. */
export class PolicyError extends Error {}

const namePattern = /^[a-z0-9][a-z0-9-]{0,79}$/;
const requirementPattern = /^\d{1,2}(\.\d{1,2}){0,3}$/;
const knownFields = new Set([
  'name',
  'description',
  'resource',
  'severity',
  'requirements',
  'remediation',
  'mode',
  'filters',
  'actions',
  'autoRemediate',
]);

function parseMode(raw: unknown, place: string): PolicyMode {
  if (raw === undefined) return { type: 'on-demand' };
  const mode = raw as Record<string, unknown>;
  switch (mode?.type) {
    case 'on-demand':
    case 'on-change':
      return { type: mode.type };
    case 'periodic': {
      const interval = mode.intervalSec ?? 3_600;
      if (!Number.isInteger(interval) || (interval as number) < 60 || (interval as number) > 7 * 86_400) {
        throw new PolicyError(`${place}: mode.intervalSec must be whole seconds from 60 to 604800`);
      }
      return { type: 'periodic', intervalSec: interval as number };
    }
    default:
      throw new PolicyError(`${place}: mode.type must be on-demand, periodic or on-change`);
  }
}

export function parsePolicy(raw: unknown, source: string, index: number): CompliancePolicy {
  let place = `${source}: policies[${index}]`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new PolicyError(`${place} is not an object`);
  const policy = raw as Record<string, unknown>;
  if (typeof policy.name !== 'string' || !namePattern.test(policy.name)) {
    throw new PolicyError(
      `${place}: name must be 1 to 80 lower-case letters, digits and -, starting with a letter or digit`,
    );
  }
  place = `${source}: policy ${policy.name}`;
  const unknown = Object.keys(policy).filter((field) => !knownFields.has(field));
  if (unknown.length > 0) throw new PolicyError(`${place}: unknown fields ${unknown.join(', ')}`);
  if (typeof policy.resource !== 'string' || policy.resource === '') {
    throw new PolicyError(`${place}: resource must name a resource type`);
  }
  const severity = policy.severity ?? 'medium';
  if (!(severities as readonly unknown[]).includes(severity)) {
    throw new PolicyError(`${place}: severity must be one of ${severities.join(', ')}`);
  }
  const requirements = policy.requirements ?? [];
  if (
    !Array.isArray(requirements) ||
    requirements.some((id) => typeof id !== 'string' || !requirementPattern.test(id))
  ) {
    throw new PolicyError(`${place}: requirements must be a list of PCI DSS requirement ids such as 3.6.1`);
  }
  if (policy.filters !== undefined && !Array.isArray(policy.filters)) {
    throw new PolicyError(`${place}: filters must be a list`);
  }
  let filters: Filter[];
  try {
    filters = ((policy.filters as unknown[] | undefined) ?? []).map((filter, i) =>
      parseFilter(filter, `${place}: filters[${i}]`),
    );
  } catch (error) {
    if (error instanceof FilterError) throw new PolicyError(error.message);
    throw error;
  }
  const actions = policy.actions ?? [];
  if (
    !Array.isArray(actions) ||
    actions.some((action) => typeof action !== 'object' || action === null || typeof action.type !== 'string')
  ) {
    throw new PolicyError(`${place}: actions must be a list of objects with a type`);
  }
  if (policy.autoRemediate !== undefined && typeof policy.autoRemediate !== 'boolean') {
    throw new PolicyError(`${place}: autoRemediate must be true or false`);
  }
  for (const field of ['description', 'remediation'] as const) {
    if (policy[field] !== undefined && typeof policy[field] !== 'string') {
      throw new PolicyError(`${place}: ${field} must be text`);
    }
  }
  return {
    name: policy.name,
    description: (policy.description as string | undefined) ?? '',
    resource: policy.resource,
    severity: severity as Severity,
    requirements: requirements as string[],
    remediation: (policy.remediation as string | undefined) ?? '',
    mode: parseMode(policy.mode, place),
    filters,
    actions: actions as ActionSpec[],
    autoRemediate: (policy.autoRemediate as boolean | undefined) ?? false,
    source,
  };
}

/** Parses a document `{"policies": [...]}`. */
export function parsePolicyDocument(text: string, source: string): CompliancePolicy[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new PolicyError(`${source} is not valid JSON`);
  }
  const list = (document as { policies?: unknown })?.policies;
  if (!Array.isArray(list)) throw new PolicyError(`${source}: a policy document is {"policies": [...]}`);
  return list.map((raw, index) => parsePolicy(raw, source, index));
}

/** The default pack shipped with pciq (src/compliance/policies/default-pack.json). */
export function defaultPolicies(): CompliancePolicy[] {
  const file = join(import.meta.dirname, 'policies', 'default-pack.json');
  return parsePolicyDocument(readFileSync(file, 'utf8'), 'default');
}

/** Reads policy files: a path is a JSON file, or a directory whose `*.json` files are read in name order. */
export function readPolicyFiles(paths: readonly string[]): CompliancePolicy[] {
  const out: CompliancePolicy[] = [];
  for (const path of paths) {
    let files: string[];
    try {
      files = statSync(path).isDirectory()
        ? readdirSync(path)
            .filter((name) => name.endsWith('.json'))
            .sort()
            .map((name) => join(path, name))
        : [path];
    } catch {
      throw new PolicyError(`cannot read the policy file or directory ${path}`);
    }
    for (const file of files) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        throw new PolicyError(`cannot read the policy file ${file}`);
      }
      out.push(...parsePolicyDocument(text, file));
    }
  }
  return out;
}

/**
 * Checks what each policy's actions name against the actions there are: an unknown type, one for another kind
 * of resource, or parameters the action refuses would otherwise be skipped (or fail) only once a finding asks
 * for them — a misspelt automatic remediation would leave its findings unremediated without a word.
 */
export function checkPolicyActions(policies: readonly CompliancePolicy[], actions: ActionRegistry): void {
  for (const policy of policies) {
    for (const { type, ...parameters } of policy.actions) {
      const place = `${policy.source}: policy ${policy.name}: action ${type}`;
      const action = actions.get(type);
      if (!action) {
        throw new PolicyError(
          `${place} does not exist; the actions are ${actions
            .list()
            .map((a) => a.type)
            .join(', ')}`,
        );
      }
      if (!action.resourceTypes.includes(policy.resource)) {
        throw new PolicyError(`${place} acts on ${action.resourceTypes.join(', ')}, not on ${policy.resource}`);
      }
      try {
        action.checkParameters(parameters);
      } catch (error) {
        throw new PolicyError(`${place}: ${(error as Error).message}`);
      }
    }
  }
}

/**
 * The default pack with the operator's policies laid over it: same name replaces, new names add. Names
 * in `autoRemediate` turn automatic remediation on for those policies without copying them.
 */
export function assemblePolicies(
  defaults: readonly CompliancePolicy[],
  extra: readonly CompliancePolicy[],
  options: { autoRemediate?: readonly string[]; disabled?: readonly string[] } = {},
): CompliancePolicy[] {
  const byName = new Map(defaults.map((policy) => [policy.name, policy]));
  const seen = new Set<string>();
  for (const policy of extra) {
    if (seen.has(policy.name)) throw new PolicyError(`${policy.source}: policy ${policy.name} is defined twice`);
    seen.add(policy.name);
    byName.set(policy.name, policy);
  }
  for (const name of [...(options.autoRemediate ?? []), ...(options.disabled ?? [])]) {
    if (!byName.has(name)) throw new PolicyError(`there is no policy named ${name}`);
  }
  for (const name of options.disabled ?? []) byName.delete(name);
  for (const name of options.autoRemediate ?? []) {
    const policy = byName.get(name)!;
    byName.set(name, { ...policy, autoRemediate: true });
  }
  return [...byName.values()];
}
