import type { DetailValue } from '../audit/index.ts';
import { isPciqError } from '../core/index.ts';
import type { ActionContext, ActionRegistry, ManagedState } from './action.ts';
import { PlanError, type PlannedChange, type RemediationPlan, stateDigest, statesEqual } from './remediation.ts';

export interface ChangeOutcome {
  change: PlannedChange;
  outcome: 'success' | 'failure';
  remediationId: number;
  error?: string;
}

/** Who asked for a change: a plan a person approved, or a policy that remediates automatically. */
export interface ChangeOrigin {
  planId: string | null;
  approvedBy: string | null;
}

const appliedPrefix = 'plan-applied:';

/**
 * Carries out remediation changes through the services, and records each one — the remediation log keeps
 * the full state before and after, and the audit trail a `compliance:Remediate` record with both states'
 * digests (and the states themselves as far as a record holds them), so a change can be proven and undone.
 */
export class Remediator {
  private readonly actions: ActionRegistry;
  private readonly context: ActionContext;

  constructor(actions: ActionRegistry, context: ActionContext) {
    this.actions = actions;
    this.context = context;
  }

  /** Applies a plan exactly: nothing is changed unless every resource is still as the plan found it. */
  async applyPlan(plan: RemediationPlan, approvedBy: string): Promise<ChangeOutcome[]> {
    const { store } = this.context;
    if (await store.read((tx) => tx.compliance.getState(`${appliedPrefix}${plan.planId}`))) {
      throw new PlanError(`plan ${plan.planId} was applied already; make a new plan`);
    }
    const stale: string[] = [];
    for (const change of plan.changes) {
      const action = this.actionOf(change.action);
      const current = await action.read({ id: change.resource, type: change.resourceType }, this.context);
      if (!statesEqual(current, change.before)) stale.push(`${change.id} (${change.resource})`);
    }
    if (stale.length > 0) {
      throw new PlanError(
        `the plan is stale: ${stale.join(', ')} changed since it was made; nothing was applied, make a new plan`,
      );
    }
    await store.write((tx) =>
      tx.compliance.setState(
        `${appliedPrefix}${plan.planId}`,
        JSON.stringify({ at: new Date(this.context.clock.now()).toISOString(), approvedBy }),
      ),
    );
    const outcomes: ChangeOutcome[] = [];
    for (const change of plan.changes) outcomes.push(await this.execute(change, { planId: plan.planId, approvedBy }));
    return outcomes;
  }

  /** Writes `change.after` on its resource and records what happened. */
  async execute(change: PlannedChange, origin: ChangeOrigin): Promise<ChangeOutcome> {
    const action = this.actionOf(change.action);
    const resource = { id: change.resource, type: change.resourceType };
    let error: { code: string; message: string } | undefined;
    let after: ManagedState = change.before;
    try {
      // A state-writing change was computed from `before` (a policy without its wildcard statements): written
      // over a state someone set since, it would undo their change, and the log would record a `before` that
      // was never there (which a revert would then write back). Irreversible ones (revoking sessions,
      // quarantine) act on whatever is there now.
      if (action.isReversible) {
        const current = await action.read(resource, this.context);
        if (!statesEqual(current, change.before)) {
          after = current;
          throw new PlanError(
            `${change.resource} changed since this change was proposed; nothing was written (the next scan judges the new state)`,
          );
        }
      }
      await action.write(resource, change.after, this.context);
      after = await action.read(resource, this.context);
    } catch (failure) {
      error = isPciqError(failure)
        ? { code: failure.code, message: `${failure.code}: ${failure.message}` }
        : failure instanceof PlanError
          ? { code: 'ResourceChanged', message: failure.message }
          : { code: 'RemediationFailed', message: (failure as Error).message };
    }
    const outcome = error === undefined ? 'success' : 'failure';
    const remediationId = await this.record(change, origin, after, outcome, error);
    return { change, outcome, remediationId, ...(error !== undefined ? { error: error.message } : {}) };
  }

  /** Undoes a recorded remediation by writing its `before` state back, if the resource is still as it left it. */
  async revert(remediationId: number, approvedBy: string): Promise<ChangeOutcome> {
    const rows = await this.context.store.read((tx) => tx.compliance.remediations(100_000));
    const row = rows.find((candidate) => candidate.id === remediationId);
    if (!row) throw new PlanError(`there is no remediation ${remediationId} (pciq compliance remediations lists them)`);
    if (row.outcome !== 'success') throw new PlanError(`remediation ${remediationId} failed; there is nothing to undo`);
    const action = this.actionOf(row.action);
    if (!action.isReversible) throw new PlanError(`${row.action} cannot be undone by writing the old state back`);
    const resourceType = action.resourceTypes[0]!;
    const before = JSON.parse(row.after) as ManagedState;
    const current = await action.read({ id: row.resource, type: resourceType }, this.context);
    if (!statesEqual(current, before)) {
      throw new PlanError(`${row.resource} changed since remediation ${remediationId}; nothing was reverted`);
    }
    return this.execute(
      {
        id: `revert-${remediationId}`,
        policy: row.rule,
        action: row.action,
        resource: row.resource,
        resourceType,
        description: `revert remediation ${remediationId}`,
        before,
        after: JSON.parse(row.before) as ManagedState,
        isReversible: true,
      },
      { planId: null, approvedBy },
    );
  }

  private actionOf(type: string) {
    const action = this.actions.get(type);
    if (!action) throw new PlanError(`the plan uses action ${type}, which this pciq does not have`);
    return action;
  }

  private async record(
    change: PlannedChange,
    origin: ChangeOrigin,
    after: ManagedState,
    outcome: 'success' | 'failure',
    error: { code: string; message: string } | undefined,
  ): Promise<number> {
    const { trail, clock } = this.context;
    const appended = await trail.store.write(async (tx) => {
      const id = await tx.compliance.insertRemediation({
        timeMs: clock.now(),
        rule: change.policy,
        resource: change.resource,
        action: change.action,
        before: JSON.stringify(change.before),
        after: JSON.stringify(after),
        planId: origin.planId,
        actor: trail.systemActor.principal ?? 'pciq',
        outcome,
        error: error?.message ?? null,
      });
      const details: Record<string, DetailValue> = {
        remediationId: id,
        policy: change.policy,
        action: change.action,
        planId: origin.planId,
        change: change.id,
        approvedBy: origin.approvedBy,
        beforeDigest: stateDigest(change.before),
        afterDigest: stateDigest(after),
        before: JSON.stringify(change.before),
        after: JSON.stringify(after),
      };
      const draft = trail.systemDraft('compliance:Remediate', 'management', outcome, details, change.resource);
      const record = await trail.append(tx, {
        ...draft,
        error: error?.code ?? null,
        digestKeys: ['beforeDigest', 'afterDigest'],
      });
      return { id, record };
    });
    trail.noteCommitted([appended.record]);
    return appended.id;
  }
}
