import { PciqError } from '../../core/index.ts';
import { sadKindInText } from '../../guard/index.ts';
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

/** Longest part of a reason searched for SAD before it is recorded: the record keeps far less of it. */
const maxRecordedReasonChars = 1024;

/**
 * The `Reason` of a vault call. It is kept in the audit trail as given, so SAD typed into it ("customer read
 * out cvv: 123") is refused, as in a message (PCI DSS 3.3.1): never kept, not even in the trail.
 */
export function reasonOf(input: ActionInput): string | undefined {
  const reason = input.optionalString('Reason');
  if (reason !== undefined) {
    const kind = sadKindInText(reason.slice(0, maxRecordedReasonChars));
    if (kind)
      throw invalid(
        `Reason holds sensitive authentication data (${kind}), which PCI DSS 3.3.1 forbids keeping, and reasons are kept in the audit trail: give a reason without it.`,
      );
  }
  return reason;
}

const withheldReason = '(withheld: it held sensitive authentication data)';

/** The reason for the audit record, written before it is checked: withheld when it holds SAD. */
export function reasonDetails(input: ActionInput): { reason?: string } {
  const reason = input.raw['Reason'];
  if (typeof reason !== 'string') return {};
  return { reason: sadKindInText(reason.slice(0, maxRecordedReasonChars)) ? withheldReason : reason };
}

/** The token an action names, for the audit record before authorization: its keyed reference, never itself. */
export function tokenDetails(input: ActionInput, context: ActionContext): Record<string, string | null> {
  const token = input.raw['Token'];
  const vault = context.app.vault;
  return {
    tokenRef: typeof token === 'string' && vault ? vault.tokenRefOf(context.caller.accountId, token) : null,
    ...reasonDetails(input),
  };
}
