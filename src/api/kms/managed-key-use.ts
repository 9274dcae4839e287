import type { ActionContext } from '../service.ts';

/**
 * AWS managed keys (alias/aws/sqs, alias/aws/vault, …) serve their service only: their key policies allow
 * Encrypt, Decrypt, ReEncrypt and GenerateDataKey on condition of kms:ViaService, so AWS KMS refuses a direct
 * call with AccessDeniedException whatever the caller's IAM policies allow, the root's included. pciq's
 * services seal under them without this API; a client that could call it directly would open what they seal.
 */
export async function refuseDirectUseOfManagedKey(
  context: ActionContext,
  action: string,
  keyArn: string,
): Promise<void> {
  const key = await context.app.keys.admin.keyOf(context.caller.accountId, keyArn);
  if (key?.awsManaged) await context.app.iam.refuseByResourcePolicy(context.caller, action, key.arn);
}
