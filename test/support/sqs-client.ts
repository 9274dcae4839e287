import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Bootstrap } from './pciq-process.ts';

export interface TestCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** The configuration of any AWS SDK v3 client for a real `pciq serve`: its development CA trusted, no retries. */
export function clientConfig(endpoint: string, bootstrap: Bootstrap, credentials: TestCredentials = bootstrap) {
  return {
    endpoint,
    region: bootstrap.region,
    credentials,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({
      httpsAgent: new Agent({ ca: readFileSync(bootstrap.caFile), keepAlive: true }),
    }),
  };
}

/** An AWS SDK v3 SQS client for a real `pciq serve`. */
export function sqsClient(
  endpoint: string,
  bootstrap: Bootstrap,
  credentials: TestCredentials = bootstrap,
  extra: Partial<SQSClientConfig> = {},
): SQSClient {
  return new SQSClient({ ...clientConfig(endpoint, bootstrap, credentials), ...extra });
}
