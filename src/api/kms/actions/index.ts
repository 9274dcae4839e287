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

/** The AWS KMS actions pciq serves (API version 2014-11-01), by name. */
export const kmsActions: ReadonlyMap<string, ApiAction> = new Map(
  [
    cancelKeyDeletionAction,
    createAliasAction,
    createKeyAction,
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
    tagResourceAction,
    untagResourceAction,
    updateAliasAction,
    updateKeyDescriptionAction,
  ].map((action) => [action.name, action]),
);
