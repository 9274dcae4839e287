import { PciqError } from '../../../core/index.ts';
import type { SqsAction } from '../action.ts';
import { queueResource } from './queue-resource.ts';

/**
 * AddPermission/RemovePermission edit a queue's resource policy with account-level grants. pciq evaluates
 * IAM-style policies instead; until that lands these answer clearly rather than pretend to grant access.
 */
function unsupported(name: string): SqsAction {
  return {
    name,
    resource: queueResource,
    async run() {
      throw new PciqError(
        'UnsupportedOperation',
        `${name} is not supported: pciq grants access through IAM policies and the queue's Policy attribute.`,
      );
    },
  };
}

export const addPermissionAction = unsupported('AddPermission');
export const removePermissionAction = unsupported('RemovePermission');
