export { type ApiHandlerOptions, ApiServer } from './server.ts';
export { type TlsMaterial, tls12Ciphers, tlsServerOptions } from './tls.ts';
