import type { SqsAction } from '../action.ts';

export const startMessageMoveTaskAction: SqsAction = {
  name: 'StartMessageMoveTask',
  resource: (input) => input.string('SourceArn'),
  async run(input, { app: { queues }, caller }) {
    const request: { sourceArn: string; destinationArn?: string; maxNumberOfMessagesPerSecond?: number } = {
      sourceArn: input.string('SourceArn'),
    };
    const destinationArn = input.optionalString('DestinationArn');
    const rate = input.optionalInteger('MaxNumberOfMessagesPerSecond');
    if (destinationArn !== undefined) request.destinationArn = destinationArn;
    if (rate !== undefined) request.maxNumberOfMessagesPerSecond = rate;
    return { TaskHandle: await queues.startMessageMoveTask(caller, request) };
  },
};
