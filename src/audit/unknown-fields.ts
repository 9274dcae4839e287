/**
 * The fields of a configuration object that are not among `known`. Configuration is refused for them rather
 * than read without them: a misspelt setting would silently keep its default, and a misspelt review rule
 * field or alert destination would turn off the review or the alert it was meant to set (PCI DSS 10.4.1.1).
 */
export function unknownFields(raw: Record<string, unknown>, known: readonly string[]): string[] {
  return Object.keys(raw).filter((key) => !known.includes(key));
}
