import { createHash, randomUUID } from 'node:crypto';
import type { SystemKeyring } from '../crypto/index.ts';
import type { ActionContext, ActionRegistry, ManagedState } from './action.ts';
import type { Finding } from './findings.ts';
import type { Resource } from './resource.ts';
import type { ComplianceScanner } from './scanner.ts';

/** One change of a plan: what an action will write on a resource, and what it finds there now. */
export interface PlannedChange {
  id: string;
  policy: string;
  action: string;
  resource: string;
  resourceType: string;
  description: string;
  before: ManagedState;
  after: ManagedState;
  isReversible: boolean;
}

/**
 * A dry run's plan (what Cloud Custodian's users ask for): every change the policies' actions would make,
 * written to a file a person reads and approves. `pciq compliance apply` carries out exactly these
 * changes: the file is MAC'd with a key derived from the root key (an edited plan is refused), each
 * resource must still be in its `before` state (a plan gone stale is refused whole), and a plan is applied
 * once.
 */
export interface RemediationPlan {
  format: 'pciq-compliance-plan/1';
  planId: string;
  createdAt: string;
  accountId: string;
  changes: PlannedChange[];
  mac: string;
}

export class PlanError extends Error {}

const macPurpose = 'compliance-plan';

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** SHA-256 of a state's canonical JSON: what the audit record carries for states too long to quote. */
export function stateDigest(state: ManagedState): string {
  return createHash('sha256').update(canonical(state)).digest('hex');
}

export function statesEqual(a: ManagedState, b: ManagedState): boolean {
  return canonical(a) === canonical(b);
}

function macOf(keyring: SystemKeyring, plan: Omit<RemediationPlan, 'mac'>): string {
  return keyring.keyedHash(macPurpose, canonical(plan));
}

/** The changes the actions of failing, unmuted findings' policies would make. */
export async function proposeChanges(
  findings: readonly Finding[],
  resources: ReadonlyMap<string, Resource>,
  scanner: ComplianceScanner,
  actions: ActionRegistry,
  context: ActionContext,
  options: { policies?: ReadonlySet<string> } = {},
): Promise<PlannedChange[]> {
  const changes: PlannedChange[] = [];
  for (const finding of findings) {
    if (finding.status !== 'fail' || finding.muted) continue;
    if (options.policies && !options.policies.has(finding.rule)) continue;
    const policy = scanner.policy(finding.rule);
    const resource = resources.get(finding.resource);
    if (!policy || !resource) continue;
    for (const spec of policy.actions) {
      const action = actions.get(spec.type);
      if (!action?.resourceTypes.includes(resource.type)) continue;
      const { type: _, ...parameters } = spec;
      const proposed = await action.propose(resource, parameters, context);
      if (!proposed) continue;
      // Two policies may ask for the same change (both wildcard rules detach the same statement).
      if (changes.some((change) => change.action === action.type && change.resource === resource.id)) continue;
      changes.push({
        id: `c${changes.length + 1}`,
        policy: policy.name,
        action: action.type,
        resource: resource.id,
        resourceType: resource.type,
        description: proposed.description,
        before: proposed.before,
        after: proposed.after,
        isReversible: action.isReversible,
      });
    }
  }
  return changes;
}

export function makePlan(
  keyring: SystemKeyring,
  changes: PlannedChange[],
  facts: { accountId: string; nowMs: number },
): RemediationPlan {
  const body = {
    format: 'pciq-compliance-plan/1' as const,
    planId: randomUUID(),
    createdAt: new Date(facts.nowMs).toISOString(),
    accountId: facts.accountId,
    changes,
  };
  return { ...body, mac: macOf(keyring, body) };
}

/** Parses a plan file and checks it is one this installation made, unchanged. */
export function readPlan(keyring: SystemKeyring, text: string, accountId: string): RemediationPlan {
  let plan: RemediationPlan;
  try {
    plan = JSON.parse(text) as RemediationPlan;
  } catch {
    throw new PlanError('the plan is not valid JSON');
  }
  if (plan?.format !== 'pciq-compliance-plan/1' || !Array.isArray(plan.changes) || typeof plan.mac !== 'string') {
    throw new PlanError('not a pciq compliance plan (format 1)');
  }
  const { mac, ...body } = plan;
  if (macOf(keyring, body) !== mac) {
    throw new PlanError('the plan was changed after it was made, or made by another installation; make a new plan');
  }
  if (plan.accountId !== accountId) throw new PlanError(`the plan is for account ${plan.accountId}, not ${accountId}`);
  return plan;
}

export type { ActionContext };
