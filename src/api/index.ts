export { type ApiHandlerOptions, ApiServer } from './server.ts';
export { tls12Ciphers, tlsServerOptions } from './tls.ts';
