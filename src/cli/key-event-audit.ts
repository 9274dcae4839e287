import type { AuditTrail, DetailValue, Outcome } from '../audit/index.ts';
import type { KeyEvent, KeyEventListener } from '../keys/index.ts';

/** The resource a key event concerns: the key (or alias) ARN, or the resource holding unreadable data. */
function resourceOf(event: KeyEvent): string | null {
  if ('keyArn' in event && event.keyArn) return event.keyArn;
  if ('aliasArn' in event) return event.aliasArn;
  if ('resource' in event) return event.resource;
  return null;
}

function detailsOf(event: KeyEvent): Record<string, DetailValue> {
  const details: Record<string, DetailValue> = {};
  for (const [name, value] of Object.entries(event)) {
    if (name === 'type' || name === 'keyArn' || name === 'aliasArn' || name === 'resource') continue;
    details[name] = Array.isArray(value) ? value.join(',') : (value as DetailValue);
  }
  return details;
}

/**
 * Records key events in the audit trail as `kms:<Event>` (PCI DSS 3.7 lifecycle, 10.2.1.7, 10.7.2), whoever
 * caused them: the KMS API, `pciq keys`, or pciq's own schedule (rotation, deletion, usage counts). Events
 * arrive after their change committed; those raised before the trail is open wait for it.
 */
export class KeyEventAudit implements KeyEventListener {
  private trail: AuditTrail | undefined;
  private readonly waiting: KeyEvent[] = [];
  private readonly recording = new Set<Promise<unknown>>();
  private readonly log: (line: string) => void;

  constructor(log: (line: string) => void) {
    this.log = log;
  }

  attach(trail: AuditTrail): void {
    this.trail = trail;
    for (const event of this.waiting.splice(0)) this.onKeyEvent(event);
  }

  onKeyEvent(event: KeyEvent): void {
    const trail = this.trail;
    if (!trail) {
      this.waiting.push(event);
      return;
    }
    const outcome: Outcome = event.type === 'SealedDataUnreadable' ? 'failure' : 'success';
    const pending = trail
      .record(trail.systemDraft(`kms:${event.type}`, 'key', outcome, detailsOf(event), resourceOf(event)))
      .catch((error: unknown) =>
        this.log(`pciq: could not record key event ${event.type}: ${(error as Error)?.message}\n`),
      );
    this.recording.add(pending);
    void pending.finally(() => this.recording.delete(pending));
  }

  /** Resolves once every event handed over so far is recorded. */
  async settled(): Promise<void> {
    await Promise.all([...this.recording]);
  }
}
