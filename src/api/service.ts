import type { AuditService, DetailValue, RecordCategory } from '../audit/index.ts';
import type { ComplianceService } from '../compliance/index.ts';
import type { Caller } from '../core/index.ts';
import type { ContextValue, IamService } from '../iam/index.ts';
import type { KeyAdmin, KmsData } from '../keys/index.ts';
import type { QueueService } from '../queues/index.ts';
import type { TokenVault } from '../vault/index.ts';
import type { ActionInput } from './action-input.ts';
import type { WireProtocol } from './wire.ts';

/** The services actions call, one member per module. */
export interface AppServices {
  queues: QueueService;
  /** Key management: lifecycle (admin) and the KMS data operations. */
  keys: { admin: KeyAdmin; data: KmsData };
  /** Search of the audit trail and its alerts; absent where auditing is off (benchmarks only). */
  audit?: AuditService;
  /** The tokenization vault; absent where the endpoint was built without one. */
  vault?: TokenVault;
  /** Identities, credentials, sessions, and the authorization of every request. */
  iam: IamService;
  /** Findings and score history (PciqCompliance); absent where not served. */
  compliance?: ComplianceService;
}

/** Where a request came from, for policy conditions (aws:SourceIp, aws:SecureTransport) and audit records. */
export interface RequestOrigin {
  sourceIp: string;
  userAgent: string;
  secureTransport: boolean;
  /** The TLS protocol negotiated (e.g. TLSv1.3), null over plain HTTP. */
  tlsProtocol: string | null;
  /** SHA-256 fingerprint of the client's TLS certificate, when it presented one (mTLS). */
  clientCertificate: string | null;
}

export interface ActionContext {
  app: AppServices;
  caller: Caller;
  region: string;
  origin: RequestOrigin;
  /** Aborts when the client goes away or the server drains; long polls return early on it. */
  signal: AbortSignal;
  /**
   * Asks the request's authorization once more, for a further action the request performs (a receive that
   * reveals card numbers needs `pciq:Detokenize` on the vault). The same decision point as the request's own
   * action, with the request's origin and session: rejects with AccessDenied (recorded).
   */
  authorize(action: string, resource: string, options?: FurtherAuthorization): Promise<void>;
  /** Adds details to the request's audit record (never secrets, tokens or card data). */
  note(details: Record<string, DetailValue>): void;
}

/**
 * How a further action is decided. `explicitDenyOnly`: the resource's own policy grants the use to every principal of the account (the AWS
 * managed key of a service, used through that service), so only an explicit Deny refuses it.
 */
export interface FurtherAuthorization {
  explicitDenyOnly?: boolean;
  /** The resource's own condition keys (its tags) when the caller has them already: no second lookup. */
  resourceKeys?: Record<string, ContextValue>;
}

/** A JSON-shaped response body, as the JSON protocols send it; Query encoders turn it into XML. */
export type ActionOutput = Record<string, unknown>;

/** One API action: decode the input, call a service, encode the result. Semantics live in the services. */
export interface ApiAction {
  name: string;
  /** The resource `authorize` is asked about (an ARN, or a namespace such as `arn:aws:sqs:REGION:ACCOUNT:*`). */
  resource(input: ActionInput, context: ActionContext): string | Promise<string>;
  /** Condition keys the request itself carries: aws:RequestTag/…, aws:TagKeys. */
  conditionKeys?(
    input: ActionInput,
    context: ActionContext,
  ): Record<string, ContextValue> | Promise<Record<string, ContextValue>>;
  /**
   * `self`: the action decides who may call it (STS AssumeRole evaluates the role's trust policy; GetCallerIdentity
   * and GetSessionToken need no permission, as in AWS). Otherwise the pipeline authorizes `<service>:<Action>`.
   */
  authorization?: 'self';
  /**
   * The IAM action the request is authorized as, when it is not `<service>:<name>`: SQS has no IAM actions
   * for its batch APIs, whose permission is that of the single-message action (SQS batch actions,
   * "Permissions"), so a Deny of sqs:SendMessage also stops SendMessageBatch.
   */
  permission?: string;
  /**
   * The further IAM actions `run` authorizes (KMS ReEncrypt: kms:ReEncryptTo on the destination key), so that
   * an access review lists what a principal can really do.
   */
  furtherPermissions?: readonly string[];
  run(input: ActionInput, context: ActionContext): Promise<ActionOutput | undefined>;
  /** Element names of flattened lists in a Query protocol's XML result, by member name. */
  queryListElements?: Record<string, string>;
  /**
   * Details for the request's audit record known from the input alone (which token, why), noted before
   * authorization so that a refused request is recorded with them too. Must not throw.
   */
  auditDetails?(input: ActionInput, context: ActionContext): Record<string, DetailValue>;
}

/**
 * An AWS-compatible API served on the shared endpoint. JSON requests are routed by their X-Amz-Target
 * prefix, Query requests by the service in their SigV4 credential scope.
 */
/** A resource as access control sees it: its own policy, and the condition keys it brings (its tags). */
export interface ResourceAccess {
  policy?: string | undefined;
  keys: Record<string, ContextValue>;
}

export interface ApiService {
  /** The SigV4 signing name (credential scope service), and of its audit record types (`vault:Detokenize`). */
  signingName: string;
  /** The prefix of its IAM actions when it is not the signing name (the vault's are `pciq:Tokenize`, …). */
  actionPrefix?: string;
  json?: { targetPrefix: string; protocol: WireProtocol };
  query?: WireProtocol;
  actions: ReadonlyMap<string, ApiAction>;
  /**
   * What decisions on a resource this service holds take into account besides the request: its policy (a
   * queue's Policy attribute) and its tags (aws:ResourceTag/…); undefined when there is no such resource.
   */
  resourceAccess?(resource: string, context: ActionContext): Promise<ResourceAccess | undefined>;
  /**
   * `none`: requests are not signed (the sign-in API, whose whole point is to obtain credentials); the
   * actions authenticate their callers themselves.
   */
  authentication?: 'none';
  /** The audit category of an action's records (PCI DSS 10.2.1): data access, management, audit trail. */
  auditCategory(action: string): RecordCategory;
}
