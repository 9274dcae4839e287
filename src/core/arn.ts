/** ARNs and URLs of queues, the one place their shapes are written down. */
export interface QueueAddress {
  accountId: string;
  name: string;
}

export function queueArn(region: string, address: QueueAddress): string {
  return `arn:aws:sqs:${region}:${address.accountId}:${address.name}`;
}

/** Parses `arn:aws:sqs:REGION:ACCOUNT:NAME`; any partition is accepted, as clients may use aws-cn or aws-us-gov. */
export function parseQueueArn(arn: string): (QueueAddress & { region: string }) | undefined {
  const parts = arn.split(':');
  if (parts.length !== 6 || parts[0] !== 'arn' || parts[2] !== 'sqs') return undefined;
  const [, , , region, accountId, name] = parts as [string, string, string, string, string, string];
  if (!region || !/^\d{12}$/.test(accountId) || !name) return undefined;
  return { region, accountId, name };
}

export function queueUrl(endpoint: string, address: QueueAddress): string {
  return `${endpoint.replace(/\/+$/, '')}/${address.accountId}/${address.name}`;
}

/**
 * Takes the queue from a queue URL's path. The host is not checked: clients reach one server under several
 * names (localhost, 127.0.0.1, a load balancer), and SQS itself accepts legacy hostnames.
 */
export function parseQueueUrl(url: string): QueueAddress | undefined {
  let path: string;
  if (url.startsWith('/')) path = url;
  else {
    try {
      path = new URL(url).pathname;
    } catch {
      return undefined;
    }
  }
  const match = /^\/(\d{12})\/([^/]+)\/?$/.exec(path);
  if (!match) return undefined;
  return { accountId: match[1]!, name: decodeURIComponent(match[2]!) };
}

/**
 * The role a role session acts in: `arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE/SESSION` →
 * `arn:PARTITION:iam::ACCOUNT:role/ROLE` (its path is not in the session's ARN); undefined for any other ARN.
 */
export function sessionRoleArn(arn: string): string | undefined {
  const match = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\//.exec(arn);
  return match ? `arn:${match[1]}:iam::${match[2]}:role/${match[3]}` : undefined;
}
