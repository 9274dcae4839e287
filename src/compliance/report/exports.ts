import { csvLine } from '../../core/index.ts';
import type { Finding } from '../findings.ts';
import type { PciReport } from './model.ts';

const csvColumns = [
  'PROVIDER',
  'ACCOUNTID',
  'REGION',
  'ASSESSMENTDATE',
  'REQUIREMENTS_ID',
  'REQUIREMENTS_DESCRIPTION',
  'STATUS',
  'STATUSEXTENDED',
  'RESOURCEID',
  'RESOURCENAME',
  'CHECKID',
  'SEVERITY',
  'MUTED',
  'REMEDIATION',
];

/**
 * Prowler's compliance CSV (semicolon-separated, the columns assessors know): one row per requirement and
 * finding; a requirement no rule covers gets one MANUAL row, to be answered by the operator's evidence.
 */
export function reportCsv(report: PciReport): string {
  const rows: unknown[][] = [];
  const base = ['pciq', report.accountId, report.region, report.generatedAt];
  for (const requirement of report.requirements) {
    if (requirement.findings.length === 0) {
      rows.push([
        ...base,
        requirement.id,
        requirement.title,
        'MANUAL',
        requirement.responsibility.operator,
        '',
        '',
        '',
        '',
        'False',
        '',
      ]);
      continue;
    }
    for (const finding of requirement.findings) {
      for (const id of finding.requirements.filter((item) => item.split('.')[0] === requirement.id)) {
        rows.push([
          ...base,
          id,
          requirement.title,
          finding.status === 'pass' ? 'PASS' : 'FAIL',
          statusExtended(finding),
          finding.resource,
          finding.evidence.resourceName,
          finding.rule,
          finding.severity,
          finding.muted ? 'True' : 'False',
          finding.remediation,
        ]);
      }
    }
  }
  return `${[csvColumns, ...rows].map((row) => csvLine(row, ';')).join('\n')}\n`;
}

function statusExtended(finding: Finding): string {
  const evidence = finding.evidence.comparisons
    .map((c) => `${c.key} ${c.op} ${JSON.stringify(c.expected)} (found ${JSON.stringify(c.actual)})`)
    .join('; ');
  const muted = finding.muted
    ? ` Muted by ${finding.muted.createdBy} (owner ${finding.muted.owner}) until ${finding.muted.expiresAt}: ${finding.muted.reason}.`
    : '';
  return `${finding.evidence.description} Evidence: ${evidence}.${muted}`;
}

const severityIds: Record<string, number> = { informational: 1, low: 2, medium: 3, high: 4, critical: 5 };

/**
 * Findings as OCSF 1.1 Detection Finding events (class 2004), for a SIEM: one event per result, failing
 * ones New (or Suppressed when muted), passing ones Resolved, with the PCI DSS requirements in `compliance`.
 */
export function reportOcsf(report: PciReport, findings: readonly Finding[]): Array<Record<string, unknown>> {
  const time = Date.parse(report.generatedAt);
  return findings.map((finding) => {
    const status = finding.status === 'pass' ? 'Resolved' : finding.muted ? 'Suppressed' : 'New';
    return {
      class_uid: 2004,
      class_name: 'Detection Finding',
      category_uid: 2,
      category_name: 'Findings',
      activity_id: 1,
      activity_name: 'Create',
      type_uid: 200401,
      time,
      severity_id: severityIds[finding.severity] ?? 0,
      severity: finding.severity.charAt(0).toUpperCase() + finding.severity.slice(1),
      status,
      status_id: status === 'New' ? 1 : status === 'Suppressed' ? 3 : 4,
      message: finding.evidence.description,
      finding_info: {
        uid: `${finding.rule}:${finding.resource}`,
        title: finding.rule,
        desc: finding.evidence.description,
        types: ['Compliance'],
        first_seen_time: Date.parse(finding.firstSeenAt),
        last_seen_time: Date.parse(finding.lastSeenAt),
      },
      resources: [{ uid: finding.resource, name: finding.evidence.resourceName, type: finding.resourceType }],
      compliance: {
        standards: [report.standard],
        requirements: finding.requirements,
        status: finding.status === 'pass' ? 'Pass' : 'Fail',
      },
      remediation: { desc: finding.remediation },
      evidences: finding.evidence.comparisons.map((c) => ({
        data: { key: c.key, op: c.op, expected: c.expected, actual: c.actual },
      })),
      cloud: { provider: 'pciq', account: { uid: report.accountId }, region: report.region },
      metadata: { version: '1.1.0', product: { name: 'pciq', vendor_name: 'pciq' } },
      unmapped: finding.muted ? { mute: finding.muted } : {},
    };
  });
}
