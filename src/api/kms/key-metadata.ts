import type { KeyDescription } from '../../keys/index.ts';
import { date } from './input.ts';

/** KeyMetadata as AWS KMS returns it for a symmetric encryption key. */
export function keyMetadata(key: KeyDescription): Record<string, unknown> {
  const metadata: Record<string, unknown> = {
    AWSAccountId: key.accountId,
    KeyId: key.keyId,
    Arn: key.arn,
    CreationDate: date(key.createdAtMs),
    Enabled: key.state === 'Enabled',
    Description: key.description,
    KeyUsage: 'ENCRYPT_DECRYPT',
    KeyState: key.state,
    Origin: 'AWS_KMS',
    KeyManager: key.keyManager,
    CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
    KeySpec: 'SYMMETRIC_DEFAULT',
    EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
    MultiRegion: false,
    CurrentKeyMaterialId: key.currentMaterialId,
  };
  if (key.deletionAtMs !== null) metadata['DeletionDate'] = date(key.deletionAtMs);
  if (key.pendingWindowDays !== null) metadata['PendingDeletionWindowInDays'] = key.pendingWindowDays;
  return metadata;
}
