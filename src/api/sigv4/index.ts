export type { SecretLookup, SignedRequest, VerifiedCaller, VerifyOptions } from './verify.ts';
export { verifySigV4 } from './verify.ts';
