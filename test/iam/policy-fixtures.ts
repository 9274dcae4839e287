import {
  type ContextValue,
  compilePolicySet,
  type Decision,
  evaluate,
  type Policy,
  type PolicyKind,
  parsePolicy,
  type RequestContext,
  type RequestPrincipal,
} from '../../src/iam/policy/index.ts';

/** Requests and policies for the policy tests: one account, its users, a role and its sessions. */
export const account = '123456789012';
export const otherAccount = '210987654321';
export const queue = `arn:aws:sqs:us-east-1:${account}:orders`;
export const otherQueue = `arn:aws:sqs:us-east-1:${account}:payments`;

export const alice: RequestPrincipal = {
  arn: `arn:aws:iam::${account}:user/alice`,
  accountId: account,
  kind: 'user',
  userId: 'AIDAALICE',
  username: 'alice',
  tags: { team: 'payments', CostCenter: '42' },
};
export const bob: RequestPrincipal = {
  ...alice,
  arn: `arn:aws:iam::${account}:user/bob`,
  userId: 'AIDABOB',
  username: 'bob',
  tags: {},
};
export const producerRoleArn = `arn:aws:iam::${account}:role/service/producer`;
export const producerSession: RequestPrincipal = {
  arn: `arn:aws:sts::${account}:assumed-role/producer/build-7`,
  accountId: account,
  kind: 'assumed-role',
  userId: 'AROAPRODUCER:build-7',
  roleArn: producerRoleArn,
  tags: { team: 'orders' },
};
export const root: RequestPrincipal = {
  arn: `arn:aws:iam::${account}:root`,
  accountId: account,
  kind: 'root',
  userId: account,
  tags: {},
};

export function request(
  action: string,
  resource = queue,
  keys: Record<string, ContextValue> = {},
  principal: RequestPrincipal = alice,
): RequestContext {
  return { principal, action, resource, keys };
}

let counter = 0;

/** A 2012-10-17 policy of `kind` from its statements. */
export function policy(kind: PolicyKind, ...statements: Record<string, unknown>[]): Policy {
  return parsePolicy({ Version: '2012-10-17', Statement: statements }, kind, `${kind}-${++counter}`);
}

export function allow(
  action: string | string[],
  resource: string | string[] = '*',
  extra: Record<string, unknown> = {},
) {
  return { Effect: 'Allow', Action: action, Resource: resource, ...extra };
}

export function deny(
  action: string | string[],
  resource: string | string[] = '*',
  extra: Record<string, unknown> = {},
) {
  return { Effect: 'Deny', Action: action, Resource: resource, ...extra };
}

/** Decides a request against identity statements only. */
export function decide(statements: Record<string, unknown>[], req: RequestContext): Decision['decision'] {
  return evaluate(compilePolicySet({ identity: [policy('identity', ...statements)] }), req).decision;
}

/** Whether a single identity statement with `condition` allows a request with `keys`. */
export function conditionAllows(
  condition: Record<string, unknown>,
  keys: Record<string, ContextValue>,
  principal = alice,
): boolean {
  return (
    decide(
      [allow('sqs:SendMessage', '*', { Condition: condition })],
      request('sqs:SendMessage', queue, keys, principal),
    ) === 'Allow'
  );
}
