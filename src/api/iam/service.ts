import { parsePrincipalArn } from '../../iam/index.ts';
import { awsQueryProtocol } from '../aws-query/protocol.ts';
import { resourceTagKeys } from '../condition-keys.ts';
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
  // A user's or role's tags, for tag-based decisions on it (a Deny on anything tagged `protected`).
  async resourceAccess(resource, { app, caller }) {
    const entity = parsePrincipalArn(resource);
    if (!entity || (entity.kind !== 'user' && entity.kind !== 'role') || entity.accountId !== caller.accountId)
      return undefined;
    const tags = await app.iam.context.store.read(async (tx) => {
      const row =
        entity.kind === 'user'
          ? await tx.iam.getUser(entity.accountId, entity.name)
          : await tx.iam.getRole(entity.accountId, entity.name);
      return row?.tags;
    });
    return tags && { keys: resourceTagKeys(tags, ['aws', 'iam']) };
  },
  // Principals, credentials and policies (PCI DSS 10.2.1.2, 10.2.1.5).
  auditCategory: () => 'iam',
};
