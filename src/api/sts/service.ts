import { type ErrorCode, PciqError } from '../../core/index.ts';
import type { IssuedCredentials } from '../../iam/index.ts';
import { isoTime, memberList, tagMembers } from '../aws-query/input.ts';
import { awsQueryProtocol } from '../aws-query/protocol.ts';
import { refusingCardData } from '../card-data-parameters.ts';
import { tagConditionKeys } from '../condition-keys.ts';
import type { ApiAction, ApiService } from '../service.ts';

function credentialsShape(credentials: IssuedCredentials) {
  return {
    AccessKeyId: credentials.accessKeyId,
    SecretAccessKey: credentials.secretAccessKey,
    SessionToken: credentials.sessionToken,
    Expiration: isoTime(credentials.expirationMs),
  };
}

/** SerialNumber and TokenCode, when the caller sends an MFA code with the call. */
function mfaOf(input: Parameters<ApiAction['run']>[0]) {
  const serialNumber = input.optionalString('SerialNumber');
  const tokenCode = input.optionalString('TokenCode');
  return { ...(serialNumber !== undefined ? { serialNumber } : {}), ...(tokenCode !== undefined ? { tokenCode } : {}) };
}

const actions: ApiAction[] = [
  {
    // AWS: no permission is needed to learn who you are.
    name: 'GetCallerIdentity',
    resource: () => '*',
    authorization: 'self',
    async run(_input, context) {
      const resolved = await context.app.iam.directory.resolve(context.caller);
      if (!resolved)
        throw new PciqError('InvalidClientTokenId', 'The security token included in the request is invalid.');
      return { UserId: resolved.principal.userId, Account: context.caller.accountId, Arn: resolved.principal.arn };
    },
  },
  {
    // AWS: no permission is needed either; it cannot be called with temporary credentials.
    name: 'GetSessionToken',
    resource: () => '*',
    authorization: 'self',
    async run(input, context) {
      const durationSec = input.optionalInteger('DurationSeconds');
      const credentials = await context.app.iam.getSessionToken(context.caller, {
        ...(durationSec !== undefined ? { durationSec } : {}),
        ...mfaOf(input),
      });
      return { Credentials: credentialsShape(credentials) };
    },
  },
  {
    // The role's trust policy takes part in the decision, which AssumeRole makes itself.
    name: 'AssumeRole',
    resource: (input) => input.string('RoleArn'),
    authorization: 'self',
    async run(input, context) {
      const durationSec = input.optionalInteger('DurationSeconds');
      const policy = input.optionalString('Policy');
      const sourceIdentity = input.optionalString('SourceIdentity');
      const externalId = input.optionalString('ExternalId');
      const policyArns = memberList(input, 'PolicyArns').map((item) => {
        const arn = (item as Record<string, unknown>)?.['arn'];
        if (typeof arn !== 'string') throw new PciqError('ValidationError', 'Each of PolicyArns needs an arn.');
        return arn;
      });
      const tags = tagMembers(input);
      const assumed = await context.app.iam.assumeRole(
        context.caller,
        {
          roleArn: input.string('RoleArn'),
          roleSessionName: input.string('RoleSessionName'),
          policyArns,
          tags,
          ...(durationSec !== undefined ? { durationSec } : {}),
          ...(policy !== undefined ? { policy } : {}),
          ...(sourceIdentity !== undefined ? { sourceIdentity } : {}),
          ...(externalId !== undefined ? { externalId } : {}),
          ...mfaOf(input),
        },
        { origin: context.origin, requestedRegion: context.region, keys: tagConditionKeys(tags) },
      );
      return {
        Credentials: credentialsShape(assumed),
        AssumedRoleUser: { AssumedRoleId: assumed.assumedRoleId, Arn: assumed.assumedRoleArn },
        PackedPolicySize: assumed.packedPolicySize,
        SourceIdentity: assumed.sourceIdentity ?? undefined,
      };
    },
  },
];

/**
 * A session's name, source identity, tags and policy are kept with it and shown in its ARN and the trail:
 * card data in them is refused, as in IAM.
 */
const sessionText = new Set(['RoleSessionName', 'SourceIdentity', 'Tags']);

function cardDataCodeOf(parameter: string): ErrorCode | undefined {
  if (parameter === 'Policy') return 'MalformedPolicyDocument';
  return sessionText.has(parameter) ? 'ValidationError' : undefined;
}

/**
 * AWS STS, API version 2011-06-15, in the Query protocol, on the same endpoint (SigV4 service `sts`):
 * temporary credentials that the SDKs' STS clients and the AWS CLI obtain and then sign with
 * (X-Amz-Security-Token).
 */
export const stsApiService: ApiService = {
  signingName: 'sts',
  query: awsQueryProtocol({
    namespace: 'https://sts.amazonaws.com/doc/2011-06-15/',
    errorNames: {
      InvalidParameterValue: 'ValidationError',
      MissingParameter: 'ValidationError',
      InvalidParameterCombination: 'ValidationError',
      InvalidInput: 'ValidationError',
    },
  }),
  actions: new Map(
    actions.map((action) => [
      action.name,
      action.name === 'AssumeRole' ? refusingCardData(action, cardDataCodeOf) : action,
    ]),
  ),
  // Sessions are credentials (PCI DSS 10.2.1.5).
  auditCategory: () => 'iam',
};
