import type { Caller } from '../../core/index.ts';
import type { QueueService } from '../../queues/index.ts';
import type { AlertMessage, AlertSink } from './alert.ts';

/**
 * Alerts as messages in a queue inside pciq, so consumers read them with any SQS client (and a function
 * can act on them). The queue is created on first use, encrypted like every queue.
 */
export class QueueAlertSink implements AlertSink {
  readonly name = 'queue';
  readonly maxAttempts = 8;
  private readonly queues: QueueService;
  private readonly caller: Caller;
  private readonly queueName: string;
  private ensured = false;

  constructor(queues: QueueService, accountId: string, queueName: string) {
    this.queues = queues;
    this.queueName = queueName;
    this.caller = { accountId, principalArn: `arn:aws:iam::${accountId}:root`, accessKeyId: 'pciq', senderId: 'pciq' };
  }

  async deliver(alert: AlertMessage): Promise<void> {
    if (!this.ensured) {
      await this.queues.createQueue(this.caller, {
        name: this.queueName,
        attributes: {},
        tags: { purpose: 'pciq-alerts' },
      });
      this.ensured = true;
    }
    const [outcome] = await this.queues.sendMessages(
      this.caller,
      { accountId: this.caller.accountId, name: this.queueName },
      [
        {
          id: 'alert',
          body: JSON.stringify(alert),
          attributes: {
            severity: { dataType: 'String', stringValue: alert.severity },
            rule: { dataType: 'String', stringValue: alert.rule },
          },
          systemAttributes: {},
        },
      ],
      false,
    );
    if (!outcome?.ok) throw new Error(`the alerts queue refused the alert: ${outcome?.code ?? 'no answer'}`);
  }
}
