import { invalidParameter } from '../../../core/index.ts';
import type { ApiAction } from '../../service.ts';
import { complianceResource, complianceServiceOf } from '../action.ts';

/** ListFindings: the latest result of every rule on every resource, failing and unmuted first. */
export const listFindingsAction: ApiAction = {
  name: 'ListFindings',
  resource: complianceResource,
  async run(input, context) {
    const status = input.optionalString('Status');
    if (status !== undefined && status !== 'fail' && status !== 'pass' && status !== 'muted') {
      throw invalidParameter('Status must be fail, pass or muted.');
    }
    const rule = input.optionalString('Rule');
    const resource = input.optionalString('Resource');
    const findings = await complianceServiceOf(context).findings({
      ...(status !== undefined ? { status } : {}),
      ...(rule !== undefined ? { rule } : {}),
      ...(resource !== undefined ? { resource } : {}),
    });
    return { Findings: findings };
  },
};
