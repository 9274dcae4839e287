import { parsePrincipalArn } from '../../iam/index.ts';
import type { ReadTx } from '../../storage/index.ts';
import { analysePolicy } from '../policy-statements.ts';
import type { ResourceProvider } from '../resource.ts';
import { rolePolicyDocuments } from './iam-policies.ts';

export function functionArn(region: string, accountId: string, name: string): string {
  return `arn:aws:lambda:${region}:${accountId}:function:${name}`;
}

/** The statements of a role's identity policies that allow every action, or every action of a service. */
async function overBroadGrants(tx: ReadTx, accountId: string, roleArn: string | undefined): Promise<string[]> {
  const role = roleArn ? parsePrincipalArn(roleArn) : undefined;
  if (role?.kind !== 'role' || role.accountId !== accountId) return [];
  const grants: string[] = [];
  for (const document of await rolePolicyDocuments(tx, accountId, role.name)) {
    const facts = analysePolicy(document);
    for (const statement of facts.statements) {
      if (statement.effect === 'Allow' && statement.isAllActions)
        grants.push(statement.sid ?? `Statement[${statement.index}]`);
    }
  }
  return grants;
}

/**
 * Functions (PCI DSS 8.6.2: no passwords or secrets written into configuration; 7.2.5: application accounts
 * least privilege): the current version's role and its grants of every action, the names of environment variables that looked like
 * secrets at deploy (never their values), and the queues mapped to the function.
 */
export const functionProvider: ResourceProvider = {
  type: 'function',
  description: 'Functions: role, secret-looking environment variables (names only), queue mappings',
  async list(context) {
    const { functions, versions, mappings, grants } = await context.store.read(async (tx) => {
      const functions = await tx.functions.listFunctions(context.accountId);
      const versions = await Promise.all(
        functions.map((row) => tx.functions.getVersion(context.accountId, row.name, row.currentVersion)),
      );
      const grants: string[][] = [];
      for (const version of versions) grants.push(await overBroadGrants(tx, context.accountId, version?.roleArn));
      return { functions, versions, mappings: await tx.functions.listMappings(context.accountId), grants };
    });
    return functions.map((row, index) => {
      const version = versions[index];
      const own = mappings.filter((mapping) => mapping.functionName === row.name);
      const arn = functionArn(context.region, context.accountId, row.name);
      return {
        id: arn,
        type: 'function',
        name: row.name,
        // A policy put on or attached to the role changes what the function may do.
        ...(version?.roleArn ? { aliases: [version.roleArn] } : {}),
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
          roleOverBroadStatements: grants[index] ?? [],
          hasOverBroadRole: (grants[index]?.length ?? 0) > 0,
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
