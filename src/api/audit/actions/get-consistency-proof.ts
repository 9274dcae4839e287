import { type AuditAction, auditServiceOf, trailResource } from '../action.ts';

/** GetConsistencyProof: RFC 9162 proof that a newer checkpoint's tree extends an older one's. */
export const getConsistencyProofAction: AuditAction = {
  name: 'GetConsistencyProof',
  resource: trailResource,
  async run(input, context) {
    const evidence = await auditServiceOf(context).proveConsistency(
      input.integer('FromCheckpoint'),
      input.integer('ToCheckpoint'),
    );
    return { ...evidence };
  },
};
