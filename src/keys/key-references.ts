import { PciqError } from '../core/index.ts';

/** A key named by a client: its id (from a key id or key ARN) or an alias (from a name or alias ARN). */
export type KeyReference = { kind: 'id'; keyId: string } | { kind: 'alias'; aliasName: string };

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const aliasPattern = /^alias\/[a-zA-Z0-9/_-]+$/;
/** `alias/aws/` names AWS managed keys; customers cannot create or delete such aliases (as in AWS KMS). */
export const reservedAliasPrefix = 'alias/aws/';

export function keyArn(region: string, accountId: string, keyId: string): string {
  return `arn:aws:kms:${region}:${accountId}:key/${keyId}`;
}

export function aliasArn(region: string, accountId: string, aliasName: string): string {
  return `arn:aws:kms:${region}:${accountId}:${aliasName}`;
}

export function isKeyId(text: string): boolean {
  return uuidPattern.test(text);
}

function notFound(ref: string): PciqError {
  return new PciqError('NotFoundException', `Invalid keyId '${ref.slice(0, 256)}'`);
}

/**
 * Parses a KeyId parameter: key id, key ARN, alias name or alias ARN. ARNs of another account or region
 * are not found (keys are not shared across accounts yet); a malformed ARN is InvalidArnException.
 */
export function parseKeyReference(ref: string, region: string, accountId: string): KeyReference {
  if (isKeyId(ref)) return { kind: 'id', keyId: ref };
  if (ref.startsWith('alias/')) {
    if (!aliasPattern.test(ref)) throw notFound(ref);
    return { kind: 'alias', aliasName: ref };
  }
  if (ref.startsWith('arn:')) {
    const match = /^arn:[a-z-]+:kms:([a-z0-9-]+):(\d{12}):(key\/(.+)|alias\/.+)$/.exec(ref);
    if (!match) throw new PciqError('InvalidArnException', `Invalid arn ${ref.slice(0, 256)}`);
    if (match[1] !== region || match[2] !== accountId) throw notFound(ref);
    if (match[4] !== undefined) {
      if (!isKeyId(match[4])) throw notFound(ref);
      return { kind: 'id', keyId: match[4] };
    }
    const aliasName = match[3]!;
    if (!aliasPattern.test(aliasName)) throw notFound(ref);
    return { kind: 'alias', aliasName };
  }
  throw notFound(ref);
}
