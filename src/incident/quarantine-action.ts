import type { ActionContext, ManagedState, RemediationAction } from '../compliance/index.ts';
import { parseQueueArn } from '../core/index.ts';
import { quarantineTag } from '../keys/index.ts';
import { quarantineAttribute } from '../queues/index.ts';
import { quarantineOfPrincipal } from './principal.ts';
import type { IncidentService } from './service.ts';

const kindOf: Record<string, 'queue' | 'key' | 'principal'> = {
  queue: 'queue',
  'kms-key': 'key',
  'iam-user': 'principal',
  'iam-role': 'principal',
};

const containment: Record<string, string> = {
  queue: 'no receives',
  key: 'key disabled',
  principal: 'every request denied, sessions revoked',
};

async function currentIncident(resource: { id: string; type: string }, context: ActionContext): Promise<string | null> {
  if (kindOf[resource.type] === 'principal') return quarantineOfPrincipal(context.store, resource.id);
  if (resource.type === 'queue') {
    const address = parseQueueArn(resource.id);
    if (!address) throw new Error(`${resource.id} is not a queue ARN`);
    const attributes = await context.queues.getQueueAttributes(address, [quarantineAttribute]);
    return attributes[quarantineAttribute] ?? null;
  }
  const key = await context.keys.resolve(context.accountId, resource.id);
  return key.tags[quarantineTag] ?? null;
}

/**
 * `quarantine` as a remediation action: what `pciq incident quarantine` does (snapshot first, then
 * containment), for policies that should contain a resource rather than fix it. Not reversible by writing
 * the old state back: an incident is released with `pciq incident release`, which re-runs the rules.
 */
export function quarantineAction(incidents: () => IncidentService): RemediationAction {
  return {
    type: 'quarantine',
    resourceTypes: Object.keys(kindOf),
    description: 'Quarantines the resource as pciq incident quarantine does (forensic snapshot, then containment)',
    isReversible: false,
    checkParameters(parameters) {
      if (parameters.reason !== undefined && typeof parameters.reason !== 'string') {
        throw new Error('parameter reason must be text');
      }
    },
    async read(resource, context) {
      return { quarantine: await currentIncident(resource, context) };
    },
    async propose(resource, parameters, context) {
      const before = await this.read(resource, context);
      if (before.quarantine !== null) return undefined;
      return {
        description: `quarantine ${resource.name} (snapshot, then ${containment[kindOf[resource.type]!]})`,
        before,
        after: { quarantine: 'new incident', reason: (parameters.reason as string | undefined) ?? null },
      };
    },
    async write(resource, state: ManagedState) {
      if (state.quarantine === null) {
        throw new Error('a quarantine is lifted with pciq incident release, which re-runs the rules first');
      }
      await incidents().quarantine(kindOf[resource.type]!, resource.id, {
        reason: typeof state.reason === 'string' ? state.reason : 'quarantined by a compliance policy',
      });
    },
  };
}
