/**
 * Primary account numbers as pciq handles them: 13 to 19 digits (ISO/IEC 7812) with a Luhn check digit.
 * Functions here take digit strings that callers have already stripped of spaces and dashes.
 */
export const minPanDigits = 13;
export const maxPanDigits = 19;

/** The Luhn (mod 10) check over a string of digits. */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** The digits of a PAN written with spaces or dashes, or undefined when it is not 13–19 digits passing Luhn. */
export function normalizePan(text: string): string | undefined {
  const digits = text.replace(/[ -]/g, '');
  if (!/^\d{13,19}$/.test(digits) || !passesLuhn(digits)) return undefined;
  return digits;
}

/**
 * A PAN as pciq shows it to people: the first six and last four digits at most, the rest as `*`
 * (PCI DSS 3.4.1). Used for display only; it is not a token and cannot be detokenized.
 */
export function maskPan(digits: string): string {
  if (digits.length < minPanDigits) return '*'.repeat(digits.length);
  return `${digits.slice(0, 6)}${'*'.repeat(digits.length - 10)}${digits.slice(-4)}`;
}
