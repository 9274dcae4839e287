import { userInfo } from 'node:os';
import {
  type AuditConfig,
  AuditConfigError,
  AuditTrail,
  Checkpointer,
  loadAuditConfig,
  type Outcome,
} from '../audit/index.ts';
import { redactCardData, systemClock } from '../core/index.ts';
import { CliError, type DataDirPaths, type OpenedDataDir, openDataDir, pathsOf } from './data-dir.ts';
import { defaultDataDir } from './defaults.ts';
import { type RootKeyChoice, rootKeyChoiceOf, rootKeyOptions } from './root-key-options.ts';
import { storeOptions } from './store-option.ts';

/** Options every `pciq audit` command that opens a data directory takes. */
export const dataDirOptions = {
  'data-dir': { type: 'string', default: defaultDataDir },
  ...storeOptions,
  ...rootKeyOptions,
  'audit-config': { type: 'string' },
} as const;

/**
 * A local command working on the audit trail directly, as the operating-system user who runs it. Reading
 * the trail is itself recorded (PCI DSS 10.2.1.3) and sealed with a signed checkpoint before the command
 * ends, so a command leaves nothing unsealed behind it.
 */
export class AuditSession {
  readonly paths: DataDirPaths;
  readonly opened: OpenedDataDir;
  readonly trail: AuditTrail;
  readonly checkpointer: Checkpointer;
  readonly config: AuditConfig;

  private constructor(paths: DataDirPaths, opened: OpenedDataDir, config: AuditConfig) {
    this.paths = paths;
    this.opened = opened;
    this.config = config;
    let user = 'unknown';
    try {
      user = userInfo().username;
    } catch {}
    this.trail = new AuditTrail({
      store: opened.store,
      keyring: opened.keys.system,
      clock: systemClock,
      clockSource: config.clockSource,
      systemActor: { principal: `local-user:${user}`, accessKeyId: null, accountId: opened.accountId },
    });
    this.checkpointer = new Checkpointer(this.trail, { archiveDir: paths.auditArchive });
  }

  static async open(
    values: { 'data-dir': string; 'audit-config'?: string | undefined; store?: string | undefined } & Parameters<
      typeof rootKeyChoiceOf
    >[0],
  ) {
    let config: AuditConfig;
    try {
      config = loadAuditConfig(values['audit-config'], process.env);
    } catch (error) {
      if (error instanceof AuditConfigError) throw new CliError(`--audit-config: ${error.message}`);
      throw error;
    }
    const paths = pathsOf(values['data-dir'], values['key-file'], values.store);
    const rootKey: RootKeyChoice = rootKeyChoiceOf(values);
    const opened = await openDataDir(paths, { rootKey, clock: systemClock });
    const session = new AuditSession(paths, opened, config);
    await session.trail.open();
    return session;
  }

  /** Records what the command did with the trail and seals it. */
  async recordAccess(type: string, outcome: Outcome, details: Record<string, string | number | boolean | null>) {
    const draft = this.trail.systemDraft(type, 'audit', outcome, details);
    await this.trail.record({ ...draft, origin: { ...draft.origin, userAgent: 'pciq-cli' } });
    await this.checkpointer.checkpoint('command');
  }

  close(): Promise<void> {
    return this.opened.store.close();
  }
}

const durationUnits: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `--from` and `--to` together: a range whose start is after its end is refused, not taken for an empty range
 * that verifies (swapped dates would otherwise pass `pciq audit verify` having checked nothing).
 */
export function parseTimeRange(
  values: { from?: string | undefined; to?: string | undefined },
  nowMs: number,
): { fromMs: number | undefined; toMs: number | undefined } {
  const fromMs = parseTimeOption('from', values.from, nowMs);
  const toMs = parseTimeOption('to', values.to, nowMs, 'end');
  if (fromMs !== undefined && toMs !== undefined && fromMs > toMs) {
    throw new CliError(`--from ${values.from} is after --to ${values.to}: give the earlier time as --from`);
  }
  return { fromMs, toMs };
}

/**
 * `--from`/`--to`: an ISO 8601 time (2026-01-31, 2026-01-31T12:00:00Z), `now`, or a duration ago (30m, 24h, 7d).
 * A date alone is a whole UTC day: as the `end` of a range it means the day's last millisecond, so
 * `--from 2026-01-01 --to 2026-03-31` holds March 31st.
 */
export function parseTimeOption(
  name: string,
  value: string | undefined,
  nowMs: number,
  bound: 'start' | 'end' = 'start',
): number | undefined {
  if (value === undefined) return undefined;
  if (value === 'now') return nowMs;
  const relative = /^(\d{1,6})([smhd])$/.exec(value);
  if (relative) return nowMs - Number(relative[1]) * durationUnits[relative[2]!]!;
  if (/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/.test(value)) {
    const isDate = !/T/.test(value);
    const ms = Date.parse(!isDate && !/(Z|[+-]\d{2}:\d{2})$/.test(value) ? `${value}Z` : value);
    if (Number.isFinite(ms)) return isDate && bound === 'end' ? ms + durationUnits.d! - 1 : ms;
  }
  throw new CliError(
    `--${name} must be an ISO 8601 time (2026-01-31, 2026-01-31T12:00:00Z), now, or a duration ago (30m, 24h, 7d), not '${redactCardData(value.slice(0, 40))}'`,
  );
}
