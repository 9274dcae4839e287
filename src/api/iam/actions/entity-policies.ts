import type { IamEntityKind } from '../../../storage/index.ts';
import type { ActionInput } from '../../action-input.ts';
import { encodedDocument } from '../../aws-query/input.ts';
import { boundaryConditionKey } from '../../condition-keys.ts';
import type { ActionContext, ApiAction } from '../../service.ts';
import { accountOf, currentBoundaryKey, groupResource, roleResource, userResource } from '../resources.ts';
import { page } from '../shapes.ts';

/**
 * The per-entity policy actions, alike for users, groups and roles: Put/Get/Delete/List…Policy (inline),
 * Attach/Detach/ListAttached…Policies (managed), and for users and roles the permissions boundary.
 */

const kinds: Array<{ kind: IamEntityKind; noun: 'User' | 'Group' | 'Role'; nameParameter: string }> = [
  { kind: 'user', noun: 'User', nameParameter: 'UserName' },
  { kind: 'group', noun: 'Group', nameParameter: 'GroupName' },
  { kind: 'role', noun: 'Role', nameParameter: 'RoleName' },
];

function resourceOf(kind: IamEntityKind): (input: ActionInput, context: ActionContext) => string | Promise<string> {
  return kind === 'user' ? userResource() : kind === 'group' ? groupResource : roleResource;
}

function actionsFor({ kind, noun, nameParameter }: (typeof kinds)[number]): ApiAction[] {
  const resource = resourceOf(kind);
  const entity = (input: ActionInput) => ({ kind, entityName: input.string(nameParameter) });
  // The actions that change a user's or role's permissions carry its boundary (IAM's service authorization
  // reference lists them); groups have none.
  const boundary = kind === 'group' ? {} : { conditionKeys: currentBoundaryKey(kind) };
  const actions: ApiAction[] = [
    {
      name: `Put${noun}Policy`,
      resource,
      ...boundary,
      async run(input, context) {
        await context.app.iam.putInlinePolicy(accountOf(context), {
          ...entity(input),
          policyName: input.string('PolicyName'),
          policyDocument: input.string('PolicyDocument'),
        });
        return undefined;
      },
    },
    {
      name: `Get${noun}Policy`,
      resource,
      async run(input, context) {
        const policy = await context.app.iam.getInlinePolicy(accountOf(context), {
          ...entity(input),
          policyName: input.string('PolicyName'),
        });
        return {
          [nameParameter]: policy.entityName,
          PolicyName: policy.policyName,
          PolicyDocument: encodedDocument(policy.document),
        };
      },
    },
    {
      name: `Delete${noun}Policy`,
      resource,
      ...boundary,
      async run(input, context) {
        await context.app.iam.deleteInlinePolicy(accountOf(context), {
          ...entity(input),
          policyName: input.string('PolicyName'),
        });
        return undefined;
      },
    },
    {
      name: `List${noun}Policies`,
      resource,
      async run(input, context) {
        return page(
          'PolicyNames',
          await context.app.iam.listInlinePolicyNames(accountOf(context), kind, input.string(nameParameter)),
        );
      },
    },
    {
      name: `Attach${noun}Policy`,
      resource,
      ...boundary,
      async run(input, context) {
        await context.app.iam.attachPolicy(accountOf(context), {
          ...entity(input),
          policyArn: input.string('PolicyArn'),
        });
        return undefined;
      },
    },
    {
      name: `Detach${noun}Policy`,
      resource,
      ...boundary,
      async run(input, context) {
        await context.app.iam.detachPolicy(accountOf(context), {
          ...entity(input),
          policyArn: input.string('PolicyArn'),
        });
        return undefined;
      },
    },
    {
      name: `ListAttached${noun}Policies`,
      resource,
      async run(input, context) {
        const attached = await context.app.iam.listAttachedPolicies(
          accountOf(context),
          kind,
          input.string(nameParameter),
        );
        return page(
          'AttachedPolicies',
          attached.map((policy) => ({ PolicyName: policy.policyName, PolicyArn: policy.policyArn })),
        );
      },
    },
  ];
  if (kind !== 'group') {
    const boundaryKind = kind;
    actions.push(
      {
        name: `Put${noun}PermissionsBoundary`,
        resource,
        conditionKeys: (input) => boundaryConditionKey(input.optionalString('PermissionsBoundary')),
        async run(input, context) {
          await context.app.iam.setPermissionsBoundary(accountOf(context), {
            kind: boundaryKind,
            entityName: input.string(nameParameter),
            policyArn: input.string('PermissionsBoundary'),
          });
          return undefined;
        },
      },
      {
        name: `Delete${noun}PermissionsBoundary`,
        resource,
        conditionKeys: currentBoundaryKey(boundaryKind),
        async run(input, context) {
          await context.app.iam.setPermissionsBoundary(accountOf(context), {
            kind: boundaryKind,
            entityName: input.string(nameParameter),
            policyArn: null,
          });
          return undefined;
        },
      },
    );
  }
  return actions;
}

export const entityPolicyActions: ApiAction[] = kinds.flatMap(actionsFor);
