import { queueArn } from '../../../core/index.ts';
import type { ActionContext } from '../action.ts';
import type { ActionInput } from '../input.ts';

/** The resource of every action that addresses one queue by its URL. */
export function queueResource(input: ActionInput, { caller, region }: ActionContext): string {
  return queueArn(region, input.queue(caller));
}
