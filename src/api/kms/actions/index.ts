import type { ErrorCode } from '../../../core/index.ts';
import { refusingCardData } from '../../card-data-parameters.ts';
import type { ApiAction } from '../../service.ts';
import { createAliasAction, deleteAliasAction, listAliasesAction, updateAliasAction } from './aliases.ts';
import {
  decryptAction,
  encryptAction,
  generateDataKeyAction,
  generateDataKeyWithoutPlaintextAction,
  reEncryptAction,
} from './data.ts';
import { cancelKeyDeletionAction, disableKeyAction, enableKeyAction, scheduleKeyDeletionAction } from './key-state.ts';
import {
  createKeyAction,
  describeKeyAction,
  getKeyPolicyAction,
  listKeysAction,
  updateKeyDescriptionAction,
} from './keys.ts';
import {
  disableKeyRotationAction,
  enableKeyRotationAction,
  getKeyRotationStatusAction,
  listKeyRotationsAction,
  rotateKeyOnDemandAction,
} from './rotation.ts';
import { listResourceTagsAction, tagResourceAction, untagResourceAction } from './tags.ts';

/**
 * A key's description, aliases, tags and policy are kept and listed as written: card data there is refused.
 * Plaintext and encryption contexts are not among them: card data is what KMS encrypts.
 */
const managementParameters = new Set(['Description', 'AliasName', 'Tags', 'Policy']);

function cardDataCodeOf(parameter: string): ErrorCode | undefined {
  return managementParameters.has(parameter) ? 'ValidationException' : undefined;
}

/** The AWS KMS actions pciq serves (API version 2014-11-01), by name. */
export const kmsActions: ReadonlyMap<string, ApiAction> = new Map(
  [
    ...[createAliasAction, createKeyAction, tagResourceAction, updateAliasAction, updateKeyDescriptionAction].map(
      (action) => refusingCardData(action, cardDataCodeOf),
    ),
    cancelKeyDeletionAction,
    decryptAction,
    deleteAliasAction,
    describeKeyAction,
    disableKeyAction,
    disableKeyRotationAction,
    enableKeyAction,
    enableKeyRotationAction,
    encryptAction,
    generateDataKeyAction,
    generateDataKeyWithoutPlaintextAction,
    getKeyPolicyAction,
    getKeyRotationStatusAction,
    listAliasesAction,
    listKeyRotationsAction,
    listKeysAction,
    listResourceTagsAction,
    reEncryptAction,
    rotateKeyOnDemandAction,
    scheduleKeyDeletionAction,
    untagResourceAction,
  ].map((action) => [action.name, action]),
);
