import { invalidParameter } from '../../core/index.ts';
import type { ActionInput } from '../action-input.ts';

/**
 * Reads of the AWS Query protocol's wrapped lists as IAM and STS send them (`Tags.member.1.Key`): the
 * decoder folds them into objects numbered from 1, which these turn into arrays.
 */
export function memberList(input: ActionInput, name: string): unknown[] {
  const value = input.raw[name];
  if (value === undefined || value === null || value === '') return [];
  if (Array.isArray(value)) return value;
  if (typeof value !== 'object') throw invalidParameter(`Value for parameter ${name} must be a list.`);
  const entries = Object.entries(value as Record<string, unknown>);
  if (!entries.every(([key]) => /^\d+$/.test(key)))
    throw invalidParameter(`Value for parameter ${name} must be a list.`);
  return entries.sort(([a], [b]) => Number(a) - Number(b)).map(([, item]) => item);
}

export function stringMembers(input: ActionInput, name: string): string[] {
  return memberList(input, name).map((item) => {
    if (typeof item !== 'string') throw invalidParameter(`Each of ${name} must be a string.`);
    return item;
  });
}

/** `Tags.member.N.Key` / `.Value` as a map. */
export function tagMembers(input: ActionInput, name = 'Tags'): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const item of memberList(input, name)) {
    const entry = item as Record<string, unknown>;
    if (typeof entry !== 'object' || entry === null || typeof entry['Key'] !== 'string') {
      throw invalidParameter(`Each of ${name} needs a Key.`);
    }
    tags[entry['Key']] = typeof entry['Value'] === 'string' ? entry['Value'] : '';
  }
  return tags;
}

export function optionalBoolean(input: ActionInput, name: string): boolean | undefined {
  const value = input.raw[name];
  if (value === undefined || value === null) return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw invalidParameter(`Value for parameter ${name} must be true or false.`);
}

/** ISO 8601 without milliseconds, as IAM and STS write times. */
export function isoTime(ms: number | null | undefined): string | undefined {
  return ms === null || ms === undefined ? undefined : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** IAM returns policy documents URL-encoded (RFC 3986); the AWS SDKs and CLI decode them. */
export function encodedDocument(document: string): string {
  return encodeURIComponent(document);
}
