import type { ResourceProvider } from '../resource.ts';

/**
 * Access keys (PCI DSS 8.2.6 inactive accounts, 8.3.9/8.6.3 credentials changed periodically): age and
 * last use. Only ids and instants: the sealed secret is never read.
 */
export const accessKeyProvider: ResourceProvider = {
  type: 'access-key',
  description: 'Access keys: principal, status, age, last use',
  async list(context) {
    const keys = await context.store.read((tx) => tx.listAccessKeys());
    return keys
      .filter((key) => key.principalArn.split(':')[4] === context.accountId)
      .map((key) => ({
        id: `${key.principalArn}/access-key/${key.accessKeyId}`,
        type: 'access-key',
        name: key.accessKeyId,
        // Rules on a principal (a release from quarantine) judge its keys too.
        aliases: [key.principalArn],
        data: {
          accessKeyId: key.accessKeyId,
          principal: key.principalArn,
          status: key.status,
          createdAtMs: key.createdAtMs,
          lastUsedAtMs: key.lastUsedAtMs,
          lastActivityAtMs: key.lastUsedAtMs ?? key.createdAtMs,
        },
      }));
  },
};
