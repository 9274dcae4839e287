/**
 * Error messages echo parts of requests (parameter values, attribute names, ids) because that helps
 * developers, and messages end up in logs. PCI DSS 3.3/3.4: a card number must never get there. Any run of
 * 13 or more digits (card numbers are 13–19, written with spaces or dashes as people do) is masked;
 * 12-digit account ids in ARNs stay readable.
 */
const digitRun = /\d(?:[ -]?\d){12,}/g;

export function maskDigitRuns(text: string): string {
  return text.replace(digitRun, '[digits removed]');
}
