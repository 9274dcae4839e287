export { AwsKmsKeyProvider } from './aws-kms.ts';
export { EnvKeyProvider, masterKeyVariable } from './env.ts';
export { LocalKeyProvider } from './local.ts';
export { type KeyProvider, type RootKeyRecord, RootKeyUnavailableError } from './provider.ts';
