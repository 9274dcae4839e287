import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type AuditTrail,
  type Checkpointer,
  EvidenceUnavailableError,
  type ExportBundle,
  exportEvidence,
} from '../audit/index.ts';
import type { ComplianceScanner, ScanContext } from '../compliance/index.ts';
import { type Clock, PciqError, parseQueueArn, parseQueueUrl, type QueueAddress } from '../core/index.ts';
import type { SystemKeyring } from '../crypto/index.ts';
import type { KeyAdmin, KeyDescription } from '../keys/index.ts';
import type { QueueService } from '../queues/index.ts';
import type { EventSourceMappingRow, FunctionVersionRow, QueueRow, Store } from '../storage/index.ts';
import { everyRecord } from './audit-records.ts';
import { type Incident, incidentOf, incidentRow, type TargetKind } from './incident.ts';
import {
  containPrincipal,
  findPrincipal,
  PrincipalRefusal,
  type PrincipalTarget,
  principalEvidence,
  recordsByPrincipal,
  releasePrincipal,
} from './principal.ts';
import {
  canonicalJson,
  type SnapshotContent,
  signSnapshot,
  snapshotMessageLimits,
  snapshotSigningKey,
} from './snapshot.ts';

export interface IncidentContext {
  store: Store;
  trail: AuditTrail;
  checkpointer: Checkpointer;
  keyring: SystemKeyring;
  clock: Clock;
  accountId: string;
  region: string;
  archiveDir: string;
  /** Where snapshot files are written (read-only, one per incident). */
  snapshotDir: string;
  queues: QueueService;
  keys: KeyAdmin;
  scanner: ComplianceScanner;
  scanContext: ScanContext;
  /** Who acts: `local-user:NAME` for a command, `pciq` on the server (a policy's quarantine action). */
  actor: string;
}

/** What is contained, as found before the snapshot. */
interface Target {
  arn: string;
  address?: QueueAddress;
  queue?: QueueRow;
  key?: KeyDescription;
  name?: string;
  function?: { version: FunctionVersionRow | undefined; mappings: EventSourceMappingRow[] };
  principal?: PrincipalTarget;
}

/** A refusal the operator can act on (unknown target, release while rules fail, …). */
export class IncidentError extends Error {}

const defaultAuditWindowMs = 7 * 86_400_000;

/** INC-YYYYMMDD-xxxxxx: the suffix is letters only, so no id reads as a card-number-long digit run. */
function newIncidentId(nowMs: number): string {
  const suffix = [...randomBytes(6)].map((byte) => String.fromCharCode(97 + (byte % 26))).join('');
  return `INC-${new Date(nowMs).toISOString().slice(0, 10).replace(/-/g, '')}-${suffix}`;
}

/**
 * Incident response (PCI DSS 12.10): quarantine a principal, queue, key or function — a forensic snapshot
 * first, then containment, each step recorded in the audit trail — and release once the rules on the
 * affected resource pass again (or the risk is accepted, with a reason, on the record).
 */
export class IncidentService {
  private readonly context: IncidentContext;

  constructor(context: IncidentContext) {
    this.context = context;
  }

  async quarantine(
    kind: TargetKind,
    ref: string,
    options: { reason: string; auditWindowMs?: number },
  ): Promise<Incident> {
    const { context } = this;
    const now = context.clock.now();
    const id = newIncidentId(now);
    const target =
      kind === 'queue'
        ? await this.queueTarget(ref)
        : kind === 'key'
          ? await this.keyTarget(ref)
          : kind === 'principal'
            ? await this.principalTarget(ref)
            : await this.functionTarget(ref);
    // One incident contains a resource at a time: a second would find it contained already, record that as
    // the state to restore, and the first one's release would lift containment while the second stays open.
    const open = (await this.list()).find(
      (incident) => incident.status === 'contained' && incident.target === target.arn,
    );
    if (open) throw new IncidentError(`${kind} ${target.arn} is quarantined already (${open.id})`);
    // Evidence first: nothing is changed before the snapshot is written, signed and recorded.
    const snapshot = await this.snapshot(id, kind, target.arn, target, options.auditWindowMs ?? defaultAuditWindowMs);
    await this.record('incident:Snapshot', target.arn, {
      incidentId: id,
      sha256: snapshot.sha256,
      keyId: snapshot.keyId,
      file: snapshot.file,
      omissions: snapshot.omissions.join(' ') || null,
    });
    let previous: string | null;
    let action: string;
    let change: { before: string; after: string } | undefined;
    if (kind === 'principal') {
      const revoked = await containPrincipal(context.store, target.principal!, id, context.clock.now());
      previous = JSON.stringify({ revokedSessions: revoked });
      action = `every request denied (explicit Deny, pciq:quarantine ${id}); ${revoked.length} session(s) issued before now revoked`;
      change = {
        before: JSON.stringify({ quarantine: null, sessions: revoked }),
        after: JSON.stringify({ quarantine: id, sessions: [] }),
      };
    } else if (kind === 'queue') {
      previous = (await context.queues.setQuarantine(target.address!, id)) ?? null;
      action = 'receives, purge and delete refused';
    } else if (kind === 'function') {
      previous = JSON.stringify(await this.setMappings(target.name!, null));
      action = 'function stopped: its queue mappings disabled';
    } else {
      previous = await context.keys.quarantineKey(context.accountId, target.arn, id);
      action = 'key disabled: nothing seals or opens under it';
    }
    const at = new Date(context.clock.now()).toISOString();
    const incident: Incident = {
      id,
      kind,
      target: target.arn,
      status: 'contained',
      reason: options.reason,
      openedAt: new Date(now).toISOString(),
      openedBy: context.actor,
      snapshot: {
        file: snapshot.file,
        sha256: snapshot.sha256,
        keyId: snapshot.keyId,
        ...(snapshot.omissions.length > 0 ? { omissions: snapshot.omissions } : {}),
      },
      containment: { action, previous },
      release: null,
      timeline: [
        { time: new Date(now).toISOString(), event: 'opened', detail: options.reason },
        {
          time: new Date(now).toISOString(),
          event: 'snapshot',
          detail: `${snapshot.file} sha256 ${snapshot.sha256}${snapshot.omissions.map((omission) => `; PARTIAL: ${omission}`).join('')}`,
        },
        { time: at, event: 'contained', detail: action },
      ],
    };
    await context.store.write((tx) => tx.incidents.put(incidentRow(incident, context.clock.now())));
    await this.record('incident:Quarantine', target.arn, {
      incidentId: id,
      kind,
      action,
      reason: options.reason,
      ...(change ?? {}),
    });
    await context.checkpointer.checkpoint('command');
    return incident;
  }

  /**
   * Re-runs the rules on the contained resource; refuses while any fails unmuted, unless the risk is accepted
   * with a reason. Then lifts containment, back to the state before it.
   */
  async release(id: string, options: { acceptRisk?: string }): Promise<Incident> {
    const { context } = this;
    const incident = await this.get(id);
    if (incident.status === 'released')
      throw new IncidentError(`incident ${id} was released already, at ${incident.release?.at}`);
    const scan = await context.scanner.scan(context.scanContext, {
      trigger: 'release',
      resourceIds: new Set([incident.target]),
    });
    const failing = scan.findings
      .filter((finding) => finding.status === 'fail' && !finding.muted)
      .map((finding) => finding.rule);
    if (failing.length > 0 && !options.acceptRisk) {
      await this.record(
        'incident:Release',
        incident.target,
        { incidentId: id, refused: true, failingRules: failing.join(' ') },
        'failure',
      );
      throw new IncidentError(
        `incident ${id} stays contained: ${failing.length} rule(s) still fail on ${incident.target}: ${failing.join(', ')}; fix them (pciq compliance findings) or release with --accept-risk "REASON"`,
      );
    }
    if (incident.kind === 'principal') {
      await releasePrincipal(context.store, incident.target, incident.id);
    } else if (incident.kind === 'queue') {
      const address = parseQueueArn(incident.target)!;
      await context.queues.setQuarantine({ accountId: address.accountId, name: address.name }, null);
    } else if (incident.kind === 'function') {
      const name = incident.target.slice(incident.target.lastIndexOf(':') + 1);
      await this.setMappings(name, JSON.parse(incident.containment.previous ?? '[]') as string[]);
    } else {
      await context.keys.releaseKey(
        context.accountId,
        incident.target,
        incident.containment.previous === 'Disabled' ? 'Disabled' : 'Enabled',
      );
    }
    const now = new Date(context.clock.now()).toISOString();
    const released: Incident = {
      ...incident,
      status: 'released',
      release: { at: now, by: context.actor, acceptedRisk: options.acceptRisk ?? null, failingRules: failing },
      timeline: [
        ...incident.timeline,
        {
          time: now,
          event: 'released',
          detail: options.acceptRisk
            ? `risk accepted with ${failing.length} failing rule(s) (${failing.join(', ')}): ${options.acceptRisk}`
            : 'every rule on the resource passes',
        },
      ],
    };
    await context.store.write((tx) => tx.incidents.put(incidentRow(released, context.clock.now())));
    await this.record('incident:Release', incident.target, {
      incidentId: id,
      acceptedRisk: options.acceptRisk ?? null,
      failingRules: failing.join(' ') || null,
    });
    await context.checkpointer.checkpoint('command');
    return released;
  }

  async get(id: string): Promise<Incident> {
    const row = await this.context.store.read((tx) => tx.incidents.get(id));
    if (!row) throw new IncidentError(`there is no incident ${id} (pciq incident list shows them)`);
    return incidentOf(row);
  }

  async list(): Promise<Incident[]> {
    return (await this.context.store.read((tx) => tx.incidents.list())).map(incidentOf);
  }

  private async queueTarget(ref: string): Promise<Target> {
    const { context } = this;
    const address: QueueAddress | undefined = ref.startsWith('arn:')
      ? parseQueueArn(ref)
      : ref.includes('/')
        ? parseQueueUrl(ref)
        : { accountId: context.accountId, name: ref };
    if (!address) throw new IncidentError(`${ref} is not a queue name, URL or ARN`);
    const queue = await context.store.read((tx) => tx.getQueueByName(address.accountId, address.name));
    if (!queue) throw new IncidentError(`there is no queue ${address.name} in account ${address.accountId}`);
    if (queue.attributes['PciqQuarantine'])
      throw new IncidentError(`queue ${queue.name} is quarantined already (${queue.attributes['PciqQuarantine']})`);
    return {
      arn: `arn:aws:sqs:${context.region}:${queue.accountId}:${queue.name}`,
      address: { accountId: queue.accountId, name: queue.name },
      queue,
    };
  }

  private async principalTarget(ref: string): Promise<Target> {
    let principal: PrincipalTarget;
    try {
      principal = await findPrincipal(this.context.store, this.context.accountId, ref);
    } catch (error) {
      if (error instanceof PrincipalRefusal) throw new IncidentError(error.message);
      throw error;
    }
    return { arn: principal.arn, principal };
  }

  private async functionTarget(ref: string): Promise<Target> {
    const { context } = this;
    const name = ref.startsWith('arn:') ? (/:function:([^:]+)(?::[^:]+)?$/.exec(ref)?.[1] ?? '') : ref;
    const found = await context.store.read(async (tx) => {
      const row = await tx.functions.getFunction(context.accountId, name);
      if (!row) return undefined;
      return {
        version: await tx.functions.getVersion(context.accountId, name, row.currentVersion),
        mappings: await tx.functions.listMappings(context.accountId, name),
      };
    });
    if (!found) throw new IncidentError(`there is no function ${name} in account ${context.accountId}`);
    return {
      arn: `arn:aws:lambda:${context.region}:${context.accountId}:function:${name}`,
      name,
      function: found,
    };
  }

  /**
   * Disables every enabled mapping of a function (`enable` null) and returns the ids it disabled, or enables
   * the mappings `enable` lists. The runner stops polling a disabled mapping within seconds.
   */
  private async setMappings(name: string, enable: string[] | null): Promise<string[]> {
    const { context } = this;
    return context.store.write(async (tx) => {
      const changed: string[] = [];
      for (const mapping of await tx.functions.listMappings(context.accountId, name)) {
        const isEnabled = enable === null ? false : enable.includes(mapping.uuid) || mapping.isEnabled;
        if (isEnabled === mapping.isEnabled) continue;
        await tx.functions.updateMapping({ ...mapping, isEnabled, updatedAtMs: context.clock.now() });
        changed.push(mapping.uuid);
      }
      return changed;
    });
  }

  private async keyTarget(ref: string): Promise<Target> {
    try {
      const key = await this.context.keys.resolve(this.context.accountId, ref);
      // Refused before the snapshot, which would otherwise be written for an incident that never opens.
      if (key.state === 'PendingDeletion') {
        throw new IncidentError(
          `the key ${key.arn} is pending deletion, which would destroy the evidence it seals: cancel its deletion first (pciq keys cancel-deletion), then quarantine it`,
        );
      }
      return { arn: key.arn, key };
    } catch (error) {
      if (error instanceof PciqError) throw new IncidentError(`there is no key ${ref}: ${error.message}`);
      throw error;
    }
  }

  private async snapshot(
    id: string,
    kind: TargetKind,
    arn: string,
    target: Target,
    auditWindowMs: number,
  ): Promise<{ file: string; sha256: string; keyId: string; omissions: string[] }> {
    const { context } = this;
    const now = context.clock.now();
    const fromMs = now - auditWindowMs;
    const omissions: string[] = [];
    let messages: SnapshotContent['messages'] = null;
    let sessions: SnapshotContent['sessions'] = null;
    let configuration: Record<string, unknown>;
    let policies: Record<string, unknown>;
    if (target.principal) {
      const evidence = await principalEvidence(context.store, target.principal, now);
      configuration = evidence.configuration;
      policies = evidence.policies;
      sessions = evidence.sessions;
    } else if (target.queue) {
      const queue = target.queue;
      const { attributes, tags, createdAtMs, lastModifiedAtMs, isFifo } = queue;
      const counts = await context.store.read((tx) => tx.countMessages(queue.id, now));
      configuration = {
        name: queue.name,
        isFifo,
        attributes: { ...attributes, Policy: undefined },
        tags,
        createdAtMs,
        lastModifiedAtMs,
        counts,
      };
      policies = { queuePolicy: attributes['Policy'] ?? null };
      const sealed = await this.sealedMessages(queue.id);
      messages = sealed.messages;
      if (sealed.leftOut.count > 0) {
        const total = sealed.messages.length + sealed.leftOut.count;
        omissions.push(
          `messages: the oldest ${sealed.messages.length} of ${total} are in this snapshot; ${sealed.leftOut.count} newer ones (${sealed.leftOut.bytes} bytes sealed) are left out, as a snapshot holds at most ${snapshotMessageLimits.count} messages and ${snapshotMessageLimits.sealedBytes / 1_048_576} MiB of sealed payloads. They stay in the quarantined queue, which refuses receives, purge and deletion, until their retention period ends.`,
        );
      }
    } else if (target.function) {
      // The version's facts and the names of secret-looking variables: never the sealed environment or code.
      const { sealedEnvironment: _, ...version } = target.function.version ?? ({} as Partial<FunctionVersionRow>);
      configuration = { name: target.name, version, mappings: target.function.mappings };
      policies = { roleArn: target.function.version?.roleArn ?? null };
    } else {
      const key = target.key!;
      const { policy, ...description } = key;
      configuration = { ...description };
      policies = { keyPolicy: policy || null };
    }
    const findings = (
      await context.scanner.scan(context.scanContext, {
        trigger: 'on-demand',
        resourceIds: new Set([arn]),
        isStored: false,
      })
    ).findings;
    // A principal's records are those about it and those of what it did.
    const resourceRecords = await context.store.read(async (tx) => {
      const seqs = new Set(target.principal ? await recordsByPrincipal(tx, arn, fromMs, now) : []);
      for await (const row of everyRecord(tx, { fromMs, toMs: now, resource: arn })) seqs.add(row.seq);
      return [...seqs].sort((a, b) => a - b);
    });
    let bundle: ExportBundle | null = null;
    let note: string | undefined;
    try {
      bundle = await exportEvidence(context.trail, context.checkpointer, {
        fromMs,
        toMs: now,
        archiveDir: context.archiveDir,
      });
    } catch (error) {
      if (!(error instanceof EvidenceUnavailableError)) throw error;
      note = error.message;
    }
    const content: SnapshotContent = {
      incidentId: id,
      takenAt: new Date(now).toISOString(),
      target: { kind, id: arn },
      configuration: JSON.parse(canonicalJson(configuration)) as Record<string, unknown>,
      policies,
      sessions,
      messages,
      findings,
      audit: {
        from: new Date(fromMs).toISOString(),
        to: new Date(now).toISOString(),
        resourceRecords,
        export: bundle,
        ...(note ? { note } : {}),
      },
      omissions,
    };
    const { key, isNew } = await snapshotSigningKey(context.store, context.keyring, now);
    if (isNew) await this.record('incident:CreateSigningKey', null, { keyId: key.keyId, algorithm: 'Ed25519' });
    const snapshot = signSnapshot(content, key);
    mkdirSync(context.snapshotDir, { recursive: true, mode: 0o700 });
    const file = join(context.snapshotDir, `${id}.snapshot.json`);
    writeFileSync(file, `${JSON.stringify(snapshot)}\n`, { mode: 0o400, flag: 'wx' });
    return { file, sha256: snapshot.sha256, keyId: snapshot.keyId, omissions };
  }

  /**
   * A queue's messages still sealed, as stored (the snapshot never holds message plaintext), oldest first and
   * as many as `snapshotMessageLimits` allow; the rest are counted, never silently dropped.
   */
  private async sealedMessages(queueId: number): Promise<{
    messages: Array<Record<string, unknown>>;
    leftOut: { count: number; bytes: number };
  }> {
    // Small pages: payloads run to 1 MiB each, and a page is held whole.
    const pageSize = 100;
    return this.context.store.read(async (tx) => {
      const messages: Array<Record<string, unknown>> = [];
      const leftOut = { count: 0, bytes: 0 };
      let bytes = 0;
      for (let after = 0; ; ) {
        const page = await tx.scanPayloads(after, pageSize);
        for (const sealed of page) {
          if (sealed.queueId !== queueId) continue;
          const size = sealed.payload.byteLength;
          const isFull =
            leftOut.count > 0 ||
            messages.length >= snapshotMessageLimits.count ||
            bytes + size > snapshotMessageLimits.sealedBytes;
          if (isFull) {
            leftOut.count++;
            leftOut.bytes += size;
            continue;
          }
          const row = await tx.getMessage(queueId, sealed.seq);
          if (!row) continue;
          bytes += size;
          messages.push({
            seq: row.seq,
            messageId: row.messageId,
            sentAtMs: row.sentAtMs,
            visibleAtMs: row.visibleAtMs,
            expiresAtMs: row.expiresAtMs,
            receiveCount: row.receiveCount,
            sizeBytes: row.sizeBytes,
            sealedPayload: Buffer.from(row.payload).toString('base64'),
          });
        }
        if (page.length < pageSize) break;
        after = page[page.length - 1]!.seq;
      }
      return { messages, leftOut };
    });
  }

  private async record(
    type: string,
    resource: string | null,
    details: Record<string, string | number | boolean | null>,
    outcome: 'success' | 'failure' = 'success',
  ): Promise<void> {
    const { trail } = this.context;
    const draft = trail.systemDraft(type, 'management', outcome, details, resource);
    const userAgent = this.context.actor.startsWith('local-user:') ? 'pciq-cli' : null;
    // The snapshot's hash and the signing key's fingerprint are what a verifier compares the file with.
    await trail.record({ ...draft, origin: { ...draft.origin, userAgent }, digestKeys: ['sha256', 'keyId'] });
  }
}
