import type { ApiAction } from '../../service.ts';
import { asRequest, reasonOf, tokenDetails, vaultOf, vaultResource } from '../action.ts';

/** DeleteToken: the token and its sealed card number are deleted; the PAN cannot be had back. */
export const deleteTokenAction: ApiAction = {
  name: 'DeleteToken',
  resource: vaultResource,
  auditDetails: tokenDetails,
  async run(input, context) {
    const reason = reasonOf(input);
    await vaultOf(context).deleteToken(
      context.caller,
      input.string('Token'),
      reason !== undefined ? { reason } : {},
      asRequest(context),
    );
    return {};
  },
};
