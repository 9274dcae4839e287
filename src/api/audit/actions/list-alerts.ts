import { type AuditAction, auditServiceOf, maxResults, optionalTime, trailResource } from '../action.ts';

/** ListAlerts: alerts the review rules raised, newest first. */
export const listAlertsAction: AuditAction = {
  name: 'ListAlerts',
  resource: trailResource,
  async run(input, context) {
    const alerts = await auditServiceOf(context).listAlerts(
      optionalTime(input, 'StartTime') ?? 0,
      maxResults(input, 100),
    );
    return { Alerts: alerts };
  },
};
