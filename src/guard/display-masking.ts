import { maskPan } from '../vault/index.ts';
import { findPans } from './pan-scanner.ts';

/**
 * Text meant for people (log lines, CLI output) with every card number in it shown as its first six and
 * last four digits at most (PCI DSS 3.4.1). Where a PAN should never have been, this is the last line of
 * defence, not a licence: the guard keeps card numbers out of messages, and errors never quote values.
 */
export function maskCardNumbers(text: string): string {
  const pans = findPans(text);
  if (pans.length === 0) return text;
  let out = '';
  let at = 0;
  for (const pan of pans) {
    out += text.slice(at, pan.start) + maskPan(pan.digits);
    at = pan.end;
  }
  return out + text.slice(at);
}
