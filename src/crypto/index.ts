export { aeadOpen, aeadSeal, SealIntegrityError } from './aead.ts';
export {
  bytesToUuid,
  type EnvelopeHeader,
  headerBytes,
  keyPrefixBytes,
  readHeader,
  readKeyPrefix,
  uuidToBytes,
} from './envelope.ts';
export {
  decodeKeyFile,
  defaultScryptCost,
  encodeKeyFile,
  isInside,
  KeyFileError,
  readKeyFile,
  readPassphraseFile,
  writeKeyFile,
} from './key-file.ts';
export { type DataKey, KeyMaterial, maxSealsPerDataKey, type SealPolicy } from './key-material.ts';
export * from './providers/index.ts';
export { internalKeyLabel, RootKey, versionLabel } from './root-key.ts';
export { minItemsForWorker, type SealItem, sealingPool, warnSealingAheadFailed } from './sealing-pool.ts';
export { SystemKeyring } from './system-keyring.ts';
