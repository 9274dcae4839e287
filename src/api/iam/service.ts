import type { ErrorCode } from '../../core/index.ts';
import { parsePrincipalArn } from '../../iam/index.ts';
import { awsQueryProtocol } from '../aws-query/protocol.ts';
import { refusingCardData } from '../card-data-parameters.ts';
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

/** Secrets a client sends, which are hashed or checked and never kept as written: not screened as text. */
const secretParameters = new Set([
  'Password',
  'OldPassword',
  'NewPassword',
  'AuthenticationCode1',
  'AuthenticationCode2',
]);

/**
 * Names, paths, tags, descriptions and policy documents of identities are kept and shown as written: card
 * data in any of them is refused, with IAM's codes for a malformed policy or an invalid value. Only actions
 * that write text are screened: reads and removals name what exists, and an identity, tag or policy stored
 * before this check must stay findable and removable.
 */
const writesText = /^(?:Create|Put|Update|Tag)/;

function cardDataCodeOf(parameter: string): ErrorCode | undefined {
  if (secretParameters.has(parameter)) return undefined;
  return parameter.endsWith('PolicyDocument') ? 'MalformedPolicyDocument' : 'ValidationError';
}

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
  actions: new Map(
    actions.map((action) => [
      action.name,
      writesText.test(action.name) ? refusingCardData(action, cardDataCodeOf) : action,
    ]),
  ),
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
