/** Longest name of a field, element or attribute the guard judges: longer ones name no SAD it knows. */
export const maxNameLength = 64;

/**
 * Characters of names as payloads write them: letters, digits, `_`, `.` and `-`. Form bodies add brackets
 * (`card[cvc]`), markup a namespace colon (`ns:cvv`); each caller adds its own.
 */
export function isNameCharCode(code: number): boolean {
  return (
    (code >= 97 && code <= 122) ||
    (code >= 65 && code <= 90) ||
    (code >= 48 && code <= 57) ||
    code === 95 ||
    code === 46 ||
    code === 45
  );
}
