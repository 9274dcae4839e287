import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ActionRegistry } from './action.ts';
import {
  assemblePolicies,
  type CompliancePolicy,
  checkPolicyActions,
  defaultPolicies,
  PolicyError,
  readPolicyFiles,
} from './policy.ts';

/**
 * The compliance configuration (`--compliance-config FILE`, JSON): the operator's policy files or
 * directories (relative to the file), the policies to remediate automatically, those to leave out, and
 * whether the server monitors at all.
 */
export interface ComplianceConfig {
  policyPaths: string[];
  autoRemediate: string[];
  disabled: string[];
  isMonitorEnabled: boolean;
}

export const defaultComplianceConfig: ComplianceConfig = {
  policyPaths: [],
  autoRemediate: [],
  disabled: [],
  isMonitorEnabled: true,
};

function names(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw new PolicyError(`${field} must be a list of policy names`);
  }
  return value as string[];
}

export function loadComplianceConfig(path: string | undefined): ComplianceConfig {
  if (path === undefined) return defaultComplianceConfig;
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    throw new PolicyError(`cannot read the compliance configuration ${path} as JSON`);
  }
  const unknown = Object.keys(raw ?? {}).filter(
    (key) => !['policies', 'autoRemediate', 'disabled', 'monitor'].includes(key),
  );
  if (unknown.length > 0) throw new PolicyError(`unknown compliance settings: ${unknown.join(', ')}`);
  if (raw.monitor !== undefined && typeof raw.monitor !== 'boolean')
    throw new PolicyError('monitor must be true or false');
  return {
    policyPaths: names(raw.policies, 'policies').map((item) => resolve(dirname(path), item)),
    autoRemediate: names(raw.autoRemediate, 'autoRemediate'),
    disabled: names(raw.disabled, 'disabled'),
    isMonitorEnabled: (raw.monitor as boolean | undefined) ?? true,
  };
}

/**
 * The policies in force: the default pack, the configuration's files, then extra files (`--policies`), their
 * actions checked against the actions there are.
 */
export function policiesOf(
  config: ComplianceConfig,
  actions: ActionRegistry,
  extraPaths: readonly string[] = [],
): CompliancePolicy[] {
  const policies = assemblePolicies(defaultPolicies(), readPolicyFiles([...config.policyPaths, ...extraPaths]), {
    autoRemediate: config.autoRemediate,
    disabled: config.disabled,
  });
  checkPolicyActions(policies, actions);
  return policies;
}
