import { refusingCardData } from '../card-data-parameters.ts';
import { jsonServiceProtocol } from '../json-service-protocol.ts';
import type { ApiAction, ApiService } from '../service.ts';
import { deleteTokenAction } from './actions/delete-token.ts';
import { detokenizeAction } from './actions/detokenize.ts';
import { tokenizeAction } from './actions/tokenize.ts';

/** A token scope is a name kept in plain text with each convergent token: it must hold no card data. */
const tokenizeWithScreenedScope = refusingCardData(tokenizeAction, (parameter) =>
  parameter === 'Scope' ? 'ValidationException' : undefined,
);

const actions: readonly ApiAction[] = [tokenizeWithScreenedScope, detokenizeAction, deleteTokenAction];

/**
 * The tokenization vault's API on the shared endpoint: AWS JSON 1.1 with `X-Amz-Target: PciqVault.<Action>`
 * and SigV4 signing name `vault`, so any SigV4 signer can call it. Its IAM actions are `pciq:Tokenize`,
 * `pciq:Detokenize` and `pciq:DeleteToken` on the vault's ARN; every call is recorded with the token's keyed
 * reference and the caller's reason (PCI DSS 10.2.1.1).
 */
export const vaultApiService: ApiService = {
  signingName: 'vault',
  actionPrefix: 'pciq',
  json: {
    targetPrefix: 'PciqVault.',
    protocol: jsonServiceProtocol('PciqVault.', { RequestThrottled: 'ThrottlingException' }),
  },
  actions: new Map(actions.map((action) => [action.name, action])),
  auditCategory: () => 'token',
};
