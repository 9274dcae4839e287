import type { TokenizeOptions } from '../../../vault/index.ts';
import type { ApiAction } from '../../service.ts';
import { asRequest, formatOf, vaultOf, vaultResource } from '../action.ts';

/** Tokenize: a token for a card number, random or convergent in a scope, with an optional TTL. */
export const tokenizeAction: ApiAction = {
  name: 'Tokenize',
  resource: vaultResource,
  auditDetails(input) {
    const reason = input.raw['Reason'];
    return { convergent: input.has('Scope'), ...(typeof reason === 'string' ? { reason } : {}) };
  },
  async run(input, context) {
    const options: TokenizeOptions = {};
    const format = formatOf(input);
    const scope = input.optionalString('Scope');
    const ttlSec = input.optionalInteger('TtlSeconds');
    const expiryMonth = input.optionalString('ExpiryMonth');
    const reason = input.optionalString('Reason');
    if (format !== undefined) options.format = format;
    if (scope !== undefined) options.scope = scope;
    if (ttlSec !== undefined) options.ttlSec = ttlSec;
    if (expiryMonth !== undefined) options.expiryMonth = expiryMonth;
    if (reason !== undefined) options.reason = reason;
    const result = await vaultOf(context).tokenize(context.caller, input.string('Pan'), options, asRequest(context));
    return {
      Token: result.token,
      Format: result.format,
      Brand: result.brand,
      Last4: result.last4,
      Reused: result.isReused,
      ...(result.expiresAtMs !== null ? { ExpiresAt: result.expiresAtMs / 1000 } : {}),
    };
  },
};
