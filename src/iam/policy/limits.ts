/**
 * Size quotas of policy documents, the one place they are written down. Figures as AWS publishes them:
 * IAM quotas (reference_iam-quotas) count characters without white space, STS's session policy every
 * character (it is a length-constrained API parameter); the inline figures are
 * per user / group / role *in aggregate*, so the IAM API sums `policySize` over an entity's inline policies
 * before it accepts another. Resource policies follow their service: SQS counts bytes (8,192, SQS policy
 * quotas), a KMS key policy may hold 32 KB; the vault follows Secrets Manager's 20,480-character
 * resource policy.
 */
export const policyQuotas = {
  /** CreatePolicy / CreatePolicyVersion, and therefore permissions boundaries (always managed policies). */
  managed: { limit: 6144, counts: 'non-whitespace' },
  /** PutUserPolicy: all inline policies of one user together. */
  'user-inline': { limit: 2048, counts: 'non-whitespace' },
  /** PutGroupPolicy: all inline policies of one group together. */
  'group-inline': { limit: 5120, counts: 'non-whitespace' },
  /** PutRolePolicy: all inline policies of one role together. */
  'role-inline': { limit: 10240, counts: 'non-whitespace' },
  /** AssumeRolePolicyDocument (AWS's default ACLSizePerRole; AWS raises it to 4,096 on request). */
  trust: { limit: 2048, counts: 'non-whitespace' },
  /** The inline `Policy` of AssumeRole / GetFederationToken: an API parameter of at most 2,048 characters,
   * white space included (STS API reference, "Length Constraints"), not an IAM quota. */
  session: { limit: 2048, counts: 'characters' },
  /** SQS queue `Policy` attribute. */
  queue: { limit: 8192, counts: 'bytes' },
  /** KMS key policy. */
  key: { limit: 32768, counts: 'bytes' },
  /** Tokenization vault resource policy. */
  vault: { limit: 20480, counts: 'non-whitespace' },
} as const satisfies Record<string, { limit: number; counts: 'non-whitespace' | 'characters' | 'bytes' }>;

export type PolicyQuota = keyof typeof policyQuotas;

/** Statement count limits where a service has one (SQS policy quotas: 20 statements per queue policy). */
export const statementLimits: Partial<Record<PolicyQuota, number>> = { queue: 20 };

/** The size of a document as `quota` counts it. */
export function policySize(document: string, quota: PolicyQuota): number {
  const { counts } = policyQuotas[quota];
  if (counts === 'bytes') return Buffer.byteLength(document, 'utf8');
  if (counts === 'characters') return document.length;
  let size = 0;
  for (let i = 0; i < document.length; i++) {
    const code = document.charCodeAt(i);
    if (code !== 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) size++;
  }
  return size;
}
