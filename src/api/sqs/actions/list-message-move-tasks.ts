import { compact, type SqsAction } from '../action.ts';

export const listMessageMoveTasksAction: SqsAction = {
  name: 'ListMessageMoveTasks',
  resource: (input) => input.string('SourceArn'),
  async run(input, { app: { queues }, caller }) {
    const request: { sourceArn: string; maxResults?: number } = { sourceArn: input.string('SourceArn') };
    const maxResults = input.optionalInteger('MaxResults');
    if (maxResults !== undefined) request.maxResults = maxResults;
    const tasks = await queues.listMessageMoveTasks(caller, request);
    return {
      Results: tasks.map((task) =>
        compact({
          // SQS shows the handle only while the task can still be cancelled.
          TaskHandle: task.status === 'RUNNING' ? task.taskHandle : undefined,
          Status: task.status,
          SourceArn: task.sourceArn,
          DestinationArn: task.destinationArn,
          MaxNumberOfMessagesPerSecond: task.maxNumberOfMessagesPerSecond,
          ApproximateNumberOfMessagesMoved: task.approximateNumberOfMessagesMoved,
          ApproximateNumberOfMessagesToMove: task.approximateNumberOfMessagesToMove,
          FailureReason: task.failureReason,
          StartedTimestamp: task.startedTimestamp,
        }),
      ),
    };
  },
  queryListElements: { Results: 'ListMessageMoveTasksResultEntry' },
};
