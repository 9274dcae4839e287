import type { Store } from '../../storage/index.ts';
import type { Finding } from '../findings.ts';
import { sortFindings } from '../findings.ts';
import type { Mute } from '../mutelist.ts';
import type { Resource } from '../resource.ts';
import { principalRequirement, type ScanResult, type ScanSummary } from '../scanner.ts';
import { requirementSections } from './requirements.ts';

/** The PCI DSS evidence report, one model for every format (schema: docs/pci-report.schema.json). */
export interface PciReport {
  format: 'pciq-pci-report/1';
  generatedAt: string;
  standard: 'PCI DSS v4.0.1';
  accountId: string;
  region: string;
  summary: ScanSummary;
  requirements: RequirementReport[];
  inventory: Inventory;
  audit: AuditStatus;
  history: Array<{ time: string; trigger: string; score: number; pass: number; fail: number; muted: number }>;
}

export interface RequirementReport {
  id: string;
  title: string;
  /**
   * pass: every finding passes; fail: an unmuted failure; muted: failures, every one of them muted (an accepted
   * risk, not a pass); not-assessed: no pciq rule covers it.
   */
  status: 'pass' | 'fail' | 'muted' | 'not-assessed';
  responsibility: { pciq: string; operator: string };
  counts: { pass: number; fail: number; muted: number };
  /** The mutes that hide failures of this requirement: who muted what, why, and until when. */
  mutes: Mute[];
  findings: Finding[];
}

export interface InventoryItem {
  id: string;
  name: string;
  facts: Record<string, unknown>;
}

/** PCI DSS 12.5.1 (in-scope components) and 4.2.1.1 (keys and certificates). */
export interface Inventory {
  queues: InventoryItem[];
  keys: InventoryItem[];
  accessKeys: InventoryItem[];
  principals: InventoryItem[];
  functions: InventoryItem[];
  certificates: InventoryItem[];
}

export interface AuditStatus {
  isVerified: boolean | null;
  recordsChecked: number | null;
  checkpointsChecked: number | null;
  failures: number | null;
  firstFailure: string | null;
  retainDays: number | null;
  hotDays: number | null;
  clockSource: string | null;
}

function itemsOf(
  resources: Iterable<Resource>,
  type: string,
  pick: (data: Record<string, unknown>) => Record<string, unknown>,
) {
  return [...resources]
    .filter((resource) => resource.type === type)
    .map((resource) => ({ id: resource.id, name: resource.name, facts: pick(resource.data) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export async function buildReport(
  store: Store,
  scan: ScanResult,
  facts: { accountId: string; region: string; nowMs: number },
): Promise<PciReport> {
  const findings = sortFindings(scan.findings);
  const requirements = requirementSections.map((section): RequirementReport => {
    const own = findings.filter((finding) =>
      finding.requirements.some((id) => principalRequirement(id) === section.id),
    );
    const counts = { pass: 0, fail: 0, muted: 0 };
    for (const finding of own) counts[finding.status === 'pass' ? 'pass' : finding.muted ? 'muted' : 'fail']++;
    const mutes = new Map<string, Mute>();
    for (const { muted } of own) if (muted) mutes.set(JSON.stringify([muted.rule, muted.resource]), muted);
    return {
      id: section.id,
      title: section.title,
      status: own.length === 0 ? 'not-assessed' : counts.fail > 0 ? 'fail' : counts.muted > 0 ? 'muted' : 'pass',
      responsibility: { pciq: section.pciq, operator: section.operator },
      counts,
      mutes: [...mutes.values()],
      findings: own,
    };
  });
  const resources = [...scan.resources.values()];
  const trail = resources.find((resource) => resource.type === 'audit-trail')?.data;
  const verification = trail?.verification as Record<string, unknown> | undefined;
  const retention = trail?.retention as Record<string, number> | undefined;
  const server = resources.find((resource) => resource.type === 'server')?.data;
  const certificate = server?.certificate as Record<string, unknown> | null | undefined;
  const scans = await store.read((tx) => tx.compliance.scans(100));
  return {
    format: 'pciq-pci-report/1',
    generatedAt: new Date(facts.nowMs).toISOString(),
    standard: 'PCI DSS v4.0.1',
    accountId: facts.accountId,
    region: facts.region,
    summary: scan.summary,
    requirements,
    inventory: {
      queues: itemsOf(resources, 'queue', (data) => ({
        fifo: data.isFifo,
        key: (data.kmsKey as Record<string, unknown>).ref,
        customerKey: (data.kmsKey as Record<string, unknown>).isCustomerKey,
        retentionSec: data.retentionSec,
        deadLetterQueue: data.hasDeadLetterQueue,
        quarantine: data.quarantine,
      })),
      keys: itemsOf(resources, 'kms-key', (data) => ({
        aliases: data.aliases,
        manager: data.keyManager,
        state: data.state,
        rotationDays: (data.rotation as Record<string, unknown>).periodDays,
        queues: data.usedByQueueCount,
      })),
      accessKeys: itemsOf(resources, 'access-key', (data) => ({
        principal: data.principal,
        status: data.status,
        created: new Date(data.createdAtMs as number).toISOString(),
        lastUsed: data.lastUsedAtMs === null ? null : new Date(data.lastUsedAtMs as number).toISOString(),
      })),
      principals: ['iam-root', 'iam-user', 'iam-role'].flatMap((type) =>
        itemsOf(resources, type, (data) => ({
          kind: type.slice(4),
          ...(type === 'iam-role' ? {} : { person: data.hasLoginProfile, mfa: data.hasMfa }),
          ...(Array.isArray(data.activeAccessKeys) ? { activeAccessKeys: data.activeAccessKeys.length } : {}),
          sessions: data.sessions,
          lastUsed: typeof data.lastUsedAtMs === 'number' ? new Date(data.lastUsedAtMs).toISOString() : null,
          ...(type === 'iam-root' ? {} : { quarantine: data.quarantine }),
        })),
      ),
      functions: itemsOf(resources, 'function', (data) => ({ ...data })),
      certificates: certificate
        ? [
            {
              id: String(server?.endpoint ?? 'server certificate'),
              name: String(certificate.subject),
              facts: { issuer: certificate.issuer, notAfter: certificate.notAfter, source: certificate.source },
            },
          ]
        : [],
    },
    audit: {
      isVerified: (verification?.isValid as boolean | undefined) ?? null,
      recordsChecked: (verification?.recordsChecked as number | undefined) ?? null,
      checkpointsChecked: (verification?.checkpointsChecked as number | undefined) ?? null,
      failures: (verification?.failures as number | undefined) ?? null,
      firstFailure: (verification?.firstFailure as string | null | undefined) ?? null,
      retainDays: retention?.retainDays ?? null,
      hotDays: retention?.hotDays ?? null,
      clockSource: (trail?.clockSource as string | undefined) ?? null,
    },
    history: scans
      .map((row) => {
        const summary = JSON.parse(row.summary) as ScanSummary;
        return {
          time: new Date(row.timeMs).toISOString(),
          trigger: row.trigger,
          score: summary.score,
          pass: summary.pass,
          fail: summary.fail,
          muted: summary.muted,
        };
      })
      .reverse(),
  };
}
