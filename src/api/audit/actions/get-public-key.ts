import { type AuditAction, auditServiceOf, trailResource } from '../action.ts';

/** GetPublicKey: the checkpoint signing key (PEM) and its fingerprint, for verifiers to pin. */
export const getPublicKeyAction: AuditAction = {
  name: 'GetPublicKey',
  resource: trailResource,
  async run(_input, context) {
    const { keyId, pem } = auditServiceOf(context).publicKey();
    return { KeyId: keyId, PublicKeyPem: pem };
  },
};
