import { invalidParameter } from '../../core/index.ts';

const minuteMs = 60_000;
const dayMs = 24 * 60 * minuteMs;

/**
 * The account's rules for people's passwords and sign-in. Every field has PCI DSS v4.0.1's requirement as
 * its default and as its floor: an account may be stricter, never weaker. Letters and digits are always
 * required (8.3.6) and a password may never contain the user name, so neither is a setting.
 */
export interface PasswordPolicy {
  /** 8.3.6: at least 12 characters. */
  minimumLength: number;
  /** Beyond PCI DSS, as AWS IAM's account password policy offers them. */
  requireUppercase: boolean;
  requireLowercase: boolean;
  requireSymbols: boolean;
  /** 8.3.7: a new password differs from this many most recent ones, the current one included (≥ 4). */
  passwordReuseHistory: number;
  /** 8.3.4: the attempt that makes this many consecutive failures locks the account (≤ 10). */
  maxFailedAttempts: number;
  /** 8.3.4: how long a lockout lasts (≥ 30 minutes) unless an administrator unlocks after confirming identity. */
  lockoutDurationMs: number;
  /** 8.2.8: a session idle this long must authenticate again (≤ 15 minutes). */
  idleSessionTimeoutMs: number;
  /** 8.2.6: an account without sign-in for this long is disabled (≤ 90 days). */
  inactiveAccountDisableMs: number;
  /**
   * 8.3.9 lets MFA replace periodic changes, and pciq requires MFA for every person, so no maximum age by
   * default; when set, a password older than this must be changed at the next sign-in.
   */
  maxPasswordAgeMs: number | null;
}

/** Longest password accepted (AWS IAM's limit): bounds the work a single sign-in request can cause. */
export const maximumPasswordLength = 128;

export const pciDssPasswordPolicy: Readonly<PasswordPolicy> = Object.freeze({
  minimumLength: 12,
  requireUppercase: false,
  requireLowercase: false,
  requireSymbols: false,
  passwordReuseHistory: 4,
  maxFailedAttempts: 10,
  lockoutDurationMs: 30 * minuteMs,
  idleSessionTimeoutMs: 15 * minuteMs,
  inactiveAccountDisableMs: 90 * dayMs,
  maxPasswordAgeMs: null,
});

interface NumericLimit {
  field: keyof PasswordPolicy;
  min: number;
  max: number;
  /** How the limit reads in an error message. */
  rule: string;
}

const limits: NumericLimit[] = [
  {
    field: 'minimumLength',
    min: 12,
    max: maximumPasswordLength,
    rule: `from 12 (PCI DSS 8.3.6) to ${maximumPasswordLength} characters`,
  },
  { field: 'passwordReuseHistory', min: 4, max: 24, rule: 'from 4 (PCI DSS 8.3.7) to 24 passwords' },
  { field: 'maxFailedAttempts', min: 1, max: 10, rule: 'from 1 to 10 attempts (PCI DSS 8.3.4)' },
  {
    field: 'lockoutDurationMs',
    min: 30 * minuteMs,
    max: 365 * dayMs,
    rule: 'at least 30 minutes (PCI DSS 8.3.4) in milliseconds',
  },
  {
    field: 'idleSessionTimeoutMs',
    min: minuteMs,
    max: 15 * minuteMs,
    rule: 'from 1 to 15 minutes (PCI DSS 8.2.8) in milliseconds',
  },
  {
    field: 'inactiveAccountDisableMs',
    min: dayMs,
    max: 90 * dayMs,
    rule: 'from 1 to 90 days (PCI DSS 8.2.6) in milliseconds',
  },
  { field: 'maxPasswordAgeMs', min: dayMs, max: 1095 * dayMs, rule: 'from 1 to 1095 days in milliseconds, or null' },
];

/**
 * The PCI DSS defaults with `overrides` applied, refused if any override is weaker than PCI DSS allows, so
 * no configuration (file, AWS UpdateAccountPasswordPolicy) can take pciq below the standard.
 */
export function passwordPolicy(overrides: Partial<PasswordPolicy> = {}): PasswordPolicy {
  const policy: PasswordPolicy = { ...pciDssPasswordPolicy, ...overrides };
  for (const { field, min, max, rule } of limits) {
    const value = policy[field];
    if (field === 'maxPasswordAgeMs' && value === null) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw invalidParameter(`Password policy ${field} must be ${rule}; ${String(value)} is not allowed.`);
    }
  }
  for (const field of ['requireUppercase', 'requireLowercase', 'requireSymbols'] as const) {
    if (typeof policy[field] !== 'boolean') throw invalidParameter(`Password policy ${field} must be true or false.`);
  }
  return policy;
}
