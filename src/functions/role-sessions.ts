import type { Caller } from '../core/index.ts';
import { checkRoleArn } from './names.ts';

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
  /** Undefined while no session can be issued (see `RoleSessionsAwaitingIam`). */
  credentials: SessionCredentials | undefined;
}

/** Obtains sessions of execution roles; the IAM module's STS AssumeRole implements it. */
export interface RoleSessions {
  /**
   * A session of `roleArn` named after the function (Lambda's role session name), valid for at least
   * `minValidityMs` more. Throws AccessDenied when the role does not exist or does not trust functions.
   */
  sessionFor(roleArn: string, functionName: string, minValidityMs: number): Promise<RoleSession>;
}

/**
 * UNFINISHED until IAM (issue 5) lands: pciq has no roles nor STS sessions yet, so no temporary credentials
 * can be issued. The poller acts under the role's identity (the assumed-role ARN Lambda would use), which
 * `authorize` checks once policies exist; the handler gets no AWS credentials at all, so its SDK calls to
 * pciq are refused as unauthenticated rather than made with credentials the role never granted.
 */
export class RoleSessionsAwaitingIam implements RoleSessions {
  async sessionFor(roleArn: string, functionName: string): Promise<RoleSession> {
    const { accountId, roleName } = checkRoleArn(roleArn, roleArn.split(':')[4] ?? '');
    const principalArn = `arn:aws:sts::${accountId}:assumed-role/${roleName}/${functionName}`;
    return {
      caller: { accountId, principalArn, accessKeyId: '', senderId: `${roleName}:${functionName}` },
      credentials: undefined,
    };
  }
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
}
