import { CardDataGuard } from '../../src/guard/index.ts';
import { QueueService } from '../../src/queues/index.ts';
import { type RateLimit, sealedTokensSource, TokenVault } from '../../src/vault/index.ts';
import { AuditHarness } from './audit-harness.ts';

/**
 * The queue engine with the cardholder-data guard and the token vault, on a real SQLite file, recording
 * into a real audit trail (as `pciq serve` wires them), with a manual clock.
 */
export class GuardHarness extends AuditHarness {
  readonly vault: TokenVault;
  readonly guarded: QueueService;

  constructor(options: { detokenizeLimit?: RateLimit } = {}) {
    super();
    this.vault = new TokenVault({
      store: this.audited,
      sealer: this.keys,
      clock: this.clock,
      region: 'us-east-1',
      events: this.events,
      ...(options.detokenizeLimit ? { detokenizeLimit: options.detokenizeLimit } : {}),
    });
    this.guarded = new QueueService({
      store: this.audited,
      clock: this.clock,
      sealer: this.keys,
      region: 'us-east-1',
      endpoint: 'https://127.0.0.1:9324',
      guard: new CardDataGuard(this.vault),
    });
  }

  override async open(): Promise<this> {
    await super.open();
    this.keys.registerSource(sealedTokensSource('us-east-1'));
    return this;
  }

  override async close(): Promise<void> {
    this.guarded.stop();
    await super.close();
  }
}
