export {
  type AccessKeyCredentials,
  AccessKeyDirectory,
  accountOf,
  createAccessKey,
  generateAccessKey,
} from './access-keys.ts';
export { authorize } from './authorize.ts';
