import type { WriteTx } from '../storage/index.ts';
import { noteUnitEvent, requestOfUnit } from './audited-store.ts';
import {
  type Actor,
  type AffectedData,
  checkedData,
  type DetailValue,
  type Outcome,
  type RecordCategory,
  type RecordDraft,
} from './record.ts';
import { currentRequest, type RequestAudit } from './request-audit.ts';
import type { AuditTrail } from './trail.ts';

/**
 * Security and administrative events other modules report (PCI DSS 10.2.1.x). Each type is listed with
 * the fields its emitter fills; anything not listed here goes through `type: string` of the same shape.
 *
 * | type | category | resource | details |
 * |---|---|---|---|
 * | `kms:CreateKey` `kms:EnableKey` `kms:DisableKey` `kms:ScheduleKeyDeletion` `kms:CancelKeyDeletion` `kms:RotateKey` `kms:DestroyKeyMaterial` | key | key ARN | `keyVersion`, `pendingWindowDays`, `reason` |
 * | `kms:KeyUsage` | key | key ARN | `operation` (Encrypt, Decrypt, GenerateDataKey), `count` per period |
 * | `iam:CreateUser` `iam:DeleteUser` `iam:CreateRole` `iam:DeleteRole` | iam | principal ARN | - |
 * | `iam:CreateAccessKey` `iam:UpdateAccessKey` `iam:DeleteAccessKey` | iam | principal ARN | `accessKeyId`, `status` |
 * | `iam:PutPolicy` `iam:AttachPolicy` `iam:DetachPolicy` `iam:DeletePolicy` | iam | policy or principal ARN | `policyName`, `policyHash` (keyed) |
 * | `iam:EnableMfaDevice` `iam:DeactivateMfaDevice` | iam | principal ARN | `serialNumber` |
 * | `iam:Login` | iam | principal ARN | `mfa` (boolean); failures carry `error` |
 * | `iam:Lockout` `iam:MfaCheck` `iam:IssueSession` `iam:AccessDenied` | iam | principal or resource ARN | see src/iam/events.ts |
 * | `lambda:CreateFunction` `lambda:UpdateFunction` `lambda:DeleteFunction` `lambda:CreateEventSourceMapping` `lambda:UpdateEventSourceMapping` `lambda:DeleteEventSourceMapping` | management | function ARN | `version`, `role`, `queue`, `secretEnvironmentVariables` (names only), `mapping` |
 * | `lambda:Invoke` | data | function ARN | `requestId`, `mapping`, `queue`, `durationMs`, `failedItems` (partial batch), `code`; failures carry `error`; message ids |
 * | `sqs:DeleteMessageBatch` (by an event source mapping) | data | queue ARN | `mapping`, `function`, `why` (`processed`, `filtered`); message ids |
 * | `lambda:SandboxAccessDenied` | data | function ARN | `permission`, `deniedResource`, `denials` |
 * | `vault:Tokenize` `vault:Detokenize` `vault:DeleteToken` | token | vault ARN | `tokenRef` or `tokenRefs` (keyed references, never the token), `reason`, `redaction`, `via`; message ids |
 * | `vault:ExpireTokens` | token | `*` (every account) | `count` of tokens past their TTL, deleted |
 *
 * Token values, key material, passwords, TOTP seeds and card data never go into an event: where
 * correlation helps, pass a keyed hash (`SystemKeyring.keyedHash`), as HashiCorp Vault's audit devices do.
 */
export type KnownEventType =
  | 'kms:CreateKey'
  | 'kms:EnableKey'
  | 'kms:DisableKey'
  | 'kms:ScheduleKeyDeletion'
  | 'kms:CancelKeyDeletion'
  | 'kms:RotateKey'
  | 'kms:DestroyKeyMaterial'
  | 'kms:KeyUsage'
  | 'iam:CreateUser'
  | 'iam:DeleteUser'
  | 'iam:CreateRole'
  | 'iam:DeleteRole'
  | 'iam:CreateAccessKey'
  | 'iam:UpdateAccessKey'
  | 'iam:DeleteAccessKey'
  | 'iam:PutPolicy'
  | 'iam:AttachPolicy'
  | 'iam:DetachPolicy'
  | 'iam:DeletePolicy'
  | 'iam:EnableMfaDevice'
  | 'iam:DeactivateMfaDevice'
  | 'iam:Login'
  | 'iam:Lockout'
  | 'iam:MfaCheck'
  | 'iam:IssueSession'
  | 'iam:AccessDenied'
  | 'vault:Tokenize'
  | 'vault:Detokenize'
  | 'vault:DeleteToken'
  | 'vault:ExpireTokens';

export interface SecurityEvent {
  type: KnownEventType | (string & {});
  outcome: Outcome;
  /** The error code of a failed attempt, never its message. */
  error?: string;
  /** The ARN of what the event concerns: a key, a principal, a policy, a vault. */
  resource?: string;
  data?: AffectedData;
  details?: Record<string, DetailValue>;
  /** The record's category when the type's prefix does not say it (an invocation is message traffic). */
  category?: RecordCategory;
  /**
   * Who did it. Inside an API request it defaults to the request's caller (and the record carries the
   * request id and origin); outside one, to pciq itself.
   */
  actor?: Actor;
  /**
   * The error code the request will answer with although this event's unit commits (a refused sign-in
   * still counts the failed attempt): the request's record then says it failed.
   */
  requestError?: string;
}

/** What other modules call, inside their own write transaction, so the event commits with the change. */
export interface AuditEventSink {
  record(tx: WriteTx, event: SecurityEvent): Promise<void>;
  /**
   * An event that has no change to commit with (an authorization refused), recorded at once in a unit of
   * its own, attributed to the request it happens in, if any.
   */
  recordAlone(event: SecurityEvent): Promise<void>;
}

const categories: Record<string, RecordCategory> = {
  kms: 'key',
  iam: 'iam',
  vault: 'token',
  audit: 'audit',
  lambda: 'management',
};

export function categoryOfEvent(type: string): RecordCategory {
  return categories[type.slice(0, type.indexOf(':'))] ?? 'system';
}

export class AuditEvents implements AuditEventSink {
  private readonly trail: AuditTrail;

  constructor(trail: AuditTrail) {
    this.trail = trail;
  }

  async record(tx: WriteTx, event: SecurityEvent): Promise<void> {
    const request = requestOfUnit(tx);
    if (event.requestError !== undefined) request?.willFail(event.requestError);
    noteUnitEvent(tx, await this.trail.append(tx, this.draftOf(event, request)));
  }

  async recordAlone(event: SecurityEvent): Promise<void> {
    // Read in the caller's context: the unit runs later, from the group commit's turn.
    await this.trail.record(this.draftOf(event, currentRequest()));
  }

  private draftOf(event: SecurityEvent, request: RequestAudit | undefined): RecordDraft {
    const system = this.trail.systemDraft(event.type, event.category ?? categoryOfEvent(event.type), event.outcome);
    return {
      ...system,
      error: event.error ?? null,
      requestId: request?.requestId ?? null,
      actor: event.actor ?? request?.actorOf ?? system.actor,
      origin: request?.origin ?? system.origin,
      resource: event.resource ?? null,
      data: checkedData(event.data),
      details: event.details ?? null,
    };
  }
}
