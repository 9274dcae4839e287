import { PciqError } from '../../core/index.ts';
import { awsJsonProtocol } from '../aws-json-protocol.ts';
import type { ApiAction, ApiService } from '../service.ts';

/**
 * People's sign-in: user name, password and a TOTP code (or a recovery code) exchanged for session
 * credentials that end after 15 minutes without a request (PCI DSS 8.2.8, 8.3, 8.4.2). AWS JSON 1.1 with
 * `X-Amz-Target: PciqSignIn.SignIn`, unsigned: it is how a person without credentials gets some. The
 * credentials then sign requests like any STS session's (X-Amz-Security-Token).
 */
const signIn: ApiAction = {
  name: 'SignIn',
  // What a person types is recorded only once it names an account and one of its users: people type
  // passwords into the user name field, and passwords never reach the trail (PCI DSS 8.3.1, 10.2.2).
  resource: async (input, context) => {
    const account = input.optionalString('AccountId') ?? context.app.iam.defaultAccountId;
    if (account === undefined || !/^\d{12}$/.test(account)) return 'arn:aws:iam::(unknown):root';
    const userName = input.optionalString('UserName');
    if (userName === undefined) return `arn:aws:iam::${account}:root`;
    try {
      return (await context.app.iam.getUser(account, userName)).arn;
    } catch {
      return `arn:aws:iam::${account}:user/(unknown)`;
    }
  },
  authorization: 'self',
  async run(input, context) {
    const accountId = input.optionalString('AccountId') ?? context.app.iam.defaultAccountId;
    if (accountId === undefined || !/^\d{12}$/.test(accountId)) {
      throw new PciqError('ValidationError', 'AccountId must be the 12-digit id of the account to sign in to.');
    }
    const userName = input.optionalString('UserName');
    const tokenCode = input.optionalString('TokenCode');
    const recoveryCode = input.optionalString('RecoveryCode');
    const newPassword = input.optionalString('NewPassword');
    const durationSec = input.optionalInteger('DurationSeconds');
    const session = await context.app.iam.signIn({
      accountId,
      password: input.string('Password'),
      ...(userName !== undefined ? { userName } : {}),
      ...(tokenCode !== undefined ? { tokenCode } : {}),
      ...(recoveryCode !== undefined ? { recoveryCode } : {}),
      ...(newPassword !== undefined ? { newPassword } : {}),
      ...(durationSec !== undefined ? { durationSec } : {}),
    });
    return {
      Credentials: {
        AccessKeyId: session.accessKeyId,
        SecretAccessKey: session.secretAccessKey,
        SessionToken: session.sessionToken,
        Expiration: session.expirationMs / 1000,
      },
      PrincipalArn: session.principalArn,
      IdleTimeoutSeconds: session.idleTimeoutMs / 1000,
    };
  },
};

export const signInApiService: ApiService = {
  signingName: 'signin',
  json: {
    targetPrefix: 'PciqSignIn.',
    protocol: awsJsonProtocol({
      version: '1.1',
      targetPrefix: 'PciqSignIn.',
      errorTypePrefix: '',
      queryCompatible: false,
    }),
  },
  actions: new Map([[signIn.name, signIn]]),
  authentication: 'none',
  auditCategory: () => 'iam',
};
