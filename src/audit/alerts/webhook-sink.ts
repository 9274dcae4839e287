import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AlertMessage, AlertSink } from './alert.ts';

export interface WebhookOptions {
  url: string;
  /** Signs each delivery (HMAC-SHA256 of the body) so the receiver knows it came from pciq. */
  secret?: string;
  /** PEM of a private CA the webhook's certificate chains to. */
  ca?: string;
  maxAttempts?: number;
  timeoutMs?: number;
}

/**
 * Alerts POSTed as JSON to an HTTPS endpoint (plain HTTP only to a loopback address). A 2xx answer is a
 * delivery; anything else, or no answer within the timeout, is retried by the dispatcher with backoff.
 */
export class WebhookAlertSink implements AlertSink {
  readonly name = 'webhook';
  readonly maxAttempts: number;
  private readonly url: URL;
  private readonly secret: string | undefined;
  private readonly ca: string | undefined;
  private readonly timeoutMs: number;

  constructor(options: WebhookOptions) {
    this.url = new URL(options.url);
    this.secret = options.secret;
    this.ca = options.ca;
    this.maxAttempts = options.maxAttempts ?? 8;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  deliver(alert: AlertMessage): Promise<void> {
    const body = Buffer.from(JSON.stringify(alert), 'utf8');
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'content-length': String(body.length),
      'user-agent': 'pciq-alerts/1',
      'x-pciq-alert-id': String(alert.id),
    };
    if (this.secret)
      headers['x-pciq-signature'] = `sha256=${createHmac('sha256', this.secret).update(body).digest('hex')}`;
    const send = this.url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const outgoing = send(
        this.url,
        { method: 'POST', headers, timeout: this.timeoutMs, ...(this.ca ? { ca: this.ca } : {}) },
        (response) => {
          response.resume();
          response.on('end', () => {
            const status = response.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve();
            else reject(new Error(`the webhook answered ${status}`));
          });
        },
      );
      outgoing.on('timeout', () =>
        outgoing.destroy(new Error(`the webhook did not answer within ${this.timeoutMs} ms`)),
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }
}
