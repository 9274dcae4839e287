import { PciqError } from '../../core/index.ts';
import { type ContextValue, parsePrincipalArn } from '../../iam/index.ts';
import type { ActionInput } from '../action-input.ts';
import { boundaryConditionKey } from '../condition-keys.ts';
import type { ActionContext } from '../service.ts';

/**
 * The resources IAM actions are authorized against, as IAM's service authorization reference names them:
 * the user, group, role or policy ARN with its path, or the account's collection for listing actions.
 */

export function accountOf(context: ActionContext): string {
  return context.caller.accountId;
}

/** The user a request names, or the caller's own user when it names none (GetUser, CreateAccessKey…). */
export function userNameOf(input: ActionInput, context: ActionContext, parameter = 'UserName'): string {
  const named = input.optionalString(parameter);
  if (named !== undefined) return named;
  const own = parsePrincipalArn(context.caller.principalArn);
  if (own?.kind === 'user') return own.name;
  throw new PciqError('ValidationError', `Must specify ${parameter} when calling with non-User credentials`);
}

async function withPath(context: ActionContext, type: 'user' | 'group' | 'role', name: string): Promise<string> {
  const account = accountOf(context);
  const path = await context.app.iam.context.store.read(async (tx) => {
    const row =
      type === 'user'
        ? await tx.iam.getUser(account, name)
        : type === 'group'
          ? await tx.iam.getGroup(account, name)
          : await tx.iam.getRole(account, name);
    return row?.path ?? '/';
  });
  return `arn:aws:iam::${account}:${type}${path}${name}`;
}

export function userResource(parameter = 'UserName') {
  return (input: ActionInput, context: ActionContext) => {
    const named = input.optionalString(parameter);
    if (named === undefined) {
      const own = parsePrincipalArn(context.caller.principalArn);
      return own?.kind === 'user' ? context.caller.principalArn : `arn:aws:iam::${accountOf(context)}:user/*`;
    }
    return withPath(context, 'user', named);
  };
}

export function groupResource(input: ActionInput, context: ActionContext): Promise<string> {
  return withPath(context, 'group', input.string('GroupName'));
}

export function roleResource(input: ActionInput, context: ActionContext): Promise<string> {
  return withPath(context, 'role', input.string('RoleName'));
}

export function policyResource(parameter = 'PolicyArn') {
  return (input: ActionInput) => input.string(parameter);
}

/** A listing or account-wide action: every resource of a type in the account. */
export function collectionResource(type: string) {
  return (_input: ActionInput, context: ActionContext) => `arn:aws:iam::${accountOf(context)}:${type}/*`;
}

/**
 * iam:PermissionsBoundary of an action on an existing user or role (its policies, its boundary's removal):
 * the boundary it has now, which AWS's delegation guardrails compare ("only users with this boundary",
 * "never remove this boundary"). None for an entity that does not exist: the decision comes first, as in AWS.
 */
export function currentBoundaryKey(kind: 'user' | 'role') {
  return async (input: ActionInput, context: ActionContext): Promise<Record<string, ContextValue>> => {
    const account = accountOf(context);
    const boundary = await context.app.iam.context.store.read(async (tx) => {
      const row =
        kind === 'user'
          ? await tx.iam.getUser(account, input.string('UserName'))
          : await tx.iam.getRole(account, input.string('RoleName'));
      return row?.permissionsBoundary ?? undefined;
    });
    return boundaryConditionKey(boundary);
  };
}
