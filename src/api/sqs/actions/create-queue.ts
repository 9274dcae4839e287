import { queueArn } from '../../../core/index.ts';
import type { ActionInput } from '../../action-input.ts';
import { tagConditionKeys } from '../../condition-keys.ts';
import type { SqsAction } from '../action.ts';
import { checkQueuePolicy } from './queue-policy.ts';

/** The JSON protocol names the member `tags`; the Query decoder folds `Tag.N.Key` into `Tags`. */
function tagsOf(input: ActionInput): Record<string, string> {
  return input.has('tags') ? input.stringMap('tags') : input.stringMap('Tags');
}

export const createQueueAction: SqsAction = {
  name: 'CreateQueue',
  resource: (input, { caller, region }) =>
    queueArn(region, { accountId: caller.accountId, name: input.string('QueueName') }),
  conditionKeys: (input) => tagConditionKeys(tagsOf(input)),
  async run(input, { app: { queues }, caller }) {
    const attributes = input.stringMap('Attributes');
    checkQueuePolicy(attributes);
    const url = await queues.createQueue(caller, { name: input.string('QueueName'), attributes, tags: tagsOf(input) });
    return { QueueUrl: url };
  },
};
