import { sessionRoleArn } from '../../core/index.ts';
import { type AuditRecord, occurrencesOf } from '../record.ts';
import type {
  GroupField,
  RecordMatch,
  ReviewRule,
  Severity,
  SpikeRule,
  ThresholdRule,
  UnusualHoursRule,
} from './rules.ts';

/** An alert as a rule raises it: what, how bad, about whom, and which records. No secrets, no card data. */
export interface RaisedAlert {
  ruleId: string;
  severity: Severity;
  summary: string;
  /** The record that tipped the rule. */
  recordSeq: number;
  detail: {
    description: string;
    type: string;
    group?: { field: GroupField; value: string };
    count?: number;
    windowSec?: number;
    firstSeq?: number;
    time: string;
  };
}

interface ThresholdEntry {
  hits: Array<[timeMs: number, seq: number]>;
  firedMs?: number;
}

interface SpikeEntry {
  windows: Record<string, number>;
  firedWindow?: number;
}

interface HoursEntry {
  counts: number[];
  total: number;
  sinceMs: number;
  fired: Record<string, number>;
}

/** What rules remember between records, by rule id and group; plain data, saved with the reviewer's cursor. */
export interface ReviewState {
  threshold: Record<string, Record<string, ThresholdEntry>>;
  spike: Record<string, Record<string, SpikeEntry>>;
  hours: Record<string, Record<string, HoursEntry>>;
  each: Record<string, number>;
}

export function emptyReviewState(): ReviewState {
  return { threshold: {}, spike: {}, hours: {}, each: {} };
}

/**
 * Records about alerts are never reviewed themselves (an alert must not raise alerts), nor stand-ins for
 * unreadable records (verification reports those).
 */
const unreviewed = new Set(['audit:AlertRaised', 'audit:AlertDelivery', 'audit:Unreadable']);

function typeMatches(patterns: readonly string[], type: string): boolean {
  return patterns.some((pattern) => (pattern.endsWith('*') ? type.startsWith(pattern.slice(0, -1)) : pattern === type));
}

export function matches(match: RecordMatch, record: AuditRecord): boolean {
  if (match.type && !typeMatches(match.type, record.type)) return false;
  if (match.category && !match.category.includes(record.category)) return false;
  if (match.kind && match.kind !== record.kind) return false;
  if (match.outcome && match.outcome !== record.outcome) return false;
  if (match.error && (record.error === null || !match.error.includes(record.error))) return false;
  return true;
}

function groupOf(field: GroupField, record: AuditRecord): string | null {
  switch (field) {
    case 'origin.ip':
      return record.origin.ip;
    case 'actor.principal':
      return record.actor.principal;
    case 'actor.identity':
      return record.actor.principal === null
        ? null
        : (sessionRoleArn(record.actor.principal) ?? record.actor.principal);
    case 'actor.accessKeyId':
      return record.actor.accessKeyId;
    case 'resource':
      return record.resource;
  }
}

const dayMs = 24 * 60 * 60 * 1000;
const hourMs = 60 * 60 * 1000;

/** How the group of failed attempts reads in an alert: from an address, against a principal or key, on a resource. */
function groupPhrase(field: GroupField, value: string): string {
  if (field === 'origin.ip') return `from ${value}`;
  if (field === 'resource') return `on ${value}`;
  return `against ${value}`;
}

/** The entry of `key` in `map`, created by `create` on first use. */
function entryOf<T>(map: Record<string, T>, key: string, create: () => T): T {
  let entry = map[key];
  if (entry === undefined) {
    entry = create();
    map[key] = entry;
  }
  return entry;
}

type Raise = (summary: string, extra?: Partial<RaisedAlert['detail']>) => void;

function evaluateThreshold(rule: ThresholdRule, state: ReviewState, record: AuditRecord, group: string, raise: Raise) {
  const timeMs = Date.parse(record.time);
  const entry = entryOf(
    entryOf(state.threshold, rule.id, () => ({})),
    group,
    () => ({ hits: [] }) as ThresholdEntry,
  );
  const windowMs = rule.windowSec * 1000;
  entry.hits = entry.hits.filter(([at]) => timeMs - at < windowMs);
  // A summary of a flood counts as the occurrences it stands for; more than the threshold need not be kept.
  const occurrences = Math.min(occurrencesOf(record), rule.threshold);
  for (let i = 0; i < occurrences; i++) entry.hits.push([timeMs, record.seq]);
  if (entry.hits.length > rule.threshold) entry.hits.splice(0, entry.hits.length - rule.threshold);
  const cooldownMs = Math.max((rule.cooldownSec ?? 0) * 1000, 1);
  const isCooling = entry.firedMs !== undefined && timeMs - entry.firedMs < cooldownMs;
  if (entry.hits.length < rule.threshold || isCooling) return;
  entry.firedMs = timeMs;
  raise(
    `${entry.hits.length} × ${record.error ?? record.type} within ${rule.windowSec}s ${groupPhrase(rule.groupBy, group)}`,
    {
      group: { field: rule.groupBy, value: group },
      count: entry.hits.length,
      windowSec: rule.windowSec,
      firstSeq: entry.hits[0]![1],
    },
  );
}

function evaluateSpike(rule: SpikeRule, state: ReviewState, record: AuditRecord, group: string, raise: Raise) {
  const entry = entryOf(
    entryOf(state.spike, rule.id, () => ({})),
    group,
    () => ({ windows: {} }) as SpikeEntry,
  );
  const window = Math.floor(Date.parse(record.time) / (rule.windowSec * 1000));
  entry.windows[window] = (entry.windows[window] ?? 0) + occurrencesOf(record);
  for (const key of Object.keys(entry.windows)) {
    if (Number(key) < window - rule.baselineWindows) delete entry.windows[key];
  }
  let baseline = 0;
  for (let w = window - rule.baselineWindows; w < window; w++) baseline += entry.windows[w] ?? 0;
  baseline /= rule.baselineWindows;
  const count = entry.windows[window]!;
  if (count < rule.minCount || count < rule.factor * Math.max(baseline, 1) || entry.firedWindow === window) return;
  entry.firedWindow = window;
  raise(
    `${count} × ${record.type} within ${rule.windowSec}s ${groupPhrase(rule.groupBy, group)}, usually ${baseline.toFixed(1)}`,
    {
      group: { field: rule.groupBy, value: group },
      count,
      windowSec: rule.windowSec,
    },
  );
}

function evaluateHours(rule: UnusualHoursRule, state: ReviewState, record: AuditRecord, group: string, raise: Raise) {
  const timeMs = Date.parse(record.time);
  const entry = entryOf(
    entryOf(state.hours, rule.id, () => ({})),
    group,
    () => ({ counts: new Array(24).fill(0), total: 0, sinceMs: timeMs, fired: {} }) as HoursEntry,
  );
  const hour = Math.floor((timeMs % dayMs) / hourMs);
  const isLearnt = entry.total >= rule.minHistory && timeMs - entry.sinceMs >= rule.learningDays * dayMs;
  const share = entry.total === 0 ? 0 : entry.counts[hour]! / entry.total;
  const firedAt = entry.fired[hour];
  const cooldownMs = Math.max((rule.cooldownSec ?? 0) * 1000, hourMs);
  if (isLearnt && share < rule.maxShare && (firedAt === undefined || timeMs - firedAt >= cooldownMs)) {
    entry.fired[hour] = timeMs;
    raise(
      `${group} active at ${String(hour).padStart(2, '0')}:00 UTC, an hour with ${(share * 100).toFixed(1)}% of its history`,
      { group: { field: rule.groupBy, value: group } },
    );
  }
  const occurrences = occurrencesOf(record);
  entry.counts[hour]! += occurrences;
  entry.total += occurrences;
}

/**
 * Evaluates one record against every rule, updating `state`; returns the alerts it raises. Pure: time is
 * the record's own, so the same records always raise the same alerts. Counting rules count a record as the
 * occurrences it stands for (`occurrencesOf`): a flood summarized in one record still reaches a threshold.
 */
export function evaluate(rules: readonly ReviewRule[], state: ReviewState, record: AuditRecord): RaisedAlert[] {
  if (unreviewed.has(record.type)) return [];
  const alerts: RaisedAlert[] = [];
  for (const rule of rules) {
    if (!matches(rule.match, record)) continue;
    const raise: Raise = (summary, extra = {}) =>
      alerts.push({
        ruleId: rule.id,
        severity: rule.severity,
        summary,
        recordSeq: record.seq,
        detail: { description: rule.description, type: record.type, time: record.time, ...extra },
      });
    if (rule.kind === 'each') {
      const timeMs = Date.parse(record.time);
      const last = state.each[rule.id];
      const cooldownMs = (rule.cooldownSec ?? 0) * 1000;
      if (last !== undefined && cooldownMs > 0 && timeMs - last < cooldownMs) continue;
      state.each[rule.id] = timeMs;
      const target = record.resource ? ` on ${record.resource}` : '';
      raise(`${record.type} ${record.outcome} by ${record.actor.principal ?? 'unknown'}${target}`);
      continue;
    }
    const group = groupOf(rule.groupBy, record);
    if (group === null || group === '') continue;
    if (rule.kind === 'threshold') evaluateThreshold(rule, state, record, group, raise);
    else if (rule.kind === 'spike') evaluateSpike(rule, state, record, group, raise);
    else evaluateHours(rule, state, record, group, raise);
  }
  return alerts;
}

/** Drops what no rule can use any more, so the state stays small however long pciq runs. */
export function pruneState(rules: readonly ReviewRule[], state: ReviewState, nowMs: number): void {
  for (const rule of rules) {
    if (rule.kind !== 'threshold') continue;
    const groups = state.threshold[rule.id];
    if (!groups) continue;
    const keepMs = Math.max(rule.windowSec, rule.cooldownSec ?? 0) * 1000;
    for (const [group, entry] of Object.entries(groups)) {
      const lastHit = entry.hits[entry.hits.length - 1]?.[0] ?? 0;
      if (nowMs - Math.max(lastHit, entry.firedMs ?? 0) > keepMs) delete groups[group];
    }
  }
  for (const rule of rules) {
    if (rule.kind !== 'spike') continue;
    const groups = state.spike[rule.id];
    if (!groups) continue;
    const current = Math.floor(nowMs / (rule.windowSec * 1000));
    for (const [group, entry] of Object.entries(groups)) {
      if (Object.keys(entry.windows).every((window) => Number(window) < current - rule.baselineWindows)) {
        delete groups[group];
      }
    }
  }
}
