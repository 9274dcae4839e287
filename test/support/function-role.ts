import assert from 'node:assert/strict';
import { pciq } from './pciq-cli.ts';

/**
 * An execution role for functions, as an operator makes one with `pciq iam`: trusting the Lambda service
 * principal, allowed every queue action. `dataArgs` names the data directory (and store).
 */
export function createFunctionRole(name: string, dataArgs: readonly string[]): void {
  const trust = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  };
  const queues = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sqs:*', Resource: '*' }] };
  for (const args of [
    ['create-role', name, '--trust-policy', JSON.stringify(trust)],
    ['put-policy', '--role', name, 'queues', '--document', JSON.stringify(queues)],
  ]) {
    const result = pciq(['iam', ...args, ...dataArgs]);
    assert.equal(result.status, 0, `pciq iam ${args[0]}: ${result.stderr}`);
  }
}
