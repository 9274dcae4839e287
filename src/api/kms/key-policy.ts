import type { KeyDescription } from '../../keys/index.ts';

/** The policy AWS KMS gives a customer key created without one: the account's IAM policies decide. */
function defaultKeyPolicy(key: KeyDescription): object {
  return {
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${key.accountId}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  };
}

/**
 * An AWS managed key's fixed policy, as AWS KMS shows it: its cryptographic use only through its service
 * (kms:ViaService), which is what pciq enforces (a direct Encrypt or Decrypt is refused), and the key's
 * metadata readable by the account.
 */
function managedKeyPolicy(key: KeyDescription, region: string): object {
  const service = key.aliases.find((alias) => alias.startsWith('alias/aws/'))?.slice('alias/aws/'.length) ?? 'kms';
  return {
    Version: '2012-10-17',
    Id: `auto-${service}`,
    Statement: [
      {
        Sid: `Allow access through ${service} for all principals in the account that are authorized to use ${service}`,
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
        Resource: '*',
        Condition: {
          StringEquals: { 'kms:CallerAccount': key.accountId, 'kms:ViaService': `${service}.${region}.amazonaws.com` },
        },
      },
      {
        Sid: 'Allow direct access to key metadata to the account',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${key.accountId}:root` },
        Action: ['kms:Describe*', 'kms:Get*', 'kms:List*'],
        Resource: '*',
      },
    ],
  };
}

/** The key policy GetKeyPolicy answers with: the one given at creation, else the policy AWS KMS would show. */
export function keyPolicyOf(key: KeyDescription, region: string): string {
  if (key.policy) return key.policy;
  return JSON.stringify(key.keyManager === 'AWS' ? managedKeyPolicy(key, region) : defaultKeyPolicy(key));
}
