import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { post } from '../../src/client/post.ts';
import { SigV4Signer } from '../../src/client/sigv4-signer.ts';
import type { Endpoint, QueueClient, ReceivedMessage, SendBatchResult } from './queue-client.ts';

const contentType = 'application/x-amz-json-1.0';

export class SqsCallError extends Error {
  readonly status: number;
  readonly responseBody: string;

  constructor(action: string, status: number, responseBody: string) {
    super(`${action} answered HTTP ${status}: ${responseBody.slice(0, 500)}`);
    this.status = status;
    this.responseBody = responseBody;
  }
}

interface SendBatchOutput {
  Successful?: { Id: string; MessageId: string; MD5OfMessageBody: string }[];
  Failed?: unknown[];
}
interface ReceiveOutput {
  Messages?: { MessageId: string; ReceiptHandle: string; Body: string; MD5OfBody: string }[];
}
interface BatchOutput {
  Failed?: unknown[];
}

/**
 * An SQS client with nothing in the way: AWS JSON 1.0 over one keep-alive agent, signed by a signer that
 * caches its key. What it costs per call is a JSON encode, two SHA-256, one HMAC and a parse, so that a
 * benchmark driven by it measures the server.
 */
export class LeanSqsClient implements QueueClient {
  readonly checksMd5 = false;
  private readonly signer: SigV4Signer;
  private readonly agent: HttpAgent;
  private readonly isHttps: boolean;
  private readonly hostname: string;
  private readonly port: number;
  private readonly host: string;

  constructor(endpoint: Endpoint) {
    const url = new URL(endpoint.url);
    this.isHttps = url.protocol === 'https:';
    this.hostname = url.hostname;
    this.port = Number(url.port) || (this.isHttps ? 443 : 80);
    this.host = url.host;
    this.agent = this.isHttps
      ? new HttpsAgent({ keepAlive: true, ...(endpoint.caPem ? { ca: endpoint.caPem } : {}) })
      : new HttpAgent({ keepAlive: true });
    this.signer = new SigV4Signer(endpoint.credentials, endpoint.region, 'sqs');
  }

  async sendBatch(queueUrl: string, bodies: readonly string[]): Promise<SendBatchResult> {
    const entries = bodies.map((body, index) => ({ Id: String(index), MessageBody: body }));
    const output = (await this.call('SendMessageBatch', { QueueUrl: queueUrl, Entries: entries })) as SendBatchOutput;
    const successful = output.Successful ?? [];
    return {
      messageIds: successful.map((entry) => entry.MessageId),
      md5s: successful.map((entry) => entry.MD5OfMessageBody),
      entryIndexes: successful.map((entry) => Number(entry.Id)),
      failed: output.Failed?.length ?? 0,
    };
  }

  async receive(queueUrl: string, maxMessages: number): Promise<ReceivedMessage[]> {
    const input = { QueueUrl: queueUrl, MaxNumberOfMessages: maxMessages, WaitTimeSeconds: 0 };
    const output = (await this.call('ReceiveMessage', input)) as ReceiveOutput;
    return (output.Messages ?? []).map((message) => ({
      messageId: message.MessageId,
      receiptHandle: message.ReceiptHandle,
      body: message.Body,
      md5OfBody: message.MD5OfBody,
    }));
  }

  async deleteBatch(queueUrl: string, receiptHandles: readonly string[]): Promise<number> {
    const entries = receiptHandles.map((handle, index) => ({ Id: String(index), ReceiptHandle: handle }));
    const output = (await this.call('DeleteMessageBatch', { QueueUrl: queueUrl, Entries: entries })) as BatchOutput;
    return output.Failed?.length ?? 0;
  }

  async createQueue(name: string): Promise<string> {
    const output = (await this.call('CreateQueue', { QueueName: name })) as { QueueUrl: string };
    return output.QueueUrl;
  }

  async deleteQueue(queueUrl: string): Promise<void> {
    await this.call('DeleteQueue', { QueueUrl: queueUrl });
  }

  /** Visible plus in-flight plus delayed messages, as the queue's approximate counters say. */
  async countMessages(queueUrl: string): Promise<number> {
    const names = [
      'ApproximateNumberOfMessages',
      'ApproximateNumberOfMessagesNotVisible',
      'ApproximateNumberOfMessagesDelayed',
    ];
    const output = (await this.call('GetQueueAttributes', { QueueUrl: queueUrl, AttributeNames: names })) as {
      Attributes?: Record<string, string>;
    };
    return names.reduce((sum, name) => sum + Number(output.Attributes?.[name] ?? 0), 0);
  }

  close(): void {
    this.agent.destroy();
  }

  async call(action: string, input: object): Promise<unknown> {
    const body = JSON.stringify(input);
    const headers = this.signer.sign({
      host: this.host,
      path: '/',
      headers: { 'content-type': contentType, 'x-amz-target': `AmazonSQS.${action}` },
      body,
    });
    headers['content-length'] = String(Buffer.byteLength(body));
    const answer = await post(
      this.isHttps,
      { agent: this.agent, hostname: this.hostname, port: this.port, path: '/', headers },
      body,
    );
    if (answer.status !== 200) throw new SqsCallError(action, answer.status, answer.text);
    try {
      return answer.text === '' ? {} : JSON.parse(answer.text);
    } catch {
      throw new SqsCallError(action, 200, `unparseable body: ${answer.text}`);
    }
  }
}
