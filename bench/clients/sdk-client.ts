import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Endpoint, QueueClient, ReceivedMessage, SendBatchResult } from './queue-client.ts';

/** The same three calls through the AWS SDK v3 with its defaults (retries, MD5 checks, middleware stack). */
export class SdkSqsClient implements QueueClient {
  readonly checksMd5 = true;
  private readonly sqs: SQSClient;

  constructor(endpoint: Endpoint) {
    const isHttps = new URL(endpoint.url).protocol === 'https:';
    this.sqs = new SQSClient({
      endpoint: endpoint.url,
      region: endpoint.region,
      credentials: endpoint.credentials,
      requestHandler: isHttps
        ? { httpsAgent: new HttpsAgent({ keepAlive: true, ...(endpoint.caPem ? { ca: endpoint.caPem } : {}) }) }
        : { httpAgent: new HttpAgent({ keepAlive: true }) },
    });
  }

  async sendBatch(queueUrl: string, bodies: readonly string[]): Promise<SendBatchResult> {
    const entries = bodies.map((body, index) => ({ Id: String(index), MessageBody: body }));
    const output = await this.sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    const successful = output.Successful ?? [];
    return {
      messageIds: successful.map((entry) => entry.MessageId ?? ''),
      md5s: successful.map((entry) => entry.MD5OfMessageBody ?? ''),
      entryIndexes: successful.map((entry) => Number(entry.Id)),
      failed: output.Failed?.length ?? 0,
    };
  }

  async receive(queueUrl: string, maxMessages: number): Promise<ReceivedMessage[]> {
    const output = await this.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: maxMessages, WaitTimeSeconds: 0 }),
    );
    return (output.Messages ?? []).map((message) => ({
      messageId: message.MessageId ?? '',
      receiptHandle: message.ReceiptHandle ?? '',
      body: message.Body ?? '',
      md5OfBody: message.MD5OfBody ?? '',
    }));
  }

  async deleteBatch(queueUrl: string, receiptHandles: readonly string[]): Promise<number> {
    const entries = receiptHandles.map((handle, index) => ({ Id: String(index), ReceiptHandle: handle }));
    const output = await this.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    return output.Failed?.length ?? 0;
  }

  close(): void {
    this.sqs.destroy();
  }
}
