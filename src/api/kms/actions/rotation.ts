import type { ApiAction } from '../../service.ts';
import { date, keyIdOf, keyResource, pageOf } from '../input.ts';

export const enableKeyRotationAction: ApiAction = {
  name: 'EnableKeyRotation',
  resource: keyResource,
  async run(input, { app, caller }) {
    const period = input.optionalInteger('RotationPeriodInDays');
    await app.keys.admin.enableKeyRotation(caller.accountId, keyIdOf(input), ...(period !== undefined ? [period] : []));
    return undefined;
  },
};

export const disableKeyRotationAction: ApiAction = {
  name: 'DisableKeyRotation',
  resource: keyResource,
  async run(input, { app, caller }) {
    await app.keys.admin.disableKeyRotation(caller.accountId, keyIdOf(input));
    return undefined;
  },
};

export const getKeyRotationStatusAction: ApiAction = {
  name: 'GetKeyRotationStatus',
  resource: keyResource,
  async run(input, { app, caller }) {
    const key = await app.keys.admin.resolve(caller.accountId, keyIdOf(input));
    // A key pending deletion is not rotated and reports rotation off (AWS KMS).
    const enabled = key.rotationPeriodDays !== null && key.state !== 'PendingDeletion';
    return {
      KeyRotationEnabled: enabled,
      KeyId: key.arn,
      ...(enabled
        ? { RotationPeriodInDays: key.rotationPeriodDays, NextRotationDate: date(key.nextRotationAtMs!) }
        : {}),
    };
  },
};

export const rotateKeyOnDemandAction: ApiAction = {
  name: 'RotateKeyOnDemand',
  resource: keyResource,
  async run(input, { app, caller }) {
    const key = await app.keys.admin.rotateKey(caller.accountId, keyIdOf(input));
    return { KeyId: key.keyId };
  },
};

export const listKeyRotationsAction: ApiAction = {
  name: 'ListKeyRotations',
  resource: keyResource,
  async run(input, { app, caller }) {
    const key = await app.keys.admin.resolve(caller.accountId, keyIdOf(input));
    const rotations = key.versions.filter((version) => version.rotationType !== 'INITIAL');
    const { page, out } = pageOf(input, rotations, (version) => String(version.version));
    return {
      Rotations: page.map((version) => ({
        KeyId: key.keyId,
        KeyMaterialId: version.materialId,
        KeyMaterialState: version.version === key.currentVersion ? 'CURRENT' : 'NON_CURRENT',
        RotationDate: date(version.createdAtMs),
        RotationType: version.rotationType,
      })),
      ...out,
    };
  },
};
