import type { ResourceProvider } from '../resource.ts';

export function functionArn(region: string, accountId: string, name: string): string {
  return `arn:aws:lambda:${region}:${accountId}:function:${name}`;
}

/**
 * Functions (PCI DSS 8.6.2: no passwords or secrets written into configuration; 7.2.5: application accounts
 * least privilege): the current version's role, the names of environment variables that looked like
 * secrets at deploy (never their values), and the queues mapped to the function.
 */
export const functionProvider: ResourceProvider = {
  type: 'function',
  description: 'Functions: role, secret-looking environment variables (names only), queue mappings',
  async list(context) {
    const { functions, versions, mappings } = await context.store.read(async (tx) => {
      const functions = await tx.functions.listFunctions(context.accountId);
      const versions = await Promise.all(
        functions.map((row) => tx.functions.getVersion(context.accountId, row.name, row.currentVersion)),
      );
      return { functions, versions, mappings: await tx.functions.listMappings(context.accountId) };
    });
    return functions.map((row, index) => {
      const version = versions[index];
      const own = mappings.filter((mapping) => mapping.functionName === row.name);
      const arn = functionArn(context.region, context.accountId, row.name);
      return {
        id: arn,
        type: 'function',
        name: row.name,
        data: {
          name: row.name,
          arn,
          currentVersion: row.currentVersion,
          roleArn: version?.roleArn ?? null,
          handler: version?.handler ?? null,
          timeoutSec: version?.timeoutSec ?? null,
          memoryMb: version?.memoryMb ?? null,
          secretEnvNames: version?.secretEnvNames ?? [],
          hasSecretsInEnvironment: (version?.secretEnvNames.length ?? 0) > 0,
          mappings: own.map((mapping) => ({
            uuid: mapping.uuid,
            queueArn: mapping.queueArn,
            isEnabled: mapping.isEnabled,
          })),
          enabledMappingCount: own.filter((mapping) => mapping.isEnabled).length,
          updatedAtMs: row.updatedAtMs,
        },
      };
    });
  },
};
