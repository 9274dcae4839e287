import type { TokenizeOptions, TokenizeResult } from '../../../vault/index.ts';
import type { ActionInput } from '../../action-input.ts';
import type { ApiAction } from '../../service.ts';
import { asRequest, formatOf, invalid, reasonDetails, reasonOf, vaultOf, vaultResource } from '../action.ts';

function optionsOf(input: ActionInput): TokenizeOptions {
  const options: TokenizeOptions = {};
  const format = formatOf(input);
  const scope = input.optionalString('Scope');
  const ttlSec = input.optionalInteger('TtlSeconds');
  const expiryMonth = input.optionalString('ExpiryMonth');
  const reason = reasonOf(input);
  if (format !== undefined) options.format = format;
  if (scope !== undefined) options.scope = scope;
  if (ttlSec !== undefined) options.ttlSec = ttlSec;
  if (expiryMonth !== undefined) options.expiryMonth = expiryMonth;
  if (reason !== undefined) options.reason = reason;
  return options;
}

function tokenOutput(result: TokenizeResult): Record<string, unknown> {
  return {
    Token: result.token,
    Format: result.format,
    Brand: result.brand,
    Last4: result.last4,
    Reused: result.isReused,
    ...(result.expiresAtMs !== null ? { ExpiresAt: result.expiresAtMs / 1000 } : {}),
  };
}

/**
 * Tokenize: a token for a card number (`Pan`), or for each of many (`Pans`, answered as `Tokens` in the
 * same order, all in one unit of work and one audit record), random or convergent in a scope, with an
 * optional TTL and expiry month applying to every card of the call.
 */
export const tokenizeAction: ApiAction = {
  name: 'Tokenize',
  resource: vaultResource,
  auditDetails(input) {
    return { convergent: input.has('Scope'), ...reasonDetails(input) };
  },
  async run(input, context) {
    const options = optionsOf(input);
    const vault = vaultOf(context);
    if (input.has('Pans')) {
      if (input.has('Pan')) throw invalid('Give either Pan or Pans, not both.');
      const results = await vault.tokenizeBatch(context.caller, input.stringList('Pans'), options, asRequest(context));
      return { Tokens: results.map(tokenOutput) };
    }
    return tokenOutput(await vault.tokenize(context.caller, input.string('Pan'), options, asRequest(context)));
  },
};
