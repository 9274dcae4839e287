import { PciqError } from '../core/index.ts';
import type { IamMfaDeviceRow } from '../storage/index.ts';
import { type Policy, parsePolicy } from './policy/index.ts';

/**
 * Containment that incident response and compliance put on a user or role, kept as reserved tags on the
 * identity (like a quarantined key's `pciq:quarantine` tag): a tag write changes the identity revision,
 * so every process and node applies it to the very next request, and the tag shows in GetUser/GetRole.
 * Only pciq sets or lifts them (`pciq incident release`, a reverted remediation): IAM's tag operations
 * refuse them, so a quarantined principal with iam:UntagUser cannot free itself.
 */

/** An incident id: everything the user or role does is denied (an explicit Deny beats any Allow). */
export const quarantineTagKey = 'pciq:quarantine';
/** When MFA enrolment was required: until a device is enabled, only enrolling one is allowed. */
export const mfaRequiredTagKey = 'pciq:mfa-required';

const reservedTagKeys = [quarantineTagKey, mfaRequiredTagKey];

export function checkNotReserved(keys: readonly string[]): void {
  for (const key of keys) {
    if (reservedTagKeys.includes(key.toLowerCase())) {
      throw new PciqError(
        'InvalidInput',
        `The tag key '${key}' is reserved for pciq's incident response and compliance; pciq incident release or pciq compliance revert lifts it.`,
      );
    }
  }
}

/** What a person needs to enrol and use MFA, as AWS's "force MFA" example policy leaves them. */
export const mfaEnrolmentActions = [
  'iam:CreateVirtualMFADevice',
  'iam:EnableMFADevice',
  'iam:ListMFADevices',
  'iam:ListVirtualMFADevices',
  'iam:ResyncMFADevice',
  'iam:GetUser',
  'iam:ChangePassword',
  'sts:GetSessionToken',
];

function containmentPolicy(id: string, statement: Record<string, unknown>): Policy {
  return parsePolicy({ Version: '2012-10-17', Statement: [statement] }, 'identity', id);
}

/** The explicit denies a principal's tags and MFA devices call for, as identity policies named after their cause. */
export function containmentPolicies(
  principalArn: string,
  tags: Record<string, string>,
  devices: readonly Pick<IamMfaDeviceRow, 'ownerArn' | 'enabledAtMs'>[],
): Policy[] {
  const policies: Policy[] = [];
  const incident = tags[quarantineTagKey];
  if (incident !== undefined) {
    policies.push(
      containmentPolicy(`pciq-quarantine/${incident}`, {
        Sid: 'IncidentQuarantine',
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
      }),
    );
  }
  const hasMfa = devices.some((device) => device.ownerArn === principalArn && device.enabledAtMs !== null);
  if (tags[mfaRequiredTagKey] !== undefined && !hasMfa) {
    policies.push(
      containmentPolicy('pciq-mfa-required', {
        Sid: 'EnrolMfaFirst',
        Effect: 'Deny',
        NotAction: mfaEnrolmentActions,
        Resource: '*',
      }),
    );
  }
  return policies;
}
