import { stringMembers, tagMembers } from '../../aws-query/input.ts';
import { boundaryConditionKey, tagConditionKeys, tagKeysConditionKey } from '../../condition-keys.ts';
import type { ApiAction } from '../../service.ts';
import { accountOf, collectionResource, roleResource } from '../resources.ts';
import { page, roleShape } from '../shapes.ts';

export const roleActions: ApiAction[] = [
  {
    name: 'CreateRole',
    resource: (input, context) =>
      `arn:aws:iam::${accountOf(context)}:role${input.optionalString('Path') ?? '/'}${input.string('RoleName')}`,
    conditionKeys: (input) => ({
      ...tagConditionKeys(tagMembers(input)),
      ...boundaryConditionKey(input.optionalString('PermissionsBoundary')),
    }),
    async run(input, context) {
      const path = input.optionalString('Path');
      const description = input.optionalString('Description');
      const maxSessionDurationSec = input.optionalInteger('MaxSessionDuration');
      const permissionsBoundary = input.optionalString('PermissionsBoundary');
      const role = await context.app.iam.createRole(accountOf(context), {
        roleName: input.string('RoleName'),
        assumeRolePolicyDocument: input.string('AssumeRolePolicyDocument'),
        tags: tagMembers(input),
        ...(path !== undefined ? { path } : {}),
        ...(description !== undefined ? { description } : {}),
        ...(maxSessionDurationSec !== undefined ? { maxSessionDurationSec } : {}),
        ...(permissionsBoundary !== undefined ? { permissionsBoundary } : {}),
      });
      return { Role: roleShape(role, true) };
    },
  },
  {
    name: 'GetRole',
    resource: roleResource,
    async run(input, context) {
      return { Role: roleShape(await context.app.iam.getRole(accountOf(context), input.string('RoleName')), true) };
    },
  },
  {
    name: 'ListRoles',
    resource: collectionResource('role'),
    async run(input, context) {
      const roles = await context.app.iam.listRoles(accountOf(context), input.optionalString('PathPrefix'));
      return page(
        'Roles',
        roles.map((role) => roleShape(role)),
      );
    },
  },
  {
    name: 'DeleteRole',
    resource: roleResource,
    async run(input, context) {
      await context.app.iam.deleteRole(accountOf(context), input.string('RoleName'));
      return undefined;
    },
  },
  {
    name: 'UpdateAssumeRolePolicy',
    resource: roleResource,
    async run(input, context) {
      await context.app.iam.updateRole(accountOf(context), input.string('RoleName'), {
        kind: 'trust',
        document: input.string('PolicyDocument'),
      });
      return undefined;
    },
  },
  {
    name: 'UpdateRole',
    resource: roleResource,
    async run(input, context) {
      const description = input.optionalString('Description');
      const maxSessionDurationSec = input.optionalInteger('MaxSessionDuration');
      await context.app.iam.updateRole(accountOf(context), input.string('RoleName'), {
        kind: 'settings',
        ...(description !== undefined ? { description } : {}),
        ...(maxSessionDurationSec !== undefined ? { maxSessionDurationSec } : {}),
      });
      return {};
    },
  },
  {
    name: 'TagRole',
    resource: roleResource,
    conditionKeys: (input) => tagConditionKeys(tagMembers(input)),
    async run(input, context) {
      await context.app.iam.updateRole(accountOf(context), input.string('RoleName'), {
        kind: 'tag',
        tags: tagMembers(input),
      });
      return undefined;
    },
  },
  {
    name: 'UntagRole',
    resource: roleResource,
    conditionKeys: (input) => tagKeysConditionKey(stringMembers(input, 'TagKeys')),
    async run(input, context) {
      await context.app.iam.updateRole(accountOf(context), input.string('RoleName'), {
        kind: 'untag',
        keys: stringMembers(input, 'TagKeys'),
      });
      return undefined;
    },
  },
  {
    name: 'ListRoleTags',
    resource: roleResource,
    async run(input, context) {
      const role = await context.app.iam.getRole(accountOf(context), input.string('RoleName'));
      return page(
        'Tags',
        Object.entries(role.tags).map(([Key, Value]) => ({ Key, Value })),
      );
    },
  },
  {
    // pciq has no EC2 instance profiles; Terraform asks before it deletes a role.
    name: 'ListInstanceProfilesForRole',
    resource: roleResource,
    async run(input, context) {
      await context.app.iam.getRole(accountOf(context), input.string('RoleName'));
      return page('InstanceProfiles', []);
    },
  },
];
