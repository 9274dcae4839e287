import type { Caller } from '../core/index.ts';

/** Temporary credentials of a role session, as STS AssumeRole returns them. */
export interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiresAtMs: number;
}

/**
 * A function's invocations act as its execution role: the poller receives and deletes as `caller` (so the
 * role must allow sqs:ReceiveMessage, sqs:DeleteMessage and sqs:GetQueueAttributes on the queue, as Lambda
 * requires), and the handler's process gets `credentials`, so each AWS SDK call it makes against pciq is
 * authorized as the role and audited under the session's name.
 */
export interface RoleSession {
  caller: Caller;
  /** What the handler's process signs its AWS SDK calls with; undefined where no session can be issued. */
  credentials: SessionCredentials | undefined;
}

/** Obtains sessions of execution roles; IAM issues them to the Lambda service principal (src/cli/function-roles.ts). */
export interface RoleSessions {
  /**
   * A session of `roleArn` named after the function (Lambda's role session name), valid for at least
   * `minValidityMs` more. Throws AccessDenied when the role does not exist or does not trust functions.
   */
  sessionFor(roleArn: string, functionName: string, minValidityMs: number): Promise<RoleSession>;
  /**
   * Drops a reused session the role was refused with (revoked by incident response, or its role changed),
   * so the next call asks IAM for a new one.
   */
  forget?(roleArn: string, functionName: string): void;
}

/** Sessions are reused until they come close to expiring, so each batch does not ask STS for a new one. */
export class CachedRoleSessions implements RoleSessions {
  private readonly inner: RoleSessions;
  private readonly now: () => number;
  private readonly sessions = new Map<string, RoleSession>();

  constructor(inner: RoleSessions, now: () => number) {
    this.inner = inner;
    this.now = now;
  }

  async sessionFor(roleArn: string, functionName: string, minValidityMs: number): Promise<RoleSession> {
    const key = `${roleArn}\n${functionName}`;
    const cached = this.sessions.get(key);
    const expiresAt = cached?.credentials?.expiresAtMs ?? Number.POSITIVE_INFINITY;
    if (cached && expiresAt - this.now() > minValidityMs) return cached;
    const fresh = await this.inner.sessionFor(roleArn, functionName, minValidityMs);
    this.sessions.set(key, fresh);
    return fresh;
  }

  forget(roleArn: string, functionName: string): void {
    this.sessions.delete(`${roleArn}\n${functionName}`);
  }
}
