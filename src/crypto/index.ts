export { Keyring, SealIntegrityError } from './keyring.ts';
export { createMasterKeyFile, isInside, KeyFileError, masterKeyBytes, readMasterKeyFile } from './master-key.ts';
