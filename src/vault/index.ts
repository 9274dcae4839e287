export {
  asEvent,
  type Recording,
  type VaultAuditEvent,
  type VaultAuditSink,
  type VaultDetails,
  type VaultEventType,
} from './audit-events.ts';
export { brandOf, knownBrandRanges } from './card-brands.ts';
export { maskPan, maxPanDigits, minPanDigits, normalizePan, passesLuhn } from './pan.ts';
export { defaultDetokenizeLimit, type RateLimit } from './rate-limit.ts';
export { sealedTokensSource } from './sealed-tokens.ts';
export { isTokenFormat, isTokenShaped, opaqueTokenLength, type TokenFormat, tokenFormats } from './token-format.ts';
export {
  type DetokenizeResult,
  type Redaction,
  redactedValue,
  redactions,
  type TokenizeOptions,
  type TokenizeResult,
  TokenVault,
  type TokenVaultOptions,
} from './token-vault.ts';
export { vaultArn } from './vault-arn.ts';
