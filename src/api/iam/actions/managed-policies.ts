import { invalidParameter } from '../../../core/index.ts';
import { optionalBoolean } from '../../aws-query/input.ts';
import type { ApiAction } from '../../service.ts';
import { accountOf, collectionResource, policyResource } from '../resources.ts';
import { page, policyShape, policyVersionShape } from '../shapes.ts';

function scopeOf(value: string | undefined): 'All' | 'AWS' | 'Local' {
  if (value === undefined || value === 'All' || value === 'AWS' || value === 'Local') return value ?? 'All';
  throw invalidParameter(`Value ${value.slice(0, 16)} for parameter Scope is invalid: use All, AWS or Local.`);
}

export const managedPolicyActions: ApiAction[] = [
  {
    name: 'CreatePolicy',
    resource: (input, context) =>
      `arn:aws:iam::${accountOf(context)}:policy${input.optionalString('Path') ?? '/'}${input.string('PolicyName')}`,
    async run(input, context) {
      const path = input.optionalString('Path');
      const description = input.optionalString('Description');
      const policy = await context.app.iam.createPolicy(accountOf(context), {
        policyName: input.string('PolicyName'),
        policyDocument: input.string('PolicyDocument'),
        ...(path !== undefined ? { path } : {}),
        ...(description !== undefined ? { description } : {}),
      });
      return { Policy: policyShape(policy) };
    },
  },
  {
    name: 'GetPolicy',
    resource: policyResource(),
    async run(input, context) {
      return { Policy: policyShape(await context.app.iam.getPolicy(accountOf(context), input.string('PolicyArn'))) };
    },
  },
  {
    name: 'ListPolicies',
    resource: collectionResource('policy'),
    async run(input, context) {
      const onlyAttached = optionalBoolean(input, 'OnlyAttached');
      const pathPrefix = input.optionalString('PathPrefix');
      const policies = await context.app.iam.listPolicies(accountOf(context), {
        scope: scopeOf(input.optionalString('Scope')),
        ...(onlyAttached !== undefined ? { onlyAttached } : {}),
        ...(pathPrefix !== undefined ? { pathPrefix } : {}),
      });
      return page('Policies', policies.map(policyShape));
    },
  },
  {
    name: 'DeletePolicy',
    resource: policyResource(),
    async run(input, context) {
      await context.app.iam.deletePolicy(accountOf(context), input.string('PolicyArn'));
      return undefined;
    },
  },
  {
    name: 'CreatePolicyVersion',
    resource: policyResource(),
    async run(input, context) {
      const version = await context.app.iam.createPolicyVersion(accountOf(context), {
        policyArn: input.string('PolicyArn'),
        policyDocument: input.string('PolicyDocument'),
        setAsDefault: optionalBoolean(input, 'SetAsDefault') ?? false,
      });
      const { Document: _document, ...shape } = policyVersionShape(version);
      return { PolicyVersion: shape };
    },
  },
  {
    name: 'GetPolicyVersion',
    resource: policyResource(),
    async run(input, context) {
      const version = await context.app.iam.getPolicyVersion(
        accountOf(context),
        input.string('PolicyArn'),
        input.string('VersionId'),
      );
      return { PolicyVersion: policyVersionShape(version) };
    },
  },
  {
    name: 'ListPolicyVersions',
    resource: policyResource(),
    async run(input, context) {
      const versions = await context.app.iam.listPolicyVersions(accountOf(context), input.string('PolicyArn'));
      return page(
        'Versions',
        versions.map((version) => {
          const { Document: _document, ...shape } = policyVersionShape(version);
          return shape;
        }),
      );
    },
  },
  {
    name: 'DeletePolicyVersion',
    resource: policyResource(),
    async run(input, context) {
      await context.app.iam.deletePolicyVersion(
        accountOf(context),
        input.string('PolicyArn'),
        input.string('VersionId'),
      );
      return undefined;
    },
  },
  {
    name: 'SetDefaultPolicyVersion',
    resource: policyResource(),
    async run(input, context) {
      await context.app.iam.setDefaultPolicyVersion(
        accountOf(context),
        input.string('PolicyArn'),
        input.string('VersionId'),
      );
      return undefined;
    },
  },
  {
    name: 'ListEntitiesForPolicy',
    resource: policyResource(),
    async run(input, context) {
      const entities = await context.app.iam.listEntitiesForPolicy(accountOf(context), input.string('PolicyArn'));
      const named = (kind: string, key: string) =>
        entities.filter((row) => row.entityKind === kind).map((row) => ({ [key]: row.entityName }));
      return {
        PolicyGroups: named('group', 'GroupName'),
        PolicyUsers: named('user', 'UserName'),
        PolicyRoles: named('role', 'RoleName'),
        IsTruncated: false,
      };
    },
  },
];
