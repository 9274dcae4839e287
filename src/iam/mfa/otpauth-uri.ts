import { invalidParameter } from '../../core/index.ts';
import { encodeBase32 } from './base32.ts';

export interface OtpauthAccount {
  /** Shown as the account's provider in the app, e.g. `pciq` or the deployment's name. */
  issuer: string;
  /** Shown under it, e.g. `alice@123456789012`. */
  accountName: string;
  secret: Uint8Array;
}

/**
 * The Key URI format authenticator apps read from a QR code: `otpauth://totp/ISSUER:ACCOUNT?secret=…&issuer=…`,
 * with the defaults (SHA1, 6 digits, 30 s) left implicit because some apps misread them when spelled out.
 * The result contains the secret: show it to the person enrolling, never log or store it.
 */
export function otpauthUri({ issuer, accountName, secret }: OtpauthAccount): string {
  for (const [name, value] of [
    ['issuer', issuer],
    ['account name', accountName],
  ] as const) {
    // The colon separates issuer from account in the label; apps would split at the wrong place.
    if (value.length === 0 || value.includes(':')) {
      throw invalidParameter(`The MFA ${name} must be non-empty and must not contain ':'.`);
    }
  }
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(accountName)}`;
  return `otpauth://totp/${label}?secret=${encodeBase32(secret)}&issuer=${encodeURIComponent(issuer)}`;
}
