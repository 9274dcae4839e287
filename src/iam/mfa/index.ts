/**
 * Multi-factor authentication for people (PCI DSS 8.4, 8.5.1), pure: the caller seals secrets at rest,
 * stores the per-device `lastUsedStep` and recovery-code records, and audits each outcome.
 *
 * - `generateTotpSecret()` → 20 random bytes; `otpauthUri({ issuer, accountName, secret })` for enrolment;
 *   `renderQrCode(uri, { invert })` draws it in a terminal, `qrCodePng(uri)` as an image (IAM's QRCodePNG),
 *   `encodeQrCode` for the module matrix.
 * - `verifyTwoConsecutiveCodes(secret, code1, code2, nowMs)` → `{ step }` for EnableMFADevice, else throws
 *   `InvalidAuthenticationCode`.
 * - `verifyTotp(secret, code, nowMs, lastUsedStep)` → `{ outcome: 'ok', step }` (persist `step`) |
 *   `{ outcome: 'replayed' }` | `{ outcome: 'invalid' }`; ±1 step of drift, nothing at or before
 *   `lastUsedStep`.
 * - `generateRecoveryCodes()` → `{ codes (show once), stored (persist) }`;
 *   `redeemRecoveryCode(stored, code, nowMs)` → `{ outcome, stored (persist), remaining }`.
 * - `encodeBase32` / `decodeBase32` (RFC 4648), `hotp`, `totpCode`, `totpStep`.
 */
export { decodeBase32, encodeBase32 } from './base32.ts';
export { type OtpauthAccount, otpauthUri } from './otpauth-uri.ts';
export { encodeQrCode, type QrCode, type QrOptions } from './qr-code.ts';
export { type MaskPenalty, maskPenaltyParts, type QrMatrix } from './qr-mask.ts';
export { qrCodePng } from './qr-png.ts';
export { type QrRenderOptions, renderQrCode } from './qr-terminal.ts';
export {
  generateRecoveryCodes,
  type NewRecoveryCodes,
  type RecoveryCodeRedemption,
  recoveryCodeCount,
  redeemRecoveryCode,
  type StoredRecoveryCode,
} from './recovery-codes.ts';
export {
  generateTotpSecret,
  type HotpAlgorithm,
  hotp,
  type TotpVerification,
  totpCode,
  totpDigits,
  totpSecretBytes,
  totpStep,
  totpStepSec,
  verifyTotp,
  verifyTwoConsecutiveCodes,
} from './totp.ts';
