import { PciqError } from '../../core/index.ts';
import {
  isTokenFormat,
  type Recording,
  type Redaction,
  redactions,
  type TokenFormat,
  type TokenVault,
  tokenFormats,
  vaultArn,
} from '../../vault/index.ts';
import type { ActionInput } from '../action-input.ts';
import type { ActionContext } from '../service.ts';

export function vaultOf(context: ActionContext): TokenVault {
  if (!context.app.vault) throw new PciqError('ServiceUnavailable', 'The token vault is not enabled on this endpoint.');
  return context.app.vault;
}

/** Every vault action is authorized against the account's vault. */
export function vaultResource(_input: ActionInput, { caller, region }: ActionContext): string {
  return vaultArn(region, caller.accountId);
}

/** The request's own audit record carries what the vault knows about the operation. */
export function asRequest(context: ActionContext): Recording {
  return { kind: 'request', note: (details) => context.note(details) };
}

/** Enum values as this API documents them (`format-preserving`), in any case and with `_` for `-`. */
function enumValue(value: string): string {
  return value.toLowerCase().replaceAll('_', '-');
}

export function formatOf(input: ActionInput): TokenFormat | undefined {
  const value = input.optionalString('Format');
  if (value === undefined) return undefined;
  const format = enumValue(value);
  if (!isTokenFormat(format)) throw invalid(`Format must be one of ${tokenFormats.join(', ')}.`);
  return format;
}

export function redactionOf(input: ActionInput): Redaction | undefined {
  const value = input.optionalString('Redaction');
  if (value === undefined) return undefined;
  const redaction = enumValue(value);
  if (!(redactions as readonly string[]).includes(redaction))
    throw invalid(`Redaction must be one of ${redactions.join(', ')}.`);
  return redaction as Redaction;
}

export function invalid(message: string): PciqError {
  return new PciqError('ValidationException', message);
}

/** The token an action names, for the audit record before authorization: its keyed reference, never itself. */
export function tokenDetails(input: ActionInput, context: ActionContext): Record<string, string | null> {
  const token = input.raw['Token'];
  const reason = input.raw['Reason'];
  const vault = context.app.vault;
  return {
    tokenRef: typeof token === 'string' && vault ? vault.tokenRefOf(context.caller.accountId, token) : null,
    ...(typeof reason === 'string' ? { reason } : {}),
  };
}
