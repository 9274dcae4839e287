import { pciDssPasswordPolicy } from '../../iam/index.ts';
import { type ResourceProvider, singletonArn } from '../resource.ts';

const minuteMs = 60_000;

/**
 * The rules for people's passwords and sign-in in force (PCI DSS 8.3.4 lockout, 8.3.6 length and
 * composition, 8.3.7 history, 8.2.8 idle sessions, 8.2.6 inactive accounts). pciq refuses weaker settings,
 * so this mostly stands as evidence; a build or configuration that weakened them would fail here.
 */
export const passwordPolicyProvider: ResourceProvider = {
  type: 'password-policy',
  description: "People's password and sign-in rules: length, history, lockout, idle timeout, inactivity",
  async list(context) {
    const policy = pciDssPasswordPolicy;
    return [
      {
        id: singletonArn(context, 'password-policy'),
        type: 'password-policy',
        name: 'password-policy',
        data: {
          minimumLength: policy.minimumLength,
          requiresLettersAndDigits: true,
          passwordReuseHistory: policy.passwordReuseHistory,
          maxFailedAttempts: policy.maxFailedAttempts,
          lockoutDurationMinutes: policy.lockoutDurationMs / minuteMs,
          idleSessionTimeoutMinutes: policy.idleSessionTimeoutMs / minuteMs,
          inactiveAccountDisableDays: policy.inactiveAccountDisableMs / (1440 * minuteMs),
        },
      },
    ];
  },
};
