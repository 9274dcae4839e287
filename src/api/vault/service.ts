import { jsonServiceProtocol } from '../json-service-protocol.ts';
import type { ApiAction, ApiService } from '../service.ts';
import { deleteTokenAction } from './actions/delete-token.ts';
import { detokenizeAction } from './actions/detokenize.ts';
import { tokenizeAction } from './actions/tokenize.ts';

const actions: readonly ApiAction[] = [tokenizeAction, detokenizeAction, deleteTokenAction];

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
