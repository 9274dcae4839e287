import { queueArn } from '../../../core/index.ts';
import type { ActionInput } from '../../action-input.ts';
import type { ActionContext } from '../action.ts';

/** The resource of every action that addresses one queue by its URL. */
export function queueResource(input: ActionInput, { caller, region }: ActionContext): string {
  return queueArn(region, input.queue(caller));
}
