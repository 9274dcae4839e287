import { invalidParameter } from '../../../core/index.ts';
import { sadKindInText } from '../../../guard/index.ts';
import type { RevealRequest } from '../../../queues/index.ts';
import { maxReasonLength } from '../../../vault/index.ts';
import type { ActionContext } from '../action.ts';

/**
 * A receive asks pciq to reveal card numbers in place of tokens through names in MessageAttributeNames,
 * which every SQS client can send: `pciq.Reveal.Plain`, `pciq.Reveal.Masked` (first six and last four) or
 * `pciq.Reveal.Redacted`, and optionally `pciq.RevealReason.<reason>` for the audit record. These names
 * are taken out of the list before message attributes are selected.
 */
const revealPrefix = 'pciq.reveal.';
const reasonPrefix = 'pciq.revealreason.';
const levels = { plain: 'plain', masked: 'masked', redacted: 'redacted' } as const;

export interface RevealOption {
  request: RevealRequest | undefined;
  /** MessageAttributeNames without the reveal names. */
  attributeNames: string[];
}

export function revealOptionOf(names: readonly string[], context: ActionContext): RevealOption {
  const attributeNames: string[] = [];
  let redaction: RevealRequest['redaction'] | undefined;
  let reason: string | undefined;
  for (const name of names) {
    const lower = name.toLowerCase();
    if (lower.startsWith(revealPrefix)) {
      const level = levels[lower.slice(revealPrefix.length) as keyof typeof levels];
      if (!level || (redaction !== undefined && redaction !== level)) {
        throw invalidParameter(
          'MessageAttributeNames may ask for one reveal level: pciq.Reveal.Plain, pciq.Reveal.Masked or pciq.Reveal.Redacted.',
        );
      }
      redaction = level;
    } else if (lower.startsWith(reasonPrefix)) {
      reason = name.slice(reasonPrefix.length);
      // Checked here, before anything is received, and answered as SQS answers a bad parameter: the vault's
      // own check would come once the messages are claimed, with a code SQS clients do not know.
      if (reason.length > maxReasonLength)
        throw invalidParameter(
          `The reason in pciq.RevealReason.<reason> may be at most ${maxReasonLength} characters.`,
        );
      // The reason is kept in the audit trail: SAD in it is refused, never kept (PCI DSS 3.3.1).
      if (sadKindInText(reason))
        throw invalidParameter(
          'The reason in pciq.RevealReason.<reason> holds sensitive authentication data, which PCI DSS 3.3.1 forbids keeping, and reasons are kept in the audit trail: give a reason without it.',
        );
    } else attributeNames.push(name);
  }
  if (redaction === undefined) return { request: undefined, attributeNames };
  const request: RevealRequest = { caller: context.caller, redaction };
  if (reason) request.reason = reason;
  return { request, attributeNames };
}
