import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { defaultRetention, type RetentionPolicy, validateRetention } from './retention/policy.ts';
import { defaultRules, parseRules, type ReviewRule } from './review/rules.ts';
import { unknownFields } from './unknown-fields.ts';

/** The audit trail's configuration: a JSON file given with `--audit-config`, validated once at the edge. */
export interface AuditConfig {
  /** Recorded in every record (PCI DSS 10.6.1): where the host's clock is synchronized from. */
  clockSource: string;
  /** Signed checkpoints at this interval (when records came since), and on start and shutdown. */
  checkpointIntervalSec: number;
  retention: RetentionPolicy;
  /** How often records are moved to archive segments and segments purged. */
  archiveIntervalSec: number;
  /** How often pciq verifies its own whole trail (PCI DSS 10.4.1: daily); 0 turns it off. */
  verifyIntervalSec: number;
  rules: ReviewRule[];
  alerts: {
    log: boolean;
    /** Name of the queue inside pciq that receives alerts; null for none. */
    queue: string | null;
    webhook: { url: string; secret?: string; ca?: string; maxAttempts: number } | null;
  };
}

export const defaultAuditConfig: AuditConfig = {
  clockSource: 'host',
  checkpointIntervalSec: 60,
  retention: defaultRetention,
  archiveIntervalSec: 3_600,
  verifyIntervalSec: 86_400,
  rules: [...defaultRules],
  alerts: { log: true, queue: 'pciq-alerts', webhook: null },
};

/** A configuration problem; the message names the setting. */
export class AuditConfigError extends Error {}

function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return bare === 'localhost' || bare === '::1' || (isIP(bare) === 4 && bare.startsWith('127.'));
}

function seconds(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    throw new AuditConfigError(`${name} must be a whole number of seconds from ${min} to ${max}`);
  }
  return value as number;
}

/** A JSON object with only the settings `known`; `name` says where it is in the file. */
function objectOf(name: string, value: unknown, known: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AuditConfigError(`${name} must be a JSON object`);
  }
  const raw = value as Record<string, unknown>;
  const unknown = unknownFields(raw, known);
  if (unknown.length > 0) {
    throw new AuditConfigError(`${name} has unknown settings ${unknown.join(', ')}; known: ${known.join(', ')}`);
  }
  return raw;
}

/** Validates a parsed configuration file; `env` supplies secrets named by `secretEnv` (never kept in the file). */
export function parseAuditConfig(value: unknown, env: Record<string, string | undefined> = {}): AuditConfig {
  const raw = objectOf('the audit configuration', value, [
    'clockSource',
    'checkpointIntervalSec',
    'retention',
    'archiveIntervalSec',
    'verifyIntervalSec',
    'rules',
    'alerts',
  ]);
  if (
    raw.clockSource !== undefined &&
    (typeof raw.clockSource !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(raw.clockSource))
  ) {
    throw new AuditConfigError('clockSource must be 1 to 128 visible characters, e.g. ntp:time.example.com');
  }
  let retention = defaultRetention;
  if (raw.retention !== undefined) {
    const r = objectOf('retention', raw.retention, ['retainDays', 'hotDays']) as Partial<RetentionPolicy>;
    try {
      retention = validateRetention({ retainDays: r.retainDays ?? 365, hotDays: r.hotDays ?? 90 });
    } catch (error) {
      throw new AuditConfigError((error as Error).message);
    }
  }
  let rules = defaultAuditConfig.rules;
  if (raw.rules !== undefined) {
    try {
      rules = parseRules(raw.rules);
    } catch (error) {
      throw new AuditConfigError((error as Error).message);
    }
  }
  return {
    clockSource: (raw.clockSource as string | undefined) ?? defaultAuditConfig.clockSource,
    checkpointIntervalSec: seconds('checkpointIntervalSec', raw.checkpointIntervalSec, 60, 1, 3_600),
    retention,
    archiveIntervalSec: seconds('archiveIntervalSec', raw.archiveIntervalSec, 3_600, 60, 86_400),
    verifyIntervalSec: seconds('verifyIntervalSec', raw.verifyIntervalSec, 86_400, 0, 7 * 86_400),
    rules,
    alerts: parseAlerts(raw.alerts, env),
  };
}

function parseAlerts(value: unknown, env: Record<string, string | undefined>): AuditConfig['alerts'] {
  if (value === undefined) return defaultAuditConfig.alerts;
  const raw = objectOf('alerts', value, ['log', 'queue', 'webhook']);
  if (raw.log !== undefined && typeof raw.log !== 'boolean')
    throw new AuditConfigError('alerts.log must be true or false');
  if (
    raw.queue !== undefined &&
    raw.queue !== null &&
    (typeof raw.queue !== 'string' || !/^[A-Za-z0-9_-]{1,80}$/.test(raw.queue))
  ) {
    throw new AuditConfigError('alerts.queue must be a queue name (letters, digits, - and _, up to 80) or null');
  }
  return {
    log: (raw.log as boolean | undefined) ?? true,
    queue: raw.queue === undefined ? 'pciq-alerts' : (raw.queue as string | null),
    webhook: raw.webhook === undefined || raw.webhook === null ? null : parseWebhook(raw.webhook, env),
  };
}

function parseWebhook(
  value: unknown,
  env: Record<string, string | undefined>,
): NonNullable<AuditConfig['alerts']['webhook']> {
  // `secret` is known so that it is refused with the way to give it.
  const raw = objectOf('alerts.webhook', value, ['url', 'secretEnv', 'secret', 'caFile', 'maxAttempts']);
  let url: URL;
  try {
    url = new URL(String(raw.url));
  } catch {
    throw new AuditConfigError('alerts.webhook.url must be a URL');
  }
  // PCI DSS 4.2.1: alerts leave over TLS; plain HTTP only to this machine.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new AuditConfigError('alerts.webhook.url must be https (plain http is allowed to a loopback address only)');
  }
  const webhook: NonNullable<AuditConfig['alerts']['webhook']> = {
    url: url.toString(),
    maxAttempts: raw.maxAttempts === undefined ? 8 : seconds('alerts.webhook.maxAttempts', raw.maxAttempts, 8, 1, 50),
  };
  if (raw.secretEnv !== undefined) {
    const secret = env[String(raw.secretEnv)];
    if (!secret)
      throw new AuditConfigError(`alerts.webhook.secretEnv names ${String(raw.secretEnv)}, which is not set`);
    webhook.secret = secret;
  }
  if (raw.secret !== undefined) {
    // PCI DSS 8.6.2: no secrets in configuration files.
    throw new AuditConfigError(
      'alerts.webhook.secret cannot be written in the file; name an environment variable with secretEnv',
    );
  }
  if (raw.caFile !== undefined) {
    try {
      webhook.ca = readFileSync(String(raw.caFile), 'utf8');
    } catch {
      throw new AuditConfigError(`alerts.webhook.caFile ${String(raw.caFile)} cannot be read`);
    }
  }
  return webhook;
}

/** Reads and validates a configuration file; no file means the defaults. */
export function loadAuditConfig(path: string | undefined, env: Record<string, string | undefined>): AuditConfig {
  if (path === undefined) return defaultAuditConfig;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new AuditConfigError(`cannot read the audit configuration ${path}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AuditConfigError(`the audit configuration ${path} is not valid JSON`);
  }
  return parseAuditConfig(value, env);
}
