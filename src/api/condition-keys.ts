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
