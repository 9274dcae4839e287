import { CreateAccessKeyCommand, CreateUserCommand, type IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import type { TestCredentials } from './sqs-client.ts';

/** A new IAM user holding one inline policy of `statements` (named `policyName`), and its access key. */
export async function createUserWithPolicy(
  iam: IAMClient,
  name: string,
  policyName: string,
  statements: readonly unknown[],
): Promise<TestCredentials> {
  await iam.send(new CreateUserCommand({ UserName: name }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: name,
      PolicyName: policyName,
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
    }),
  );
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  return { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
}
