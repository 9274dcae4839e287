export type { DevelopmentTlsMaterial, DevelopmentTlsOptions } from './certificates.ts';
export { createDevelopmentTls } from './certificates.ts';
