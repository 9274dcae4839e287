import { PciqError } from '../../../core/index.ts';
import { parsePrincipalArn, qrCodePng } from '../../../iam/index.ts';
import type { ActionInput } from '../../action-input.ts';
import { isoTime, optionalBoolean } from '../../aws-query/input.ts';
import type { ActionContext, ApiAction } from '../../service.ts';
import { accountOf, collectionResource, userNameOf, userResource } from '../resources.ts';
import { loginProfileShape, mfaDeviceShape, page } from '../shapes.ts';

/** Access keys, virtual MFA devices, login profiles and passwords. */

const mfaResource = (input: ActionInput, context: ActionContext) =>
  `arn:aws:iam::${accountOf(context)}:mfa${input.optionalString('Path') ?? '/'}${input.string('VirtualMFADeviceName')}`;

function statusOf(input: ActionInput): 'Active' | 'Inactive' {
  return input.string('Status') as 'Active' | 'Inactive';
}

export const accessKeyActions: ApiAction[] = [
  {
    name: 'CreateAccessKey',
    resource: userResource(),
    async run(input, context) {
      const key = await context.app.iam.createAccessKey(accountOf(context), userNameOf(input, context));
      return {
        AccessKey: {
          UserName: key.userName,
          AccessKeyId: key.accessKeyId,
          Status: key.status,
          SecretAccessKey: key.secretAccessKey,
          CreateDate: isoTime(key.createdAtMs),
        },
      };
    },
  },
  {
    name: 'ListAccessKeys',
    resource: userResource(),
    async run(input, context) {
      const keys = await context.app.iam.listAccessKeys(accountOf(context), userNameOf(input, context));
      return page(
        'AccessKeyMetadata',
        keys.map((key) => ({
          UserName: key.userName,
          AccessKeyId: key.accessKeyId,
          Status: key.status,
          CreateDate: isoTime(key.createdAtMs),
        })),
      );
    },
  },
  {
    name: 'UpdateAccessKey',
    resource: userResource(),
    async run(input, context) {
      await context.app.iam.updateAccessKey(accountOf(context), {
        userName: userNameOf(input, context),
        accessKeyId: input.string('AccessKeyId'),
        status: statusOf(input),
      });
      return undefined;
    },
  },
  {
    name: 'DeleteAccessKey',
    resource: userResource(),
    async run(input, context) {
      await context.app.iam.deleteAccessKey(accountOf(context), {
        userName: userNameOf(input, context),
        accessKeyId: input.string('AccessKeyId'),
      });
      return undefined;
    },
  },
  {
    name: 'GetAccessKeyLastUsed',
    resource: collectionResource('user'),
    async run(input, context) {
      const used = await context.app.iam.getAccessKeyLastUsed(accountOf(context), input.string('AccessKeyId'));
      return {
        UserName: used.userName,
        AccessKeyLastUsed:
          used.lastUsedAtMs === null
            ? { ServiceName: 'N/A', Region: 'N/A' }
            : { LastUsedDate: isoTime(used.lastUsedAtMs), ServiceName: 'N/A', Region: 'N/A' },
      };
    },
  },
];

export const mfaActions: ApiAction[] = [
  {
    name: 'CreateVirtualMFADevice',
    resource: mfaResource,
    async run(input, context) {
      const path = input.optionalString('Path');
      const device = await context.app.iam.createVirtualMfaDevice(accountOf(context), {
        name: input.string('VirtualMFADeviceName'),
        ...(path !== undefined ? { path } : {}),
      });
      return {
        VirtualMFADevice: {
          SerialNumber: device.serialNumber,
          // Blobs: the base32 text and the PNG, base64-encoded as the Query protocol sends blobs.
          Base32StringSeed: Buffer.from(device.base32Seed, 'ascii').toString('base64'),
          QRCodePNG: qrCodePng(device.otpauthUri).toString('base64'),
        },
      };
    },
  },
  {
    name: 'EnableMFADevice',
    resource: userResource(),
    async run(input, context) {
      await context.app.iam.enableMfaDevice(accountOf(context), {
        owner: { userName: userNameOf(input, context) },
        serialNumber: input.string('SerialNumber'),
        code1: input.string('AuthenticationCode1'),
        code2: input.string('AuthenticationCode2'),
      });
      return undefined;
    },
  },
  {
    name: 'DeactivateMFADevice',
    resource: userResource(),
    async run(input, context) {
      await context.app.iam.deactivateMfaDevice(accountOf(context), {
        owner: { userName: userNameOf(input, context) },
        serialNumber: input.string('SerialNumber'),
      });
      return undefined;
    },
  },
  {
    name: 'DeleteVirtualMFADevice',
    resource: (input) => input.string('SerialNumber'),
    async run(input, context) {
      await context.app.iam.deleteVirtualMfaDevice(accountOf(context), input.string('SerialNumber'));
      return undefined;
    },
  },
  {
    name: 'ListMFADevices',
    resource: userResource(),
    async run(input, context) {
      const isRoot =
        input.optionalString('UserName') === undefined &&
        parsePrincipalArn(context.caller.principalArn)?.kind === 'root';
      const devices = await context.app.iam.listMfaDevices(accountOf(context), {
        owner: isRoot ? 'root' : { userName: userNameOf(input, context) },
      });
      return page('MFADevices', devices.map(mfaDeviceShape));
    },
  },
  {
    name: 'ListVirtualMFADevices',
    resource: collectionResource('mfa'),
    async run(input, context) {
      const assignment = input.optionalString('AssignmentStatus') ?? 'Any';
      if (assignment !== 'Assigned' && assignment !== 'Unassigned' && assignment !== 'Any') {
        throw new PciqError('ValidationError', 'AssignmentStatus must be Assigned, Unassigned or Any.');
      }
      const devices = await context.app.iam.listMfaDevices(accountOf(context), { assignment });
      return page(
        'VirtualMFADevices',
        devices.map((device) => ({
          SerialNumber: device.serialNumber,
          EnableDate: isoTime(device.enabledAtMs),
          User: device.userName && device.ownerArn ? { UserName: device.userName, Arn: device.ownerArn } : undefined,
        })),
      );
    },
  },
];

export const loginActions: ApiAction[] = [
  {
    name: 'CreateLoginProfile',
    resource: userResource(),
    async run(input, context) {
      const userName = userNameOf(input, context);
      const profile = await context.app.iam.createLoginProfile(accountOf(context), {
        owner: { userName },
        password: input.string('Password'),
        // 8.3.5: a password set by someone else must be changed at first use, whatever the request says.
        chosenByOwner:
          parsePrincipalArn(context.caller.principalArn)?.kind === 'user' &&
          input.optionalString('UserName') === undefined,
      });
      return { LoginProfile: loginProfileShape(profile) };
    },
  },
  {
    name: 'GetLoginProfile',
    resource: userResource(),
    async run(input, context) {
      const profile = await context.app.iam.getLoginProfile(accountOf(context), {
        userName: userNameOf(input, context),
      });
      return { LoginProfile: loginProfileShape(profile) };
    },
  },
  {
    name: 'UpdateLoginProfile',
    resource: userResource(),
    async run(input, context) {
      const password = input.optionalString('Password');
      const passwordResetRequired = optionalBoolean(input, 'PasswordResetRequired');
      await context.app.iam.updateLoginProfile(accountOf(context), {
        owner: { userName: input.string('UserName') },
        ...(password !== undefined ? { password } : {}),
        ...(passwordResetRequired !== undefined ? { passwordResetRequired } : {}),
      });
      return undefined;
    },
  },
  {
    name: 'DeleteLoginProfile',
    resource: userResource(),
    async run(input, context) {
      await context.app.iam.deleteLoginProfile(accountOf(context), { userName: input.string('UserName') });
      return undefined;
    },
  },
  {
    name: 'ChangePassword',
    resource: userResource(),
    async run(input, context) {
      const own = parsePrincipalArn(context.caller.principalArn);
      if (own?.kind !== 'user')
        throw new PciqError('InvalidInput', "ChangePassword changes the calling IAM user's own password.");
      await context.app.iam.changePassword(accountOf(context), {
        owner: { userName: own.name },
        oldPassword: input.string('OldPassword'),
        newPassword: input.string('NewPassword'),
      });
      return undefined;
    },
  },
  {
    name: 'GetAccountPasswordPolicy',
    resource: collectionResource('user'),
    async run(_input, context) {
      const policy = context.app.iam.context.passwordPolicy;
      return {
        PasswordPolicy: {
          MinimumPasswordLength: policy.minimumLength,
          RequireSymbols: policy.requireSymbols,
          RequireNumbers: true,
          RequireUppercaseCharacters: policy.requireUppercase,
          RequireLowercaseCharacters: policy.requireLowercase,
          AllowUsersToChangePassword: true,
          ExpirePasswords: policy.maxPasswordAgeMs !== null,
          MaxPasswordAge:
            policy.maxPasswordAgeMs === null ? undefined : Math.round(policy.maxPasswordAgeMs / 86_400_000),
          PasswordReusePrevention: policy.passwordReuseHistory,
          HardExpiry: false,
        },
      };
    },
  },
];
