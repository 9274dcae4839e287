import { invalidParameter } from '../../../core/index.ts';
import type { ApiAction } from '../../service.ts';
import { complianceResource, complianceServiceOf } from '../action.ts';

/** GetScoreHistory: the summaries of full scans, newest first. */
export const getScoreHistoryAction: ApiAction = {
  name: 'GetScoreHistory',
  resource: complianceResource,
  async run(input, context) {
    const limit = input.optionalInteger('MaxResults') ?? 30;
    if (limit < 1 || limit > 1_000) throw invalidParameter('MaxResults must be between 1 and 1000.');
    return { Scans: await complianceServiceOf(context).history(limit) };
  },
};
