import { jsonServiceProtocol } from '../json-service-protocol.ts';
import type { WireProtocol } from '../wire.ts';

/** AWS KMS speaks AWS JSON 1.1 with bare error names in `__type`; its internal error has a name of its own. */
export const kmsProtocol: WireProtocol = jsonServiceProtocol('TrentService.', {
  InternalFailure: 'KMSInternalException',
});
