/**
 * Managed policies owned by AWS (`arn:aws:iam::aws:policy/…`) that pciq provides: the ones that make sense
 * for the services it serves. They exist in every account, cannot be changed or deleted, and are defined
 * here rather than stored, as AWS maintains them rather than the account.
 */
export interface AwsManagedPolicy {
  arn: string;
  name: string;
  policyId: string;
  description: string;
  document: string;
}

const createdAtMs = Date.UTC(2015, 1, 6, 18, 39, 46);

function managed(name: string, policyId: string, description: string, statements: object[]): AwsManagedPolicy {
  return {
    arn: `arn:aws:iam::aws:policy/${name}`,
    name,
    policyId,
    description,
    document: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
  };
}

export const awsManagedPolicies: readonly AwsManagedPolicy[] = [
  managed('AdministratorAccess', 'ANPAIWMBCKSKIEE64ZLYK', 'Provides full access to AWS services and resources.', [
    { Effect: 'Allow', Action: '*', Resource: '*' },
  ]),
  managed('AmazonSQSFullAccess', 'ANPAI65L554VRJ33ECQS6', 'Provides full access to Amazon SQS via the API.', [
    { Effect: 'Allow', Action: ['sqs:*'], Resource: '*' },
  ]),
  managed('AmazonSQSReadOnlyAccess', 'ANPAIUGSSQY362XGCM6KW', 'Provides read only access to Amazon SQS.', [
    {
      Effect: 'Allow',
      Action: [
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:ListDeadLetterSourceQueues',
        'sqs:ListQueues',
        'sqs:ListMessageMoveTasks',
        'sqs:ListQueueTags',
      ],
      Resource: '*',
    },
  ]),
  managed('IAMFullAccess', 'ANPAI7XKCFMBPM3QQRRVQ', 'Provides full access to IAM via the API.', [
    { Effect: 'Allow', Action: ['iam:*'], Resource: '*' },
  ]),
  managed('IAMReadOnlyAccess', 'ANPAJKSO7NDY4T57MWDSQ', 'Provides read only access to IAM via the API.', [
    { Effect: 'Allow', Action: ['iam:Get*', 'iam:List*', 'iam:Simulate*'], Resource: '*' },
  ]),
  managed(
    'AWSKeyManagementServicePowerUser',
    'ANPAJNPP7PPPPMJRV2SA4',
    'Provides access to AWS Key Management Service (KMS).',
    [
      {
        Effect: 'Allow',
        Action: [
          'kms:CreateAlias',
          'kms:CreateKey',
          'kms:DeleteAlias',
          'kms:Describe*',
          'kms:GenerateRandom',
          'kms:Get*',
          'kms:List*',
          'kms:TagResource',
          'kms:UntagResource',
        ],
        Resource: '*',
      },
    ],
  ),
];

export const awsManagedPolicyCreatedAtMs = createdAtMs;

export function awsManagedPolicy(arn: string): AwsManagedPolicy | undefined {
  return awsManagedPolicies.find((policy) => policy.arn === arn);
}

export const administratorAccessArn = 'arn:aws:iam::aws:policy/AdministratorAccess';
