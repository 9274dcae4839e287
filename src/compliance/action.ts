import type { AuditTrail } from '../audit/index.ts';
import type { Clock } from '../core/index.ts';
import type { KeyAdmin } from '../keys/index.ts';
import type { QueueService } from '../queues/index.ts';
import type { Store } from '../storage/index.ts';
import type { Resource } from './resource.ts';

/** The state an action manages on a resource, as plain JSON (attribute values, settings). */
export type ManagedState = Record<string, unknown>;

/** What actions change things with: the services themselves, so their own rules and events apply. */
export interface ActionContext {
  store: Store;
  trail: AuditTrail;
  clock: Clock;
  accountId: string;
  region: string;
  queues: QueueService;
  keys: KeyAdmin;
}

/** A change an action would make, as a plan shows it and as the remediation log keeps it. */
export interface ProposedChange {
  description: string;
  before: ManagedState;
  after: ManagedState;
}

/**
 * A remediation action: it reads the part of a resource's state it manages, proposes the state a policy
 * asks for, and writes a state. Writing a state (rather than "doing" something) is what makes plans exact
 * (`apply` refuses when the state is no longer the plan's `before`) and changes reversible (writing
 * `before` back undoes them).
 */
export interface RemediationAction {
  type: string;
  resourceTypes: readonly string[];
  description: string;
  /** False for changes that cannot be undone by writing the old state back. */
  isReversible: boolean;
  /** Checks an action's parameters as written in a policy; throws an Error naming the problem. */
  checkParameters(parameters: Record<string, unknown>): void;
  read(resource: Pick<Resource, 'id' | 'type'>, context: ActionContext): Promise<ManagedState>;
  /** The change to make on `resource`, or undefined when its state is already what the policy asks. */
  propose(
    resource: Resource,
    parameters: Record<string, unknown>,
    context: ActionContext,
  ): Promise<ProposedChange | undefined>;
  write(resource: Pick<Resource, 'id' | 'type'>, state: ManagedState, context: ActionContext): Promise<void>;
}

export class ActionRegistry {
  private readonly actions = new Map<string, RemediationAction>();

  constructor(actions: readonly RemediationAction[] = []) {
    for (const action of actions) this.add(action);
  }

  add(action: RemediationAction): void {
    this.actions.set(action.type, action);
  }

  get(type: string): RemediationAction | undefined {
    return this.actions.get(type);
  }

  list(): RemediationAction[] {
    return [...this.actions.values()];
  }
}
