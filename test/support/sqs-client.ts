import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Bootstrap } from './pciq-process.ts';

/** An AWS SDK v3 SQS client for a real `pciq serve`, trusting its development CA, without retries. */
export function sqsClient(
  endpoint: string,
  bootstrap: Bootstrap,
  credentials: { accessKeyId: string; secretAccessKey: string } = bootstrap,
  extra: Partial<SQSClientConfig> = {},
): SQSClient {
  return new SQSClient({
    endpoint,
    region: bootstrap.region,
    credentials,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({
      httpsAgent: new Agent({ ca: readFileSync(bootstrap.caFile), keepAlive: true }),
    }),
    ...extra,
  });
}
