import { retentionInForce, verifyTrail } from '../../audit/index.ts';
import { type ResourceProvider, singletonArn } from '../resource.ts';

/**
 * The audit trail as PCI DSS requirement 10 asks about it: does it verify end to end (10.3.4), does it keep
 * 12 months (10.5.1), is it reviewed automatically (10.4.1.1) and verified daily, is logging running.
 * Listing verifies the whole trail, so the default pack runs its policies daily on the server (10.4.1), as
 * well as on every scan from the command line and every report.
 */
export const auditTrailProvider: ResourceProvider = {
  type: 'audit-trail',
  description: 'The audit trail: verification, retention, automated review, logging state',
  async list(context) {
    const { environment } = context;
    const verification = await verifyTrail(context.trail, { archiveDir: environment.archiveDir });
    const failures = verification.findings.filter((finding) => finding.isFailure);
    const { retention, session, latest, head } = await context.store.read(async (tx) => ({
      retention: await retentionInForce(tx),
      session: await tx.audit.getState('session'),
      latest: await tx.audit.latestCheckpoint(),
      head: await tx.audit.head(),
    }));
    const unsealed = (head ? head.seq + 1 : 0) - (latest?.treeSize ?? 0);
    const id = singletonArn(context, 'audit-trail');
    return [
      {
        id,
        type: 'audit-trail',
        name: 'audit-trail',
        data: {
          verification: {
            isValid: verification.isValid,
            failures: failures.length,
            firstFailure: failures[0]?.message ?? null,
            kinds: [...new Set(failures.map((finding) => finding.kind))],
            recordsChecked: verification.recordsChecked,
            checkpointsChecked: verification.checkpointsChecked,
            segmentsChecked: verification.segmentsChecked,
          },
          retention: { retainDays: retention.retainDays, hotDays: retention.hotDays },
          review: { rules: environment.audit.reviewRules, isEnabled: environment.audit.reviewRules > 0 },
          selfVerification: {
            intervalSec: environment.audit.verifyIntervalSec,
            isEnabled: environment.audit.verifyIntervalSec > 0 && environment.audit.verifyIntervalSec <= 86_400,
          },
          logging: session ?? 'never-started',
          unsealedRecords: unsealed,
          lastCheckpointAtMs: latest?.timeMs ?? null,
          clockSource: environment.audit.clockSource,
        },
      },
    ];
  },
};
