import { isPciqError, PciqError } from '../core/index.ts';
import type { RoleSessions } from '../functions/index.ts';
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
