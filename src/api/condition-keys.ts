import type { ContextValue } from '../iam/index.ts';

/** aws:RequestTag/KEY and aws:TagKeys of a request that sets tags (CreateQueue, TagQueue, CreateUser, TagRole…). */
export function tagConditionKeys(tags: Record<string, string>): Record<string, ContextValue> {
  const keys: Record<string, ContextValue> = {};
  const names = Object.keys(tags);
  if (names.length === 0) return keys;
  for (const name of names) keys[`aws:RequestTag/${name}`] = tags[name];
  keys['aws:TagKeys'] = names;
  return keys;
}

/**
 * aws:ResourceTag/KEY of the resource a request acts on (a queue's, a user's or a role's tags; IAM names them
 * `iam:ResourceTag/KEY` too): what tag-based (ABAC) policies compare. A Deny conditioned on a tag must see it,
 * or it would never apply.
 */
export function resourceTagKeys(
  tags: Readonly<Record<string, string>>,
  prefixes: readonly string[] = ['aws'],
): Record<string, ContextValue> {
  const keys: Record<string, ContextValue> = {};
  for (const [name, value] of Object.entries(tags))
    for (const prefix of prefixes) keys[`${prefix}:ResourceTag/${name}`] = value;
  return keys;
}

/** aws:TagKeys of a request that removes tags (UntagQueue, UntagUser…). */
export function tagKeysConditionKey(names: readonly string[]): Record<string, ContextValue> {
  return names.length ? { 'aws:TagKeys': [...names] } : {};
}

/**
 * iam:PermissionsBoundary of a request that sets one (CreateUser, CreateRole, Put…PermissionsBoundary): the
 * key AWS documents for delegating user creation "only with this boundary".
 */
export function boundaryConditionKey(policyArn: string | undefined): Record<string, ContextValue> {
  return policyArn === undefined ? {} : { 'iam:PermissionsBoundary': policyArn };
}
