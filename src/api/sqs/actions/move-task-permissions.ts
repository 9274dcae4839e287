import type { ActionContext } from '../action.ts';

/**
 * What a message move task does to its source queue besides starting or cancelling: it receives, deletes and
 * reads the attributes of its messages. SQS requires these permissions on the dead-letter queue too
 * (Amazon SQS API permissions reference, StartMessageMoveTask and CancelMessageMoveTask).
 */
const sourcePermissions = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'];

export async function authorizeMoveSource(context: ActionContext, sourceArn: string): Promise<void> {
  for (const permission of sourcePermissions) await context.authorize(permission, sourceArn);
}
