import type { ApiAction } from '../../service.ts';
import { asRequest, reasonOf, redactionOf, tokenDetails, vaultOf, vaultResource } from '../action.ts';

/** Detokenize: the card number behind a token at a redaction level (masked unless asked otherwise). */
export const detokenizeAction: ApiAction = {
  name: 'Detokenize',
  resource: vaultResource,
  auditDetails: (input, context) => {
    const redaction = input.raw['Redaction'];
    return { ...tokenDetails(input, context), redaction: typeof redaction === 'string' ? redaction : 'masked' };
  },
  async run(input, context) {
    const redaction = redactionOf(input);
    const reason = reasonOf(input);
    const result = await vaultOf(context).detokenize(
      context.caller,
      input.string('Token'),
      { ...(redaction !== undefined ? { redaction } : {}), ...(reason !== undefined ? { reason } : {}) },
      asRequest(context),
    );
    return {
      Value: result.value,
      Redaction: result.redaction,
      Brand: result.brand,
      ...(result.last4 !== undefined ? { Last4: result.last4 } : {}),
      ...(result.expiryMonth !== undefined ? { ExpiryMonth: result.expiryMonth } : {}),
    };
  },
};
