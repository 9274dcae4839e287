import { resourceTagKeys } from '../condition-keys.ts';
import type { ApiService } from '../service.ts';
import { kmsActions } from './actions/index.ts';
import { kmsProtocol } from './protocol.ts';

/** AWS KMS, API version 2014-11-01 (AWS JSON 1.1), on the same endpoint as SQS: pciq's own KMS. */
export const kmsService: ApiService = {
  signingName: 'kms',
  json: { targetPrefix: 'TrentService.', protocol: kmsProtocol },
  actions: kmsActions,
  // A key's tags, for tag-based decisions on it (no use of keys tagged for card data).
  async resourceAccess(resource, { app, caller }) {
    if (!resource.startsWith('arn:aws:kms:') || !resource.includes(':key/')) return undefined;
    const key = await app.keys.admin.keyOf(caller.accountId, resource);
    return key && { keys: resourceTagKeys(key.tags) };
  },
  // Every KMS call is key lifecycle or key usage (PCI DSS 3.6, 3.7).
  auditCategory: () => 'key',
};
