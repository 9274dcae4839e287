import { parseQueueArn } from '../../../core/index.ts';
import { consumerKeyPermissions, producerKeyPermissions } from '../../../queues/index.ts';
import type { SqsAction } from '../action.ts';
import { authorizeMoveSource } from './move-task-permissions.ts';
import { authorizeQueueKey } from './queue-key.ts';

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
    // The task reads the source's messages and seals them for the destination: the keys' use is the caller's,
    // or a move would carry messages out from under a key the caller may not decrypt with.
    const source = parseQueueArn(request.sourceArn);
    if (source) await authorizeQueueKey(context, source, consumerKeyPermissions);
    // Moving messages into a queue sends to it: without this, sqs:StartMessageMoveTask on a dead-letter
    // queue would write into any queue of the account. Without a DestinationArn the messages go back to the
    // queues that name the source as their dead-letter queue, each a send the caller must be allowed.
    const destinations =
      destinationArn !== undefined
        ? [destinationArn]
        : source
          ? await queues.deadLetterSourceArns({ accountId: source.accountId, name: source.name })
          : [];
    for (const arn of destinations) {
      await context.authorize('sqs:SendMessage', arn);
      const destination = parseQueueArn(arn);
      if (destination) await authorizeQueueKey(context, destination, producerKeyPermissions);
    }
    const rate = input.optionalInteger('MaxNumberOfMessagesPerSecond');
    if (destinationArn !== undefined) request.destinationArn = destinationArn;
    if (rate !== undefined) request.maxNumberOfMessagesPerSecond = rate;
    return { TaskHandle: await queues.startMessageMoveTask(caller, request) };
  },
};
