import { createHash, timingSafeEqual } from 'node:crypto';
import { type Caller, type Clock, FreshRead, PciqError } from '../core/index.ts';
import type { Sealer } from '../keys/index.ts';
import type { IamSessionRow, Store } from '../storage/index.ts';
import { loadActiveAccessKeys, type OpenedAccessKey } from './access-keys.ts';
import { assumedRoleId } from './names.ts';
import { findManagedPolicy } from './policies.ts';
import { compilePolicySet, type Policy, type PolicySet, type RequestPrincipal } from './policy/index.ts';
import { loadPrincipal, type PrincipalEntry, storedPolicy } from './principals.ts';
import { openSessionSecret } from './sessions.ts';

/** A credential SigV4 can verify, and who it speaks for. */
export interface KnownCredential {
  secretAccessKey: string;
  caller: Caller;
  /** Temporary credentials (STS, a person's sign-in); undefined for an access key. */
  session?: KnownSession;
}

interface KnownSession {
  row: Omit<IamSessionRow, 'sealedSecret'>;
  tokenHash: Buffer;
  /** The latest request this process saw, and the latest it wrote (8.2.8 idle timeout across processes). */
  lastActivityAtMs: number;
  writtenActivityAtMs: number;
  /** Role sessions: the role's policies with the session policies, compiled at a revision. */
  compiled?: { revision: string; principal: RequestPrincipal; set: PolicySet };
}

/** Who a caller is for a decision: the principal, its compiled policies and how it authenticated. */
export interface ResolvedCaller {
  principal: RequestPrincipal;
  set: PolicySet;
  /** Temporary credentials only: when a TOTP code was checked for them, null without MFA. */
  mfaAuthenticatedAtMs: number | null | undefined;
  isTemporary: boolean;
  /** Role sessions: when the session began (aws:TokenIssueTime). */
  issuedAtMs?: number;
  /** Role sessions begun with a source identity, or chained from one (aws:SourceIdentity). */
  sourceIdentity?: string;
}

/** How long a credential's last use may sit in memory before it is written (a write per request costs). */
const usageFlushMs = 60_000;
/** An unknown id makes the directory look again at most this often per process. */
const unknownRetryMs = 1_000;
const maxSessions = 100_000;

/**
 * Everything authentication and authorization read on every request, held in memory: the active access keys
 * and the temporary sessions with their secrets opened, and each principal's policies compiled. All of it
 * is valid for one revision of the identity tables; every request compares the revision in the store (one
 * read of one row), so a change made by any process or node (a key deactivated, a policy detached, a
 * session ended) applies to the very next request everywhere.
 */
export class IamDirectory {
  private readonly store: Store;
  private readonly sealer: Sealer;
  private readonly clock: Clock;
  private revision: string | undefined;
  /** The reload under way, and the revision it was started for. */
  private syncing: { revision: string; done: Promise<void> } | undefined;
  /** The store's revision, one read for the requests that ask together (on PostgreSQL a round trip each). */
  private readonly revisions: FreshRead<string>;
  private keys = new Map<string, OpenedAccessKey>();
  private sessions = new Map<string, KnownSession>();
  private principals = new Map<string, Promise<PrincipalEntry | undefined>>();
  private readonly credentials = new Map<string, KnownCredential>();
  private readonly keyUses = new Map<string, number>();
  private readonly missing = new Map<string, number>();
  private lastFlushMs: number;

  constructor(store: Store, sealer: Sealer, clock: Clock) {
    this.store = store;
    this.sealer = sealer;
    this.clock = clock;
    this.lastFlushMs = clock.now();
    this.revisions = new FreshRead(() => store.read((tx) => tx.iam.revision()));
  }

  /**
   * Brings the directory to the store's current revision, read after the call (one read shared by the requests
   * that ask together); cheap when nothing changed. A reload started for the revision this request read can be
   * shared: it read the store after that revision was read, and no change committed in between (any would have
   * replaced the revision). A reload started for another revision may have read the store before a change this
   * request must see (a key deactivated, a policy detached): it is waited for, and the directory loaded again.
   */
  async sync(): Promise<void> {
    const revision = await this.revisions.get();
    while (revision !== this.revision) {
      const running = this.syncing;
      if (running?.revision === revision) return running.done;
      if (running) {
        await running.done.catch(ignore);
        continue;
      }
      const done = this.reload(revision).finally(() => {
        if (this.syncing?.done === done) this.syncing = undefined;
      });
      this.syncing = { revision, done };
      return done;
    }
  }

  private async reload(revision: string): Promise<void> {
    const keys = await loadActiveAccessKeys(this.store, this.sealer);
    this.keys = keys;
    this.sessions = new Map();
    this.principals = new Map();
    this.credentials.clear();
    this.missing.clear();
    this.revision = revision;
  }

  /** The credential an access key id names, if this process knows it (see `refreshFor`). */
  lookup(accessKeyId: string): KnownCredential | undefined {
    const known = this.credentials.get(accessKeyId);
    if (known) return known;
    const key = this.keys.get(accessKeyId);
    if (!key) return undefined;
    const credential: KnownCredential = {
      secretAccessKey: key.secretAccessKey,
      caller: { accountId: key.accountId, principalArn: key.principalArn, accessKeyId, senderId: key.ownerId },
    };
    this.credentials.set(accessKeyId, credential);
    return credential;
  }

  /**
   * Looks in the store for a credential this process does not know: a key created since the last revision,
   * or a session issued by another process. True when it is known afterwards.
   */
  async refreshFor(accessKeyId: string): Promise<boolean> {
    if (this.lookup(accessKeyId)) return true;
    const now = this.clock.now();
    const lastMiss = this.missing.get(accessKeyId);
    if (lastMiss !== undefined && now - lastMiss < unknownRetryMs) return false;
    if (accessKeyId.startsWith('ASIA')) {
      const loaded = await this.store.read(async (tx) => {
        const row = await tx.iam.getSession(accessKeyId);
        return row && { row, secret: await openSessionSecret(this.sealer, tx, row) };
      });
      // A session whose user or role is gone (its sessions end with it) authenticates nothing.
      const senderId = loaded && loaded.row.expiresAtMs > now ? await this.senderIdOf(loaded.row) : undefined;
      if (loaded && senderId !== undefined) {
        this.rememberSession(loaded.row, loaded.secret, senderId);
        return true;
      }
    } else {
      await this.sync();
      if (this.lookup(accessKeyId)) return true;
    }
    if (this.missing.size > 10_000) this.missing.clear();
    this.missing.set(accessKeyId, now);
    return false;
  }

  private rememberSession(row: IamSessionRow, secret: string, senderId: string): void {
    if (this.sessions.size >= maxSessions) this.dropExpiredSessions();
    const { sealedSecret: _sealed, ...rest } = row;
    const session: KnownSession = {
      row: rest,
      tokenHash: Buffer.from(row.tokenHash, 'hex'),
      lastActivityAtMs: row.lastActivityAtMs,
      writtenActivityAtMs: row.lastActivityAtMs,
    };
    this.sessions.set(row.accessKeyId, session);
    this.credentials.set(row.accessKeyId, {
      secretAccessKey: secret,
      caller: {
        accountId: row.accountId,
        principalArn: row.principalArn,
        accessKeyId: row.accessKeyId,
        senderId,
      },
      session,
    });
  }

  private dropExpiredSessions(): void {
    const now = this.clock.now();
    for (const [id, session] of this.sessions) {
      if (session.row.expiresAtMs <= now) {
        this.sessions.delete(id);
        this.credentials.delete(id);
      }
    }
    if (this.sessions.size >= maxSessions) {
      this.sessions.clear();
      for (const [id, credential] of this.credentials) if (credential.session) this.credentials.delete(id);
    }
  }

  /**
   * After SigV4 verified the signature: the session token must be the one issued with the key (and a
   * long-term key must come without one), the session must not have expired, and a person's session must
   * not have been idle for longer than the policy allows (PCI DSS 8.2.8).
   */
  async admit(credential: KnownCredential, sessionToken: string | undefined): Promise<void> {
    const session = credential.session;
    if (!session) {
      if (sessionToken !== undefined) throw invalidToken();
      this.noteKeyUse(credential.caller.accessKeyId);
      return;
    }
    if (sessionToken === undefined) throw invalidToken();
    const presented = createHash('sha256').update(sessionToken, 'utf8').digest();
    if (!timingSafeEqual(presented, session.tokenHash)) throw invalidToken();
    const now = this.clock.now();
    if (now >= session.row.expiresAtMs) {
      throw new PciqError('ExpiredToken', 'The security token included in the request is expired');
    }
    const idleMs = session.row.idleTimeoutMs;
    if (idleMs !== null) await this.checkIdle(session, idleMs, now);
  }

  private async checkIdle(session: KnownSession, idleMs: number, now: number): Promise<void> {
    if (now - session.lastActivityAtMs >= idleMs) {
      // Another process may have served this session since: its activity is written at least every minute.
      const row = await this.store.read((tx) => tx.iam.getSession(session.row.accessKeyId));
      const latest = row ? row.lastActivityAtMs : Number.NEGATIVE_INFINITY;
      session.lastActivityAtMs = Math.max(session.lastActivityAtMs, latest);
      if (!row || now - session.lastActivityAtMs >= idleMs) {
        throw new PciqError(
          'ExpiredToken',
          `The session ended after ${Math.round(idleMs / 60_000)} minutes without a request (PCI DSS 8.2.8); sign in again.`,
        );
      }
    }
    session.lastActivityAtMs = now;
    if (now - session.writtenActivityAtMs >= usageFlushMs) {
      session.writtenActivityAtMs = now;
      await this.store.write((tx) => tx.iam.touchSession(session.row.accessKeyId, now));
    }
  }

  private noteKeyUse(accessKeyId: string): void {
    const now = this.clock.now();
    this.keyUses.set(accessKeyId, now);
    if (now - this.lastFlushMs >= usageFlushMs) void this.flush().catch(() => undefined);
  }

  /** Writes access keys' last-used times gathered since the previous flush. */
  async flush(): Promise<void> {
    this.lastFlushMs = this.clock.now();
    if (this.keyUses.size === 0) return;
    const pending = [...this.keyUses];
    this.keyUses.clear();
    await this.store.write(async (tx) => {
      for (const [id, at] of pending) await tx.touchAccessKey(id, at);
    });
  }

  /**
   * The unique id a session acts as (GetCallerIdentity's UserId, SQS's SenderId): its user's (or the account
   * id for the root), or its role's with the session name; from the entry `resolve` uses next, so it costs no
   * read of its own. Never the access key id, which must not reach every consumer of a queue. Undefined when
   * the identity no longer exists.
   */
  private async senderIdOf(row: IamSessionRow): Promise<string | undefined> {
    const entry = await this.principalEntry(row.roleArn ?? row.principalArn);
    if (!entry) return undefined;
    return row.roleArn
      ? assumedRoleId(entry.principal.userId, sessionNameOf(row.principalArn))
      : entry.principal.userId;
  }

  /** A root, user or role with its policies, at the current revision. */
  principalEntry(arn: string): Promise<PrincipalEntry | undefined> {
    let entry = this.principals.get(arn);
    if (!entry) {
      entry = this.store.read((tx) => loadPrincipal(tx, arn));
      this.principals.set(arn, entry);
      // A failed load is not cached: the next request tries again.
      entry.catch(() => this.principals.delete(arn));
    }
    return entry;
  }

  /**
   * Who `caller` is for a decision, or undefined when the identity behind the credential no longer exists
   * (which allows nothing). Credentials this process never saw are looked up first.
   */
  async resolve(caller: Caller): Promise<ResolvedCaller | undefined> {
    let credential = this.lookup(caller.accessKeyId);
    if (!credential && (await this.refreshFor(caller.accessKeyId))) credential = this.lookup(caller.accessKeyId);
    if (!credential || credential.caller.principalArn !== caller.principalArn) return undefined;
    const session = credential.session;
    if (!session) {
      const entry = await this.principalEntry(caller.principalArn);
      return (
        entry && { principal: entry.principal, set: entry.set, mfaAuthenticatedAtMs: undefined, isTemporary: false }
      );
    }
    const base = {
      mfaAuthenticatedAtMs: session.row.mfaAuthenticatedAtMs,
      isTemporary: true,
      issuedAtMs: session.row.createdAtMs,
      ...(session.row.sourceIdentity !== null ? { sourceIdentity: session.row.sourceIdentity } : {}),
    };
    if (!session.row.roleArn) {
      const entry = await this.principalEntry(session.row.principalArn);
      return entry && { ...base, principal: entry.principal, set: entry.set };
    }
    const revision = this.revision ?? '';
    if (session.compiled?.revision !== revision) {
      const role = await this.principalEntry(session.row.roleArn);
      if (!role) return undefined;
      const sessionPolicies = await this.sessionPolicies(session.row);
      session.compiled = {
        revision,
        principal: {
          arn: session.row.principalArn,
          accountId: session.row.accountId,
          kind: 'assumed-role',
          userId: assumedRoleId(role.principal.userId, sessionNameOf(session.row.principalArn)),
          tags: { ...role.principal.tags, ...session.row.tags },
          roleArn: session.row.roleArn,
        },
        set: compilePolicySet({
          identity: role.identity,
          ...(role.boundary ? { boundary: role.boundary } : {}),
          ...(sessionPolicies ? { session: sessionPolicies } : {}),
        }),
      };
    }
    return { ...base, principal: session.compiled.principal, set: session.compiled.set };
  }

  /** An AssumeRole session's inline policy and managed policy ARNs, which together narrow the role. */
  private async sessionPolicies(row: KnownSession['row']): Promise<Policy[] | undefined> {
    if (row.sessionPolicy === null && row.sessionPolicyArns.length === 0) return undefined;
    const policies: Policy[] = [];
    if (row.sessionPolicy !== null) {
      policies.push(storedPolicy(row.sessionPolicy, 'session', `${row.principalArn}/session-policy`));
    }
    for (const arn of row.sessionPolicyArns) {
      const managed = await this.store.read((tx) => findManagedPolicy(tx, row.accountId, arn));
      // A session policy ARN deleted since allows nothing in the intersection: an empty policy stands in.
      policies.push(
        managed
          ? storedPolicy(managed.document, 'session', arn)
          : storedPolicy(
              '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}',
              'session',
              arn,
            ),
      );
    }
    return policies;
  }
}

function ignore(): void {}

function invalidToken(): PciqError {
  return new PciqError('InvalidClientTokenId', 'The security token included in the request is invalid.');
}

/** The session name an assumed-role ARN ends with (`…:assumed-role/ROLE/SESSION`). */
function sessionNameOf(principalArn: string): string {
  return principalArn.slice(principalArn.lastIndexOf('/') + 1);
}
