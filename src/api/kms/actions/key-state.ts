import type { ApiAction } from '../../service.ts';
import { date, keyIdOf, keyResource } from '../input.ts';

export const enableKeyAction: ApiAction = {
  name: 'EnableKey',
  resource: keyResource,
  async run(input, { app, caller }) {
    await app.keys.admin.enableKey(caller.accountId, keyIdOf(input));
    return undefined;
  },
};

export const disableKeyAction: ApiAction = {
  name: 'DisableKey',
  resource: keyResource,
  async run(input, { app, caller }) {
    await app.keys.admin.disableKey(caller.accountId, keyIdOf(input));
    return undefined;
  },
};

export const scheduleKeyDeletionAction: ApiAction = {
  name: 'ScheduleKeyDeletion',
  resource: keyResource,
  async run(input, { app, caller }) {
    const key = await app.keys.admin.scheduleKeyDeletion(
      caller.accountId,
      keyIdOf(input),
      input.optionalInteger('PendingWindowInDays') ?? 30,
    );
    return {
      KeyId: key.arn,
      DeletionDate: date(key.deletionAtMs!),
      KeyState: key.state,
      PendingWindowInDays: key.pendingWindowDays,
    };
  },
};

export const cancelKeyDeletionAction: ApiAction = {
  name: 'CancelKeyDeletion',
  resource: keyResource,
  async run(input, { app, caller }) {
    const key = await app.keys.admin.cancelKeyDeletion(caller.accountId, keyIdOf(input));
    return { KeyId: key.arn };
  },
};
