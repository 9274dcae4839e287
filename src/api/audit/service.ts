import { awsJsonProtocol } from '../aws-json-protocol.ts';
import type { ApiService } from '../service.ts';
import type { AuditAction } from './action.ts';
import { getConsistencyProofAction } from './actions/get-consistency-proof.ts';
import { getInclusionProofAction } from './actions/get-inclusion-proof.ts';
import { getPublicKeyAction } from './actions/get-public-key.ts';
import { listAlertsAction } from './actions/list-alerts.ts';
import { searchRecordsAction } from './actions/search-records.ts';

const actions: readonly AuditAction[] = [
  searchRecordsAction,
  listAlertsAction,
  getInclusionProofAction,
  getConsistencyProofAction,
  getPublicKeyAction,
];

/**
 * The audit trail's admin API on the shared endpoint: AWS JSON 1.1 with `X-Amz-Target: PciqAudit.<Action>`
 * and SigV4 signing name `audit`, so any SigV4 signer can call it. Every call is recorded like any request
 * (PCI DSS 10.2.1.3: access to the audit logs).
 */
export const auditApiService: ApiService = {
  signingName: 'audit',
  json: {
    targetPrefix: 'PciqAudit.',
    protocol: awsJsonProtocol({
      version: '1.1',
      targetPrefix: 'PciqAudit.',
      errorTypePrefix: '',
      queryCompatible: false,
    }),
  },
  actions: new Map(actions.map((action) => [action.name, action])),
  auditCategory: () => 'audit',
};
