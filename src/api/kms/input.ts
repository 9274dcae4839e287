import { PciqError } from '../../core/index.ts';
import { readHeader } from '../../crypto/index.ts';
import { aliasArn, type EncryptionContext, isKeyId, keyArn } from '../../keys/index.ts';
import type { ActionInput } from '../action-input.ts';
import type { ActionContext } from '../service.ts';

const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function validation(message: string): PciqError {
  return new PciqError('ValidationException', message);
}

/** A blob member (base64 in the JSON protocol), required, of at most `maxBytes`. */
export function blobOf(input: ActionInput, name: string, maxBytes: number): Buffer {
  const text = input.raw[name];
  if (text === undefined || text === null)
    throw validation(
      `1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`,
    );
  if (typeof text !== 'string' || !base64Pattern.test(text)) throw validation(`${name} must be base64.`);
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length < 1 || bytes.length > maxBytes)
    throw validation(
      `1 validation error detected: Value at '${name}' failed to satisfy constraint: Member must have length between 1 and ${maxBytes}`,
    );
  return bytes;
}

export function keyIdOf(input: ActionInput, name = 'KeyId'): string {
  const value = input.string(name);
  if (value.length < 1 || value.length > 2048) throw validation(`${name} must be 1 to 2048 characters.`);
  return value;
}

export function contextOf(input: ActionInput, name: string): EncryptionContext | undefined {
  return input.has(name) ? input.stringMap(name) : undefined;
}

/** EncryptionAlgorithm: symmetric keys support SYMMETRIC_DEFAULT only. */
export function checkAlgorithm(input: ActionInput, name: string): void {
  const algorithm = input.optionalString(name);
  if (algorithm !== undefined && algorithm !== 'SYMMETRIC_DEFAULT') {
    throw new PciqError(
      'InvalidKeyUsageException',
      `The encryption algorithm ${algorithm.slice(0, 64)} is not valid for a symmetric key.`,
    );
  }
}

export function tagsOf(input: ActionInput, name = 'Tags'): Record<string, string> {
  const list = input.raw[name];
  if (list === undefined || list === null) return {};
  if (!Array.isArray(list)) throw validation(`${name} must be a list.`);
  const tags: Record<string, string> = {};
  for (const item of list) {
    const tag = item as Record<string, unknown>;
    if (typeof tag?.['TagKey'] !== 'string' || typeof tag['TagValue'] !== 'string')
      throw validation('Each tag needs a TagKey and a TagValue.');
    tags[tag['TagKey']] = tag['TagValue'];
  }
  return tags;
}

export function tagList(tags: Record<string, string>): Array<{ TagKey: string; TagValue: string }> {
  return Object.keys(tags)
    .sort()
    .map((key) => ({ TagKey: key, TagValue: tags[key]! }));
}

/** Limit (1–1000) and Marker of list operations; the marker is opaque to clients. */
export function pageOf<T>(input: ActionInput, items: T[], keyOf: (item: T) => string, defaultLimit = 100) {
  const limit = input.optionalInteger('Limit') ?? defaultLimit;
  if (limit < 1 || limit > 1000)
    throw validation(
      `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 1000`,
    );
  const marker = input.optionalString('Marker');
  let start = 0;
  if (marker !== undefined) {
    const after = Buffer.from(marker, 'base64url').toString('utf8');
    const index = items.findIndex((item) => keyOf(item) === after);
    if (index === -1) throw new PciqError('InvalidMarkerException', 'The marker is not valid for this list.');
    start = index + 1;
  }
  const page = items.slice(start, start + limit);
  const truncated = start + limit < items.length;
  return {
    page,
    out: truncated
      ? { Truncated: true, NextMarker: Buffer.from(keyOf(page[page.length - 1]!), 'utf8').toString('base64url') }
      : { Truncated: false },
  };
}

/** Epoch seconds, as AWS JSON protocols send timestamps. */
export function date(ms: number): number {
  return ms / 1000;
}

/**
 * The resource `authorize` is asked about: the key the `name` parameter names. AWS KMS authorizes the key
 * itself however a request names it, so an alias (name or ARN) counts as the key it points to: a Deny on
 * the key holds through every alias. An alias that names no key stays as it is (the action then fails).
 */
export async function keyResource(input: ActionInput, context: ActionContext, name = 'KeyId'): Promise<string> {
  const { caller, region } = context;
  const ref = input.optionalString(name);
  if (ref === undefined) return `arn:aws:kms:${region}:${caller.accountId}:key/*`;
  if (isKeyId(ref)) return keyArn(region, caller.accountId, ref);
  if (ref.startsWith('alias/') || /^arn:[a-z-]+:kms:[^:]*:[^:]*:alias\//.test(ref)) {
    const resolved = await context.app.keys.admin.keyOf(caller.accountId, ref);
    if (resolved !== undefined) return resolved.arn;
  }
  return ref.startsWith('alias/') ? aliasArn(region, caller.accountId, ref) : ref;
}

/** The alias an alias action names, as a resource of its own (kms:CreateAlias, kms:UpdateAlias, kms:DeleteAlias). */
export function aliasResource(input: ActionInput, { caller, region }: ActionContext): string {
  const name = input.optionalString('AliasName') ?? '';
  return name.startsWith('alias/') ? aliasArn(region, caller.accountId, name) : name;
}

/**
 * Decrypt and ReEncrypt name their key inside the ciphertext; a blob that is not one of pciq's falls back
 * to the key parameter `name` (KeyId, SourceKeyId).
 */
export function ciphertextResource(input: ActionInput, context: ActionContext, name = 'KeyId'): Promise<string> {
  const text = input.optionalString('CiphertextBlob');
  const header = text ? readHeader(Buffer.from(text, 'base64')) : undefined;
  return header
    ? Promise.resolve(keyArn(context.region, context.caller.accountId, header.keyId))
    : keyResource(input, context, name);
}

export function accountResource({ caller, region }: ActionContext): string {
  return `arn:aws:kms:${region}:${caller.accountId}:*`;
}
