/**
 * An address as people and policies write it: a dual-stack socket reports IPv4 clients as `::ffff:a.b.c.d`,
 * which audit searches, review rules and `aws:SourceIp` conditions name as the IPv4 address.
 */
export function unmappedIpv4(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address;
}
