import type { SqsAction } from '../action.ts';
import { authorizeMoveSource } from './move-task-permissions.ts';

/** Task handles carry their source queue's ARN (see queues/move-tasks.ts), which is what authorize needs. */
function sourceArnOf(taskHandle: string): string {
  try {
    const decoded = JSON.parse(Buffer.from(taskHandle, 'base64url').toString('utf8')) as { sourceArn?: unknown };
    if (typeof decoded.sourceArn === 'string') return decoded.sourceArn;
  } catch {
    // fall through: an unknown handle is reported by the engine as ResourceNotFoundException
  }
  return '*';
}

export const cancelMessageMoveTaskAction: SqsAction = {
  name: 'CancelMessageMoveTask',
  resource: (input) => sourceArnOf(input.string('TaskHandle')),
  async run(input, context) {
    const {
      app: { queues },
      caller,
    } = context;
    const taskHandle = input.string('TaskHandle');
    const sourceArn = sourceArnOf(taskHandle);
    if (sourceArn !== '*') await authorizeMoveSource(context, sourceArn);
    return { ApproximateNumberOfMessagesMoved: await queues.cancelMessageMoveTask(caller, taskHandle) };
  },
};
