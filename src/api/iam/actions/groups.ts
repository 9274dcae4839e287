import type { ApiAction } from '../../service.ts';
import { accountOf, collectionResource, groupResource, userNameOf, userResource } from '../resources.ts';
import { groupShape, page, userShape } from '../shapes.ts';

export const groupActions: ApiAction[] = [
  {
    name: 'CreateGroup',
    resource: (input, context) =>
      `arn:aws:iam::${accountOf(context)}:group${input.optionalString('Path') ?? '/'}${input.string('GroupName')}`,
    async run(input, context) {
      const path = input.optionalString('Path');
      const group = await context.app.iam.createGroup(accountOf(context), {
        groupName: input.string('GroupName'),
        ...(path !== undefined ? { path } : {}),
      });
      return { Group: groupShape(group) };
    },
  },
  {
    name: 'GetGroup',
    resource: groupResource,
    async run(input, context) {
      const { group, users } = await context.app.iam.getGroup(accountOf(context), input.string('GroupName'));
      return {
        Group: groupShape(group),
        ...page(
          'Users',
          users.map((user) => userShape(user)),
        ),
      };
    },
  },
  {
    name: 'ListGroups',
    resource: collectionResource('group'),
    async run(input, context) {
      const groups = await context.app.iam.listGroups(accountOf(context), input.optionalString('PathPrefix'));
      return page('Groups', groups.map(groupShape));
    },
  },
  {
    name: 'ListGroupsForUser',
    resource: userResource(),
    async run(input, context) {
      const groups = await context.app.iam.listGroupsForUser(accountOf(context), userNameOf(input, context));
      return page('Groups', groups.map(groupShape));
    },
  },
  {
    name: 'DeleteGroup',
    resource: groupResource,
    async run(input, context) {
      await context.app.iam.deleteGroup(accountOf(context), input.string('GroupName'));
      return undefined;
    },
  },
  {
    name: 'AddUserToGroup',
    resource: groupResource,
    async run(input, context) {
      await context.app.iam.addUserToGroup(accountOf(context), {
        groupName: input.string('GroupName'),
        userName: input.string('UserName'),
      });
      return undefined;
    },
  },
  {
    name: 'RemoveUserFromGroup',
    resource: groupResource,
    async run(input, context) {
      await context.app.iam.removeUserFromGroup(accountOf(context), {
        groupName: input.string('GroupName'),
        userName: input.string('UserName'),
      });
      return undefined;
    },
  },
];
