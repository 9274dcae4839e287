import type { ApiAction } from '../../service.ts';
import { accountResource, date, keyIdOf, keyResource, pageOf } from '../input.ts';

export const createAliasAction: ApiAction = {
  name: 'CreateAlias',
  resource: (input, context) => keyResource(input, context, 'TargetKeyId'),
  async run(input, { app, caller }) {
    await app.keys.admin.putAlias(caller.accountId, input.string('AliasName'), keyIdOf(input, 'TargetKeyId'));
    return undefined;
  },
};

export const updateAliasAction: ApiAction = {
  name: 'UpdateAlias',
  resource: (input, context) => keyResource(input, context, 'TargetKeyId'),
  async run(input, { app, caller }) {
    await app.keys.admin.putAlias(caller.accountId, input.string('AliasName'), keyIdOf(input, 'TargetKeyId'), true);
    return undefined;
  },
};

export const deleteAliasAction: ApiAction = {
  name: 'DeleteAlias',
  resource: (input, context) => keyResource(input, context, 'AliasName'),
  async run(input, { app, caller }) {
    await app.keys.admin.deleteAlias(caller.accountId, input.string('AliasName'));
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
