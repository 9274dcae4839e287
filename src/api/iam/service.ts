import { awsQueryProtocol } from '../aws-query/protocol.ts';
import type { ApiAction, ApiService } from '../service.ts';
import { accessKeyActions, loginActions, mfaActions } from './actions/credentials.ts';
import { entityPolicyActions } from './actions/entity-policies.ts';
import { groupActions } from './actions/groups.ts';
import { managedPolicyActions } from './actions/managed-policies.ts';
import { roleActions } from './actions/roles.ts';
import { simulateActions } from './actions/simulate.ts';
import { userActions } from './actions/users.ts';

const actions: ApiAction[] = [
  ...userActions,
  ...groupActions,
  ...roleActions,
  ...managedPolicyActions,
  ...entityPolicyActions,
  ...accessKeyActions,
  ...mfaActions,
  ...loginActions,
  ...simulateActions,
];

/**
 * AWS IAM, API version 2010-05-08, in the Query protocol (XML), on the same endpoint: SigV4 service `iam`,
 * so `aws iam`, the AWS SDKs and Terraform's AWS provider pointed at pciq manage its identities.
 */
export const iamApiService: ApiService = {
  signingName: 'iam',
  query: awsQueryProtocol({
    namespace: 'https://iam.amazonaws.com/doc/2010-05-08/',
    // IAM's names for errors raised by shared code.
    errorNames: {
      InvalidParameterValue: 'InvalidInput',
      MissingParameter: 'ValidationError',
      InvalidParameterCombination: 'InvalidInput',
    },
  }),
  actions: new Map(actions.map((action) => [action.name, action])),
  // Principals, credentials and policies (PCI DSS 10.2.1.2, 10.2.1.5).
  auditCategory: () => 'iam',
};
