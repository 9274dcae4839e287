/**
 * Fields a queue declares are never card numbers (order ids, invoice numbers that happen to pass Luhn):
 * `order.id` names one path, `*.sku` any `sku` one level down, a bare name (`reference`) that name at any
 * depth, and message attributes by their name. Sensitive authentication data is refused in them all the
 * same: this list is for false positives of the card-number search only.
 */
export class AllowedFields {
  private readonly names = new Set<string>();
  private readonly paths: string[][] = [];

  constructor(patterns: readonly string[]) {
    for (const pattern of patterns) {
      if (!pattern.includes('.')) this.names.add(pattern);
      else this.paths.push(pattern.split('.'));
    }
  }

  get isEmpty(): boolean {
    return this.names.size === 0 && this.paths.length === 0;
  }

  allows(path: readonly string[]): boolean {
    if (path.length === 0) return false;
    if (this.names.has(path[path.length - 1]!)) return true;
    return this.paths.some(
      (pattern) =>
        pattern.length === path.length && pattern.every((part, index) => part === '*' || part === path[index]),
    );
  }
}
