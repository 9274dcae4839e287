/**
 * OpenSSL's verdicts for a certificate chain that does not lead to a CA the client trusts: the error codes
 * Node gives a TLS connection whose peer's certificate is unknown to it. A client says "trust its CA" for
 * these, not "is the server running?".
 */
const untrustedChainCodes = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

export function isUntrustedChain(code: string | undefined): boolean {
  return code !== undefined && untrustedChainCodes.has(code);
}
