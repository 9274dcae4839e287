import type { FindingRow, MuteRow } from '../storage/index.ts';
import { evaluateFilters } from './filters.ts';
import { type Finding, findingOf } from './findings.ts';
import type { CompliancePolicy } from './policy.ts';
import type { Resource, ResourceProvider, ScanContext } from './resource.ts';

export type ScanTrigger = 'on-demand' | 'periodic' | 'on-change' | 'release';

export interface ScanOptions {
  trigger: ScanTrigger;
  /** Only these policies (by name); all otherwise. */
  policies?: ReadonlySet<string>;
  /** Only these resources (by id); all of each type otherwise. */
  resourceIds?: ReadonlySet<string>;
  /** Keep the results (findings and, for full scans, a score history entry); true by default. */
  isStored?: boolean;
}

export interface RequirementCount {
  pass: number;
  fail: number;
  muted: number;
}

/** One scan's totals; a full scan's are kept as the score history. */
export interface ScanSummary {
  time: string;
  trigger: ScanTrigger;
  policies: number;
  resources: number;
  pass: number;
  fail: number;
  muted: number;
  /** Passing share of the unmuted results, in percent (100 when there is nothing to judge). */
  score: number;
  bySeverity: Record<string, number>;
  byRequirement: Record<string, RequirementCount>;
  /** Policies that could not run: their resource type has no provider yet, or listing failed. */
  skipped: Array<{ policy: string; reason: string }>;
}

export interface ScanResult {
  summary: ScanSummary;
  findings: Finding[];
  /** The resources evaluated, by id (actions work on them). */
  resources: Map<string, Resource>;
}

function isSelected(resource: Resource, ids: ReadonlySet<string>): boolean {
  return ids.has(resource.id) || (resource.aliases ?? []).some((alias) => ids.has(alias));
}

/** A top-level requirement ("3" of "3.6.1"), the report's sections. */
export function principalRequirement(id: string): string {
  return id.split('.')[0]!;
}

/**
 * Evaluates policies against the resources their providers describe. A resource the filters match fails
 * the policy; every other resource of the type passes it. Results are stored per rule and resource, each
 * keeping when it was first seen and since when its status holds; a full scan also forgets results of
 * resources and policies that no longer exist and adds an entry to the score history.
 */
export class ComplianceScanner {
  readonly providers: ReadonlyMap<string, ResourceProvider>;
  readonly policies: readonly CompliancePolicy[];

  constructor(options: { providers: readonly ResourceProvider[]; policies: readonly CompliancePolicy[] }) {
    this.providers = new Map(options.providers.map((provider) => [provider.type, provider]));
    this.policies = options.policies;
  }

  policy(name: string): CompliancePolicy | undefined {
    return this.policies.find((policy) => policy.name === name);
  }

  async scan(context: ScanContext, options: ScanOptions): Promise<ScanResult> {
    const nowMs = context.clock.now();
    const selected = this.policies.filter((policy) => !options.policies || options.policies.has(policy.name));
    const listed = new Map<string, Resource[]>();
    const skipped: ScanSummary['skipped'] = [];
    const rows: FindingRow[] = [];
    const resources = new Map<string, Resource>();
    for (const policy of selected) {
      const provider = this.providers.get(policy.resource);
      if (!provider) {
        skipped.push({
          policy: policy.name,
          reason: `no provider for resource type ${policy.resource} in this installation`,
        });
        continue;
      }
      let list = listed.get(provider.type);
      if (!list) {
        try {
          list = await provider.list(context);
        } catch (error) {
          skipped.push({ policy: policy.name, reason: `listing ${provider.type} failed: ${(error as Error).message}` });
          continue;
        }
        listed.set(provider.type, list);
      }
      for (const resource of list) {
        if (options.resourceIds && !isSelected(resource, options.resourceIds)) continue;
        resources.set(resource.id, resource);
        const result = evaluateFilters(policy.filters, resource.data, nowMs);
        rows.push({
          rule: policy.name,
          resource: resource.id,
          resourceType: resource.type,
          status: result.isMatch ? 'fail' : 'pass',
          severity: policy.severity,
          requirements: JSON.stringify(policy.requirements),
          evidence: JSON.stringify({
            comparisons: result.evidence,
            description: policy.description,
            resourceName: resource.name,
            ...(typeof resource.data.detail === 'string' ? { detail: resource.data.detail } : {}),
          }),
          remediation: policy.remediation,
          firstSeenAtMs: nowMs,
          lastSeenAtMs: nowMs,
          statusSinceMs: nowMs,
        });
      }
    }
    const isFull = !options.policies && !options.resourceIds;
    const { stored, mutes } = await this.store(context, rows, {
      isFull,
      isStored: options.isStored ?? true,
      evaluatedTypes: new Set(listed.keys()),
      policyNames: new Set(this.policies.map((policy) => policy.name)),
    });
    const findings = stored.map((row) => findingOf(row, mutes, nowMs));
    const summary = summarize(findings, {
      time: nowMs,
      trigger: options.trigger,
      policies: selected.length,
      skipped,
      resources: resources.size,
    });
    if (isFull && (options.isStored ?? true)) {
      await context.store.write((tx) =>
        tx.compliance.insertScan({ timeMs: nowMs, trigger: options.trigger, summary: JSON.stringify(summary) }),
      );
    }
    return { summary, findings, resources };
  }

  private store(
    context: ScanContext,
    rows: FindingRow[],
    options: { isFull: boolean; isStored: boolean; evaluatedTypes: Set<string>; policyNames: Set<string> },
  ): Promise<{ stored: FindingRow[]; mutes: MuteRow[] }> {
    const keyOf = (row: FindingRow) => `${row.rule}\n${row.resource}`;
    // A result keeps when it was first seen, and since when its status holds.
    const merge = (previous: Map<string, FindingRow>) =>
      rows.map((row) => {
        const before = previous.get(keyOf(row));
        if (!before) return row;
        const statusSinceMs = before.status === row.status ? before.statusSinceMs : row.statusSinceMs;
        return { ...row, firstSeenAtMs: before.firstSeenAtMs, statusSinceMs };
      });
    if (!options.isStored) {
      return context.store.read(async (tx) => ({
        stored: merge(new Map((await tx.compliance.findings()).map((row) => [keyOf(row), row]))),
        mutes: await tx.compliance.mutes(),
      }));
    }
    return context.store.write(async (tx) => {
      const previous = new Map((await tx.compliance.findings()).map((row) => [keyOf(row), row]));
      const stored = merge(previous);
      for (const row of stored) await tx.compliance.putFinding(row);
      if (options.isFull) {
        const current = new Set(stored.map(keyOf));
        for (const [key, row] of previous) {
          const isGone =
            !options.policyNames.has(row.rule) || (options.evaluatedTypes.has(row.resourceType) && !current.has(key));
          if (isGone) await tx.compliance.deleteFinding(row.rule, row.resource);
        }
      }
      return { stored, mutes: await tx.compliance.mutes() };
    });
  }
}

export function summarize(
  findings: readonly Finding[],
  facts: { time: number; trigger: ScanTrigger; policies: number; resources: number; skipped: ScanSummary['skipped'] },
): ScanSummary {
  const byRequirement: Record<string, RequirementCount> = {};
  const bySeverity: Record<string, number> = {};
  let pass = 0;
  let fail = 0;
  let muted = 0;
  for (const finding of findings) {
    const kind = finding.status === 'pass' ? 'pass' : finding.muted ? 'muted' : 'fail';
    if (kind === 'pass') pass++;
    else if (kind === 'muted') muted++;
    else {
      fail++;
      bySeverity[finding.severity] = (bySeverity[finding.severity] ?? 0) + 1;
    }
    for (const id of new Set(finding.requirements.map(principalRequirement))) {
      byRequirement[id] ??= { pass: 0, fail: 0, muted: 0 };
      byRequirement[id][kind]++;
    }
  }
  return {
    time: new Date(facts.time).toISOString(),
    trigger: facts.trigger,
    policies: facts.policies,
    resources: facts.resources,
    pass,
    fail,
    muted,
    score: pass + fail === 0 ? 100 : Math.round((pass / (pass + fail)) * 1000) / 10,
    bySeverity,
    byRequirement,
    skipped: facts.skipped,
  };
}
