import type { AuditTrail } from '../audit/index.ts';
import type { Clock } from '../core/index.ts';
import type { Store } from '../storage/index.ts';
import type { ServerSettings } from './server-settings.ts';

/**
 * A resource as rules see it: an id (an ARN), its type, and a description made only of facts the filters
 * compare (configuration, states, counts, instants). Descriptions never hold secrets or card data: they
 * become findings' evidence and end up in reports.
 */
export interface Resource {
  id: string;
  type: string;
  name: string;
  data: Record<string, unknown>;
  /**
   * Other resources whose change concerns this one (the identities an IAM policy applies to, the role a
   * function acts as): a scan limited to those ids judges this resource too.
   */
  aliases?: string[];
}

/** What the installation looks like from outside the store: files, the server's settings, the audit settings. */
export interface ScanEnvironment {
  dataDir: string;
  archiveDir: string;
  /** The root key provider (local, env, aws-kms) and, for local, the key file. */
  keyProvider: string;
  keyFile: string | null;
  /** What the server ran with at its last start (null when it never started). */
  server: ServerSettings | null;
  /** The audit settings in force: the server's, or those the scanning command was given. */
  audit: { clockSource: string; reviewRules: number; verifyIntervalSec: number; alertQueue: string | null };
}

export interface ScanContext {
  store: Store;
  trail: AuditTrail;
  clock: Clock;
  accountId: string;
  region: string;
  environment: ScanEnvironment;
}

/**
 * Describes the resources of one type. Modules plug in their own (IAM principals and policies, vault,
 * functions) by adding a provider to the registry the scanner is built with.
 */
export interface ResourceProvider {
  type: string;
  /** One line for `pciq compliance resources` and the report's inventory. */
  description: string;
  list(context: ScanContext): Promise<Resource[]>;
}

export function singletonArn(context: Pick<ScanContext, 'region' | 'accountId'>, name: string): string {
  return `arn:aws:pciq:${context.region}:${context.accountId}:${name}`;
}
