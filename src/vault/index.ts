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
export { type DetokenizeResult, type Redaction, redactedValue, redactions } from './redaction.ts';
export { sealedTokensSource } from './sealed-tokens.ts';
export { isTokenFormat, isTokenShaped, opaqueTokenLength, type TokenFormat, tokenFormats } from './token-format.ts';
export type { SealedAhead, TokenizeResult } from './token-issuer.ts';
export { maxTokenizeBatch, TokenVault, type TokenVaultOptions } from './token-vault.ts';
export { vaultArn } from './vault-arn.ts';
export { maxReasonLength, type TokenizeOptions } from './vault-input.ts';
