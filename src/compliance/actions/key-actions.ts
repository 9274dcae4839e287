import type { RemediationAction } from '../action.ts';

/** Turns on automatic rotation of a customer key (PCI DSS 3.6.4, 3.7.4: keys changed at the end of their cryptoperiod). */
export const enableKeyRotationAction: RemediationAction = {
  type: 'enable-key-rotation',
  resourceTypes: ['kms-key'],
  description: 'Turns on automatic rotation every `periodDays` (default 365)',
  isReversible: true,
  checkParameters(parameters) {
    const days = parameters.periodDays ?? 365;
    if (!Number.isInteger(days) || (days as number) < 90 || (days as number) > 2560) {
      throw new Error('parameter periodDays must be a whole number from 90 to 2560');
    }
  },
  async read(resource, context) {
    const key = await context.keys.resolve(context.accountId, resource.id);
    return { rotationPeriodDays: key.rotationPeriodDays };
  },
  async propose(resource, parameters, context) {
    const before = await this.read(resource, context);
    if (before.rotationPeriodDays !== null) return undefined;
    if (resource.data.keyManager !== 'CUSTOMER' || resource.data.state !== 'Enabled') return undefined;
    const periodDays = (parameters.periodDays as number | undefined) ?? 365;
    return {
      description: `rotate ${resource.name} every ${periodDays} days`,
      before,
      after: { rotationPeriodDays: periodDays },
    };
  },
  async write(resource, state, context) {
    const days = state.rotationPeriodDays as number | null;
    if (days === null) await context.keys.disableKeyRotation(context.accountId, resource.id);
    else await context.keys.enableKeyRotation(context.accountId, resource.id, days);
  },
};
