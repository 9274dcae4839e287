import { createHmac, createSecretKey, type KeyObject, randomBytes, timingSafeEqual } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../core/index.ts';
import type { SystemKeyring } from '../crypto/index.ts';
import type { Store, WriteTx } from '../storage/index.ts';
import { leafHash } from './merkle/hashes.ts';
import {
  type Actor,
  type AuditRecord,
  type DetailValue,
  encodeRecord,
  genesisPrev,
  type Outcome,
  type RecordCategory,
  type RecordDraft,
  safeText,
} from './record.ts';
import { AuditSequencer } from './sequencer.ts';
import { generateSigningKey, openSigningKey, type SigningKey } from './signing-key.ts';
import { storedRowOf } from './stored-record.ts';

/** Keyed-hash purpose of record MACs. */
const macPurpose = 'audit-record-mac';
/** Records held for the reviewer at most; past that it reads them back from the store. */
const maxHeldRecords = 10_000;

export interface AuditTrailOptions {
  /** The store itself, not an auditing wrapper: the trail writes its own units. */
  store: Store;
  keyring: SystemKeyring;
  clock: Clock;
  /**
   * Where the clock is synchronized from, recorded in every record (PCI DSS 10.6.1), e.g. `ntp:time.example.com`.
   * Default `host`: the host's clock, which the operator synchronizes.
   */
  clockSource?: string;
  /** Who acts when pciq itself writes an event (start, stop, checkpoints) or a local command runs. */
  systemActor?: Actor;
  /** The node name recorded as part of the origin; the host name by default. */
  node?: string;
}

export interface AppendedRecord {
  /** -1 while the record is staged for the sequencer (stores where several nodes write). */
  seq: number;
  hash: Buffer;
  record: AuditRecord;
}

export const pciqActor: Actor = { principal: 'pciq', accessKeyId: null, accountId: null };

/**
 * The audit trail's writer: appends records to the hash chain (each holds the leaf hash of the one before),
 * each with a keyed MAC that only a holder of the root key can produce, and holds the checkpoint signing key.
 */
export class AuditTrail {
  readonly store: Store;
  readonly keyring: SystemKeyring;
  readonly clock: Clock;
  readonly clockSource: string;
  readonly node: string;
  readonly systemActor: Actor;
  private key: SigningKey | undefined;
  private log: string | undefined;
  private macKeyObject: KeyObject | undefined;
  private readonly listeners = new Set<() => void>();
  /** Records committed by this process since the reviewer last took them (bounded: it falls back to the store). */
  private committed: AppendedRecord[] = [];
  /** Chains staged records where the store is shared by several nodes. */
  readonly sequencer: AuditSequencer;
  private chaining: 'inline' | 'sequenced' = 'inline';

  constructor(options: AuditTrailOptions) {
    this.store = options.store;
    this.keyring = options.keyring;
    this.clock = options.clock;
    // Constant for the trail's life, so checked once here rather than in every record.
    this.clockSource = safeText(options.clockSource ?? 'host', 128)!;
    this.node = safeText(options.node ?? hostname(), 128)!;
    this.systemActor = options.systemActor ?? pciqActor;
    this.sequencer = new AuditSequencer(this);
  }

  /** Creates the signing key and the log id on first use (recording the key's creation), then loads them. */
  async open(): Promise<void> {
    this.chaining = await this.store.read(async (tx) => tx.audit.chaining);
    // Nodes opening a fresh shared store at once take turns (the sequencer's), so there is one log id.
    for (;;) {
      const done = await this.store.write(async (tx) => {
        if (!(await tx.audit.lockSequencer())) return false;
        await this.initialize(tx);
        return true;
      });
      if (done) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await this.sequence();
    const { rows, log } = await this.store.read(async (tx) => ({
      rows: await tx.audit.signingKeys(),
      log: await tx.audit.getState('log_id'),
    }));
    // The newest key that opens under this root key signs; a row that does not open was not written by pciq
    // (verification reports it) and is never used.
    for (const row of [...rows].reverse()) {
      try {
        this.key = openSigningKey(this.keyring, row);
        break;
      } catch {}
    }
    if (!this.key) throw new Error('no audit signing key opens under this root key; run `pciq audit verify`');
    this.log = log;
    this.notifyAppended();
  }

  private async initialize(tx: WriteTx): Promise<void> {
    if ((await tx.audit.signingKeys()).length === 0) {
      const { row } = generateSigningKey(this.keyring, this.clock.now());
      await tx.audit.insertSigningKey(row);
      await this.append(tx, {
        ...this.systemDraft('audit:CreateSigningKey', 'audit', 'success', { keyId: row.keyId, algorithm: 'Ed25519' }),
        digestKeys: ['keyId'],
      });
    }
    if ((await tx.audit.getState('log_id')) === undefined) {
      await tx.audit.setState('log_id', `pciq-audit/${randomBytes(16).toString('hex')}`);
    }
  }

  get signingKey(): SigningKey {
    if (!this.key) throw new Error('the audit trail is not open');
    return this.key;
  }

  get logId(): string {
    if (!this.log) throw new Error('the audit trail is not open');
    return this.log;
  }

  /** Appends a record inside `tx`: it commits with the transaction's other work, or not at all. */
  async append(tx: WriteTx, draft: RecordDraft): Promise<AppendedRecord> {
    if (tx.audit.chaining === 'sequenced') return this.stage(tx, draft);
    const head = await tx.audit.head();
    const seq = head ? head.seq + 1 : 0;
    const timeMs = this.clock.now();
    const { record, body } = encodeRecord(draft, {
      seq,
      prev: head ? Buffer.from(head.hash).toString('hex') : genesisPrev,
      timeMs,
      clock: this.clockSource,
    });
    const hash = leafHash(body);
    await tx.audit.append([storedRowOf(record, { seq, body, hash, mac: this.macOf(hash) })]);
    return { seq, hash, record };
  }

  /**
   * Stages a record inside `tx` for the sequencer: durable with the transaction, chained moments later. Its
   * MAC covers the staged form, so a change made to it before it is chained is caught.
   */
  private async stage(tx: WriteTx, draft: RecordDraft): Promise<AppendedRecord> {
    const timeMs = this.clock.now();
    const { record, body } = encodeRecord(draft, { seq: -1, prev: '', timeMs, clock: this.clockSource });
    const hash = leafHash(body);
    await tx.audit.stage({ timeMs, body, mac: this.macOf(hash) });
    // Most staging units report their commit (noteCommitted); this catches those that do not.
    this.sequencer.kick();
    return { seq: -1, hash, record };
  }

  /** True where several nodes write the store and a sequencer chains their records. */
  get isSequenced(): boolean {
    return this.chaining === 'sequenced';
  }

  /** Chains what is staged (nothing to do where the writer chains inline) and resolves once it is chained. */
  async sequence(): Promise<void> {
    if (this.chaining === 'sequenced') await this.sequencer.drain();
  }

  /** Appends a record in a unit of its own and resolves once it is durable. */
  async record(draft: RecordDraft): Promise<AppendedRecord> {
    const appended = await this.store.write((tx) => this.append(tx, draft));
    this.noteCommitted([appended]);
    return appended;
  }

  /** A record of pciq's own doing (start, stop, archive, purge, alerts). */
  systemDraft(
    type: string,
    category: RecordCategory,
    outcome: Outcome,
    details: Record<string, DetailValue> | null = null,
    resource: string | null = null,
  ): RecordDraft {
    return {
      kind: 'event',
      type,
      category,
      outcome,
      error: null,
      requestId: null,
      actor: this.systemActor,
      origin: { ip: null, userAgent: null, tls: null, clientCertificate: null, node: this.node },
      resource,
      data: null,
      details,
    };
  }

  /**
   * HMAC-SHA256 of a leaf hash under a key derived from the root key. The key is derived once and held as
   * a KeyObject: handing node:crypto raw key bytes makes it import the key on every call, which costs
   * several times the MAC itself on the hot path.
   */
  macOf(hash: Uint8Array): string {
    this.macKeyObject ??= createSecretKey(
      Buffer.from(this.keyring.keyedHash(macPurpose, 'record MAC key, version 1'), 'base64url'),
    );
    return createHmac('sha256', this.macKeyObject).update(hash).digest('base64url');
  }

  /** True when `mac` is the MAC of `hash` under this root key. */
  isAuthentic(hash: Uint8Array, mac: string): boolean {
    const expected = Buffer.from(this.macOf(hash));
    const actual = Buffer.from(mac);
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }

  /** Listeners hear about records committed by this process (the reviewer evaluates them at once). */
  onAppended(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notifyAppended(): void {
    for (const listener of this.listeners) listener();
  }

  /** Called once `records` are durable: the reviewer reads them from here rather than from the store. */
  noteCommitted(records: readonly AppendedRecord[]): void {
    const chained = records.filter((record) => record.seq >= 0);
    if (chained.length < records.length) this.sequencer.kick();
    this.noteChained(chained);
  }

  /** Called with records that have their place in the chain: the reviewer takes them from here. */
  noteChained(records: readonly AppendedRecord[]): void {
    if (this.committed.length < maxHeldRecords) this.committed.push(...records);
    this.notifyAppended();
  }

  /** The records committed since the last call, in no particular order. */
  takeCommitted(): AppendedRecord[] {
    const taken = this.committed;
    this.committed = [];
    return taken;
  }
}
