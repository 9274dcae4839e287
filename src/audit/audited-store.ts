import type { ReadTx, Store, WriteTx } from '../storage/index.ts';
import { AffectedMessages, unitTagOf, watchMessageWrites } from './affected-messages.ts';
import { currentRequest, type RequestAudit } from './request-audit.ts';
import type { AppendedRecord, AuditTrail } from './trail.ts';

/** What a unit of work run for a request carries: the request, and the events recorded in the unit. */
interface AuditedUnit {
  request: RequestAudit;
  events: AppendedRecord[];
}

/** The request a unit of work runs for, from the transaction object the unit was handed. */
export function requestOfUnit(tx: WriteTx): RequestAudit | undefined {
  return unitTagOf<AuditedUnit>(tx)?.request;
}

/**
 * Notes an event appended in a request's unit, so that it reaches the trail's readers (the reviewer) with
 * the request's record once the unit commits, rather than being read back from the store.
 */
export function noteUnitEvent(tx: WriteTx, appended: AppendedRecord): void {
  unitTagOf<AuditedUnit>(tx)?.events.push(appended);
}

/**
 * The store the services use when auditing is on. PCI DSS 10.2 and this design's durability rule: the
 * record of a request commits in the same transaction as the request's effect. Each unit of work submitted
 * while a request runs gets a view of the transaction that notes which messages it changes; if the unit
 * changed anything and the request's record is not written yet, the record is appended at the end of that
 * unit, inside its savepoint. A crash therefore never leaves an effect without its record, and the record
 * costs one insert in a commit that happens anyway.
 */
export class AuditedStore implements Store {
  private readonly inner: Store;
  private readonly trail: AuditTrail;

  constructor(inner: Store, trail: AuditTrail) {
    this.inner = inner;
    this.trail = trail;
  }

  read<T>(work: (tx: ReadTx) => Promise<T>): Promise<T> {
    return this.inner.read(work);
  }

  write<T>(work: (tx: WriteTx) => Promise<T>): Promise<T> {
    // The request is read here, in the caller's context: units run later, from the group commit's turn.
    const request = currentRequest();
    if (!request) return this.inner.write(work);
    let carried = false;
    let appended: AppendedRecord | undefined;
    const unit: AuditedUnit = { request, events: [] };
    const written = this.inner.write(async (tx) => {
      const before = tx.changedRows();
      const affected = new AffectedMessages();
      const view = watchMessageWrites(tx, affected, unit);
      const value = await work(view);
      if (request.isOpen && tx.changedRows() > before) {
        request.carry();
        carried = true;
        appended = await this.trail.append(tx, request.carriedDraft(affected.toData()));
      }
      return value;
    });
    return written.then(
      (value) => {
        if (appended) request.settle(true);
        const committed = appended ? [...unit.events, appended] : unit.events;
        if (committed.length > 0) this.trail.noteCommitted(committed);
        return value;
      },
      (error: unknown) => {
        // The unit, or the whole group commit, rolled back: its record with it.
        if (carried) request.settle(false);
        throw error;
      },
    );
  }

  onReceivable(listener: (queueId: number) => void): () => void {
    return this.inner.onReceivable(listener);
  }

  lead(name: string, handlers: { onLead(): void; onLost(): void }): () => Promise<void> {
    return this.inner.lead(name, handlers);
  }

  scrubDeleted(): Promise<void> {
    return this.inner.scrubDeleted();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
