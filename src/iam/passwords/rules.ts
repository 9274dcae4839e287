import { randomInt } from 'node:crypto';
import { PciqError } from '../../core/index.ts';
import { maximumPasswordLength, type PasswordPolicy } from './policy.ts';

/** One broken rule; `message` names the rule and never quotes the password. */
export interface PasswordRuleViolation {
  rule:
    | 'minimum-length'
    | 'maximum-length'
    | 'letter'
    | 'digit'
    | 'uppercase'
    | 'lowercase'
    | 'symbol'
    | 'user-name'
    | 'history';
  message: string;
}

/** Shorter user names would forbid common letter pairs without making passwords harder to guess. */
const shortestCheckedUserName = 3;

/**
 * Every rule `password` breaks, in the order people fix them. Length counts characters (code points) after
 * NFKC normalisation, as the hash sees them. History (8.3.7) needs the stored hashes: see `changePassword`.
 */
export function passwordRuleViolations(
  password: string,
  userName: string,
  policy: PasswordPolicy,
): PasswordRuleViolation[] {
  const normalized = password.normalize('NFKC');
  const length = [...normalized].length;
  const violations: PasswordRuleViolation[] = [];
  const add = (rule: PasswordRuleViolation['rule'], message: string) => violations.push({ rule, message });
  if (length < policy.minimumLength) {
    add('minimum-length', `The password must be at least ${policy.minimumLength} characters long (PCI DSS 8.3.6).`);
  }
  if (length > maximumPasswordLength) {
    add('maximum-length', `The password must be at most ${maximumPasswordLength} characters long.`);
  }
  if (!/\p{L}/u.test(normalized)) add('letter', 'The password must contain at least one letter (PCI DSS 8.3.6).');
  if (!/\p{Nd}/u.test(normalized)) add('digit', 'The password must contain at least one digit (PCI DSS 8.3.6).');
  if (policy.requireUppercase && !/\p{Lu}/u.test(normalized)) {
    add('uppercase', 'The password must contain at least one uppercase letter (account password policy).');
  }
  if (policy.requireLowercase && !/\p{Ll}/u.test(normalized)) {
    add('lowercase', 'The password must contain at least one lowercase letter (account password policy).');
  }
  if (policy.requireSymbols && !/[^\p{L}\p{N}\s]/u.test(normalized)) {
    add('symbol', 'The password must contain at least one symbol (account password policy).');
  }
  const name = userName.normalize('NFKC').toLowerCase();
  if (name.length >= shortestCheckedUserName && normalized.toLowerCase().includes(name)) {
    add('user-name', 'The password must not contain the user name.');
  }
  return violations;
}

export function passwordPolicyViolation(violations: readonly PasswordRuleViolation[]): PciqError {
  return new PciqError('PasswordPolicyViolation', violations.map((v) => v.message).join(' '));
}

/** Throws `PasswordPolicyViolation` naming every rule `password` breaks. */
export function assertPasswordFollowsRules(password: string, userName: string, policy: PasswordPolicy): void {
  const violations = passwordRuleViolations(password, userName, policy);
  if (violations.length > 0) throw passwordPolicyViolation(violations);
}

/** No look-alikes (0/O, 1/l/I), so a temporary password read out or copied by hand survives. */
const temporaryAlphabet = {
  upper: 'ABCDEFGHJKLMNPQRSTUVWXYZ',
  lower: 'abcdefghijkmnopqrstuvwxyz',
  digit: '23456789',
  symbol: '!#%+-=?@^_',
};

/**
 * A random first-use or reset password (8.3.5: unique per user and per reset) that follows `policy`: at
 * least 16 characters from ~66 symbols, about 96 bits, with every character class present.
 */
export function generateTemporaryPassword(userName: string, policy: PasswordPolicy): string {
  const length = Math.max(16, policy.minimumLength);
  const classes = Object.values(temporaryAlphabet);
  const all = classes.join('');
  for (;;) {
    const chars = classes.map((set) => set[randomInt(set.length)]!);
    while (chars.length < length) chars.push(all[randomInt(all.length)]!);
    for (let i = chars.length - 1; i > 0; i--) {
      const j = randomInt(i + 1);
      [chars[i], chars[j]] = [chars[j]!, chars[i]!];
    }
    const password = chars.join('');
    // Only the user-name rule can fail, and rarely (a short name appearing by chance): draw again.
    if (passwordRuleViolations(password, userName, policy).length === 0) return password;
  }
}
