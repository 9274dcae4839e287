import type { SqsAction } from '../action.ts';
import { authorizeMoveSource } from './move-task-permissions.ts';

export const startMessageMoveTaskAction: SqsAction = {
  name: 'StartMessageMoveTask',
  resource: (input) => input.string('SourceArn'),
  async run(input, context) {
    const {
      app: { queues },
      caller,
    } = context;
    const request: { sourceArn: string; destinationArn?: string; maxNumberOfMessagesPerSecond?: number } = {
      sourceArn: input.string('SourceArn'),
    };
    const destinationArn = input.optionalString('DestinationArn');
    await authorizeMoveSource(context, request.sourceArn);
    // Moving messages into a queue sends to it: without this, sqs:StartMessageMoveTask on a dead-letter
    // queue would write into any queue of the account.
    if (destinationArn !== undefined) await context.authorize('sqs:SendMessage', destinationArn);
    const rate = input.optionalInteger('MaxNumberOfMessagesPerSecond');
    if (destinationArn !== undefined) request.destinationArn = destinationArn;
    if (rate !== undefined) request.maxNumberOfMessagesPerSecond = rate;
    return { TaskHandle: await queues.startMessageMoveTask(caller, request) };
  },
};
