import type { ComplianceService } from '../../compliance/index.ts';
import { PciqError } from '../../core/index.ts';
import type { ActionInput } from '../action-input.ts';
import type { ActionContext } from '../service.ts';

/** The resource every compliance action is authorized against: the account's compliance state. */
export function complianceResource(_input: ActionInput, { caller, region }: ActionContext): string {
  return `arn:aws:pciq:${region}:${caller.accountId}:compliance`;
}

export function complianceServiceOf(context: ActionContext): ComplianceService {
  if (!context.app.compliance) throw new PciqError('ServiceUnavailable', 'Compliance is not enabled on this endpoint.');
  return context.app.compliance;
}
