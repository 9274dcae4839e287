import { userInfo } from 'node:os';
import { AuditEvents, AuditTrail, Checkpointer } from '../audit/index.ts';
import { systemClock } from '../core/index.ts';
import { IamService, sealedMfaSeedsSource, sealedSessionsSource } from '../iam/index.ts';
import type { KeyService } from '../keys/index.ts';
import type { Store } from '../storage/index.ts';

/**
 * IAM as a local command uses it (`pciq init`, `pciq iam`): on the data directory directly, every change
 * recorded in the audit trail as done by the operating-system user who ran the command (PCI DSS 10.2.1.2,
 * 10.2.1.5), and the trail sealed with a signed checkpoint before the command ends.
 */
export class LocalIam {
  readonly iam: IamService;
  readonly trail: AuditTrail;
  private readonly checkpointer: Checkpointer;

  private constructor(iam: IamService, trail: AuditTrail, archiveDir: string) {
    this.iam = iam;
    this.trail = trail;
    this.checkpointer = new Checkpointer(trail, { archiveDir });
  }

  /** `archiveDir`: the data directory's audit archive, where the checkpoint the command signs is kept. */
  static async open(options: {
    store: Store;
    keys: KeyService;
    accountId: string;
    archiveDir: string;
    clockSource?: string;
  }) {
    let user = 'unknown';
    try {
      user = userInfo().username;
    } catch {}
    const trail = new AuditTrail({
      store: options.store,
      keyring: options.keys.system,
      clock: systemClock,
      ...(options.clockSource ? { clockSource: options.clockSource } : {}),
      systemActor: { principal: `local-user:${user}`, accessKeyId: null, accountId: options.accountId },
    });
    await trail.open();
    options.keys.registerSource(sealedMfaSeedsSource(options.accountId));
    options.keys.registerSource(sealedSessionsSource(options.accountId));
    const iam = new IamService({
      store: options.store,
      sealer: options.keys,
      clock: systemClock,
      audit: new AuditEvents(trail),
    });
    return new LocalIam(iam, trail, options.archiveDir);
  }

  /** Seals what the command recorded with a signed checkpoint. */
  async seal(): Promise<void> {
    await this.checkpointer.checkpoint('command');
  }
}
