import { isPciqError, PciqError } from '../../../core/index.ts';
import { parsePolicy } from '../../../iam/index.ts';

/**
 * A queue's Policy attribute must be a policy IAM can evaluate: checked at the edge, answered as SQS does
 * (InvalidAttributeValue), with the policy parser's reason.
 */
export function checkQueuePolicy(attributes: Record<string, string>): void {
  const policy = attributes['Policy'];
  if (!policy) return;
  try {
    parsePolicy(policy, 'resource', 'Policy');
  } catch (error) {
    if (!isPciqError(error) || error.code !== 'MalformedPolicyDocument') throw error;
    throw new PciqError('InvalidAttributeValue', `Invalid value for the parameter Policy. Reason: ${error.message}`);
  }
}
