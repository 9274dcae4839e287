import type { SqsAction } from '../action.ts';
import { queueResource } from './queue-resource.ts';

/** AddPermission and RemovePermission edit the queue's Policy attribute, which every decision reads. */
export const addPermissionAction: SqsAction = {
  name: 'AddPermission',
  resource: queueResource,
  async run(input, { app: { queues }, caller }) {
    await queues.addPermission(input.queue(caller), {
      label: input.string('Label'),
      accountIds: input.stringList('AWSAccountIds'),
      actions: input.stringList('Actions'),
    });
    return undefined;
  },
};

export const removePermissionAction: SqsAction = {
  name: 'RemovePermission',
  resource: queueResource,
  async run(input, { app: { queues }, caller }) {
    await queues.removePermission(input.queue(caller), input.string('Label'));
    return undefined;
  },
};
