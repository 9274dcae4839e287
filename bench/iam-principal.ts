import { Agent } from 'node:https';
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateUserCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Endpoint } from './clients/queue-client.ts';

/** The policies the bench principal holds: as many as AWS's quotas let a user reach (10 of its own, 10 per group). */
export const benchPolicies = 50;
export const statementsPerPolicy = 10;
const policiesPerEntity = 10;

/**
 * One of the 50 policies: 10 statements of what a real account accumulates, each kind evaluated on every
 * request of the bench (the bench queue matches their resources, or their conditions must be tested):
 * grants on other applications' queues, a deny of deletes elsewhere, a deny from outside the policy's
 * network (its condition tested on every request), and, in the last policy only, the grant on `bench-*`.
 */
function benchPolicy(index: number, accountId: string): object {
  const statements: object[] = [];
  for (let j = 0; j < 7; j++) {
    statements.push({
      Sid: `App${index}Queue${j}`,
      Effect: 'Allow',
      Action: ['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility'],
      Resource: `arn:aws:sqs:*:${accountId}:app${index}-${j}-*`,
      Condition: { Bool: { 'aws:SecureTransport': 'true' } },
    });
  }
  statements.push({
    Sid: `App${index}NoDelete`,
    Effect: 'Deny',
    Action: 'sqs:DeleteQueue',
    Resource: `arn:aws:sqs:*:*:app${index}-*`,
  });
  statements.push({
    Sid: `App${index}OnlyInside`,
    Effect: 'Deny',
    Action: 'sqs:*',
    Resource: '*',
    Condition: { NotIpAddress: { 'aws:SourceIp': [`10.${index}.0.0/16`, '127.0.0.0/8', '::1/128'] } },
  });
  statements.push(
    index === benchPolicies - 1
      ? { Sid: 'Bench', Effect: 'Allow', Action: 'sqs:*', Resource: `arn:aws:sqs:*:${accountId}:bench-*` }
      : {
          Sid: `App${index}Look`,
          Effect: 'Allow',
          Action: 'sqs:GetQueueAttributes',
          Resource: `arn:aws:sqs:*:${accountId}:app${index}-*`,
        },
  );
  return { Version: '2012-10-17', Statement: statements };
}

/**
 * Creates, through pciq's IAM API, the user the policy-heavy run signs as: 50 managed policies of 10
 * statements, 10 attached to the user and 10 to each of the 4 groups it belongs to. Returns its endpoint.
 */
export async function createPolicyHeavyPrincipal(admin: Endpoint, accountId: string): Promise<Endpoint> {
  const iam = new IAMClient({
    endpoint: admin.url,
    region: admin.region,
    credentials: admin.credentials,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ...(admin.caPem ? { ca: admin.caPem } : {}) }) }),
  });
  try {
    const userName = 'bench-policies';
    await iam.send(new CreateUserCommand({ UserName: userName }));
    const groups = Array.from({ length: benchPolicies / policiesPerEntity - 1 }, (_, i) => `bench-group-${i}`);
    for (const group of groups) {
      await iam.send(new CreateGroupCommand({ GroupName: group }));
      await iam.send(new AddUserToGroupCommand({ GroupName: group, UserName: userName }));
    }
    for (let index = 0; index < benchPolicies; index++) {
      const { Policy } = await iam.send(
        new CreatePolicyCommand({
          PolicyName: `bench-${index}`,
          PolicyDocument: JSON.stringify(benchPolicy(index, accountId)),
        }),
      );
      const holder = Math.floor(index / policiesPerEntity);
      if (holder === 0) await iam.send(new AttachUserPolicyCommand({ UserName: userName, PolicyArn: Policy!.Arn }));
      else await iam.send(new AttachGroupPolicyCommand({ GroupName: groups[holder - 1], PolicyArn: Policy!.Arn }));
    }
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
    return {
      ...admin,
      credentials: { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! },
    };
  } finally {
    iam.destroy();
  }
}
