import type { AuditEventSink } from '../audit/index.ts';
import type { Caller, Clock } from '../core/index.ts';
import type { Sealer } from '../keys/index.ts';
import type { KeyUseFacts, QueueService } from '../queues/index.ts';
import type { Store } from '../storage/index.ts';
import type { RoleSessions } from './role-sessions.ts';

/** What the functions module works with: built once by the command or server that hosts it. */
export interface FunctionsContext {
  store: Store;
  clock: Clock;
  /** Seals code, environments and logs under alias/aws/lambda. */
  sealer: Sealer;
  region: string;
  /** Changes and failures are recorded here, in the transaction of the change they describe. */
  audit: AuditEventSink;
  /** Queues are reached through the same service API clients use. */
  queues: QueueService;
  roleSessions: RoleSessions;
  /**
   * Asks whether `caller` (a role session) may do `action` on `resource`; resolves, or throws AccessDenied.
   * The access-control service's decision, handed in as every module that authorizes gets it.
   */
  authorize: (caller: Caller, action: string, resource: string, facts?: KeyUseFacts) => Promise<void> | void;
}
