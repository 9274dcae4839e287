import { spawnSync } from 'node:child_process';
import { runAsync } from './pciq-cli.ts';
import type { Bootstrap } from './pciq-process.ts';
import type { TestCredentials } from './sqs-client.ts';

export function hasAwsCli(): boolean {
  return spawnSync('aws', ['--version'], { encoding: 'utf8' }).status === 0;
}

/**
 * Runs the AWS CLI against a real `pciq serve` as `credentials` (the bootstrap administrator by default),
 * with no configuration of the user's. It never blocks this process: a test's SDK clients keep their idle
 * keep-alive connections while it runs, and a blocked event loop would miss both the server's closing of
 * one (after the `Keep-Alive: timeout` it announced) and the agent's own expiry of it, so the next request
 * would be written into a closed connection ("socket hang up", EPIPE).
 */
export async function runAwsCli(
  endpoint: string,
  bootstrap: Bootstrap,
  args: string[],
  credentials: TestCredentials = bootstrap,
) {
  const result = await runAsync('aws', ['--endpoint-url', endpoint, '--output', 'json', ...args], {
    PATH: process.env['PATH'],
    HOME: process.env['HOME'],
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    ...(credentials.sessionToken ? { AWS_SESSION_TOKEN: credentials.sessionToken } : {}),
    AWS_DEFAULT_REGION: bootstrap.region,
    AWS_CA_BUNDLE: bootstrap.caFile,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_PAGER: '',
  });
  return { ...result, json: (): ReturnType<typeof JSON.parse> => JSON.parse(result.stdout || '{}') };
}
