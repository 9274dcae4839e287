import { awsJsonProtocol } from '../aws-json-protocol.ts';
import type { ApiAction, ApiService } from '../service.ts';
import { getScoreHistoryAction } from './actions/get-score-history.ts';
import { listFindingsAction } from './actions/list-findings.ts';

const actions: readonly ApiAction[] = [listFindingsAction, getScoreHistoryAction];

/**
 * The compliance admin API on the shared endpoint: AWS JSON 1.1 with `X-Amz-Target: PciqCompliance.<Action>`
 * and SigV4 signing name `compliance`. Read-only; changes go through plans (`pciq compliance`). Every call
 * is recorded like any request.
 */
export const complianceApiService: ApiService = {
  signingName: 'compliance',
  json: {
    targetPrefix: 'PciqCompliance.',
    protocol: awsJsonProtocol({
      version: '1.1',
      targetPrefix: 'PciqCompliance.',
      errorTypePrefix: '',
      queryCompatible: false,
    }),
  },
  actions: new Map(actions.map((action) => [action.name, action])),
  auditCategory: () => 'management',
};
