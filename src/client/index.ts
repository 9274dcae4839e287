export { type ClientSettings, ClientSettingsError, resolveClientSettings } from './aws-settings.ts';
export { type Credentials, type RequestToSign, SigV4Signer } from './sigv4-signer.ts';
export {
  type DetokenizeOutput,
  type TokenizeBatchInput,
  type TokenizeInput,
  type TokenizeOutput,
  VaultClient,
  type VaultClientOptions,
  VaultServiceError,
} from './vault-client.ts';
