import { resourceTagKeys } from '../api/condition-keys.ts';
import { isPciqError, PciqError } from '../core/index.ts';
import type { FunctionsContext, RoleSessions } from '../functions/index.ts';
import type { IamService } from '../iam/index.ts';

/** The service principal functions act through, as AWS Lambda's: roles name it in their trust policy. */
export const functionsServicePrincipal = 'lambda.amazonaws.com';

/**
 * Functions act as their execution role through IAM: a session of the role issued to the Lambda service
 * principal (the role's trust policy must name it), named after the function.
 */
export function functionRoleSessions(iam: IamService): RoleSessions {
  return {
    async sessionFor(roleArn, functionName, minValidityMs) {
      try {
        return await iam.assumeRoleForService({
          servicePrincipal: functionsServicePrincipal,
          roleArn,
          sessionName: functionName,
          minValidityMs,
        });
      } catch (error) {
        if (!isPciqError(error) || error.code !== 'AccessDenied') throw error;
        // Lambda's words, and what to do about it.
        throw new PciqError(
          'AccessDenied',
          `The role defined for the function cannot be assumed by Lambda: ${roleArn.slice(0, 256)} must exist and trust ${functionsServicePrincipal} in its trust policy.`,
        );
      }
    },
  };
}

/**
 * The decisions functions ask IAM for, as the API asks them for a request: a resource's tags are its
 * aws:ResourceTag keys, and a use its own policy grants the account (the AWS managed key alias/aws/sqs) is
 * refused only by an explicit Deny. `beforeEach` brings IAM's directory up to date where no request does.
 */
export function functionDecisions(iam: IamService, beforeEach?: () => Promise<void>): FunctionsContext['authorize'] {
  return async (caller, action, resource, facts) => {
    await beforeEach?.();
    const context = facts?.tags ? { keys: resourceTagKeys(facts.tags) } : undefined;
    if (facts?.explicitDenyOnly) await iam.refuseExplicitDeny(caller, action, resource, context);
    else await iam.authorize(caller, action, resource, context);
  };
}
