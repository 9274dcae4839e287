import type { ActionInput } from '../../action-input.ts';
import type { ActionContext, ApiAction } from '../../service.ts';
import { accountResource, aliasResource, date, keyIdOf, keyResource, pageOf } from '../input.ts';

/**
 * Alias actions are authorized on the alias and on each key it points to, before and after the change (AWS
 * KMS, "Controlling access to aliases"): moving an alias substitutes the key behind every name that uses it,
 * which nobody may do without rights on both keys (PCI DSS 3.7.7).
 */
async function authorizeCurrentTarget(input: ActionInput, context: ActionContext, action: string): Promise<void> {
  const target = await context.app.keys.admin.keyOf(context.caller.accountId, input.string('AliasName'));
  if (target !== undefined) await context.authorize(action, target.arn);
}

export const createAliasAction: ApiAction = {
  name: 'CreateAlias',
  resource: aliasResource,
  async run(input, context) {
    await context.authorize('kms:CreateAlias', await keyResource(input, context, 'TargetKeyId'));
    const { app, caller } = context;
    await app.keys.admin.putAlias(caller.accountId, input.string('AliasName'), keyIdOf(input, 'TargetKeyId'));
    return undefined;
  },
};

export const updateAliasAction: ApiAction = {
  name: 'UpdateAlias',
  resource: aliasResource,
  async run(input, context) {
    await authorizeCurrentTarget(input, context, 'kms:UpdateAlias');
    await context.authorize('kms:UpdateAlias', await keyResource(input, context, 'TargetKeyId'));
    const { app, caller } = context;
    await app.keys.admin.putAlias(caller.accountId, input.string('AliasName'), keyIdOf(input, 'TargetKeyId'), true);
    return undefined;
  },
};

export const deleteAliasAction: ApiAction = {
  name: 'DeleteAlias',
  resource: aliasResource,
  async run(input, context) {
    await authorizeCurrentTarget(input, context, 'kms:DeleteAlias');
    await context.app.keys.admin.deleteAlias(context.caller.accountId, input.string('AliasName'));
    return undefined;
  },
};

export const listAliasesAction: ApiAction = {
  name: 'ListAliases',
  resource: (_input, context) => accountResource(context),
  async run(input, { app, caller }) {
    const aliases = await app.keys.admin.listAliases(caller.accountId, input.optionalString('KeyId'));
    const { page, out } = pageOf(input, aliases, (alias) => alias.aliasName);
    return {
      Aliases: page.map((alias) => ({
        AliasName: alias.aliasName,
        AliasArn: alias.aliasArn,
        TargetKeyId: alias.keyId,
        CreationDate: date(alias.createdAtMs),
        LastUpdatedDate: date(alias.updatedAtMs),
      })),
      ...out,
    };
  },
};
