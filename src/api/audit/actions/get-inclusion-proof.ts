import { type AuditAction, auditServiceOf, trailResource } from '../action.ts';

/** GetInclusionProof: RFC 9162 proof that a record is in the tree a signed checkpoint commits to. */
export const getInclusionProofAction: AuditAction = {
  name: 'GetInclusionProof',
  resource: trailResource,
  async run(input, context) {
    const checkpoint = input.optionalInteger('CheckpointSeq');
    return { ...(await auditServiceOf(context).proveInclusion(input.integer('RecordSeq'), checkpoint)) };
  },
};
