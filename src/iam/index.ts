export {
  type AccessKeyCredentials,
  AccessKeyDirectory,
  accountOf,
  createAccessKey,
  generateAccessKey,
  sealedAccessKeysSource,
} from './access-keys.ts';
export { authorize } from './authorize.ts';
