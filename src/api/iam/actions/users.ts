import { stringMembers, tagMembers } from '../../aws-query/input.ts';
import { boundaryConditionKey, tagConditionKeys, tagKeysConditionKey } from '../../condition-keys.ts';
import type { ApiAction } from '../../service.ts';
import { accountOf, collectionResource, userNameOf, userResource } from '../resources.ts';
import { page, userShape } from '../shapes.ts';

export const userActions: ApiAction[] = [
  {
    name: 'CreateUser',
    resource: (input, context) =>
      `arn:aws:iam::${accountOf(context)}:user${input.optionalString('Path') ?? '/'}${input.string('UserName')}`,
    conditionKeys: (input) => ({
      ...tagConditionKeys(tagMembers(input)),
      ...boundaryConditionKey(input.optionalString('PermissionsBoundary')),
    }),
    async run(input, context) {
      const permissionsBoundary = input.optionalString('PermissionsBoundary');
      const path = input.optionalString('Path');
      const user = await context.app.iam.createUser(accountOf(context), {
        userName: input.string('UserName'),
        tags: tagMembers(input),
        ...(path !== undefined ? { path } : {}),
        ...(permissionsBoundary !== undefined ? { permissionsBoundary } : {}),
      });
      return { User: userShape(user, true) };
    },
  },
  {
    name: 'GetUser',
    resource: userResource(),
    async run(input, context) {
      if (input.optionalString('UserName') === undefined && context.caller.principalArn.endsWith(':root')) {
        return {
          User: { UserId: context.caller.accountId, Arn: context.caller.principalArn, Path: '/', UserName: '' },
        };
      }
      const user = await context.app.iam.getUser(accountOf(context), userNameOf(input, context));
      return { User: userShape(user, true) };
    },
  },
  {
    name: 'ListUsers',
    resource: collectionResource('user'),
    async run(input, context) {
      const users = await context.app.iam.listUsers(accountOf(context), input.optionalString('PathPrefix'));
      return page(
        'Users',
        users.map((user) => userShape(user)),
      );
    },
  },
  {
    name: 'DeleteUser',
    resource: userResource(),
    async run(input, context) {
      await context.app.iam.deleteUser(accountOf(context), input.string('UserName'));
      return undefined;
    },
  },
  {
    name: 'TagUser',
    resource: userResource(),
    conditionKeys: (input) => tagConditionKeys(tagMembers(input)),
    async run(input, context) {
      await context.app.iam.tagUser(accountOf(context), input.string('UserName'), tagMembers(input));
      return undefined;
    },
  },
  {
    name: 'UntagUser',
    resource: userResource(),
    conditionKeys: (input) => tagKeysConditionKey(stringMembers(input, 'TagKeys')),
    async run(input, context) {
      await context.app.iam.untagUser(accountOf(context), input.string('UserName'), stringMembers(input, 'TagKeys'));
      return undefined;
    },
  },
  {
    name: 'ListUserTags',
    resource: userResource(),
    async run(input, context) {
      const user = await context.app.iam.getUser(accountOf(context), input.string('UserName'));
      return page(
        'Tags',
        Object.entries(user.tags).map(([Key, Value]) => ({ Key, Value })),
      );
    },
  },
];
