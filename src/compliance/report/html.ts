import type { Finding } from '../findings.ts';
import type { Mute } from '../mutelist.ts';
import type { InventoryItem, PciReport, RequirementReport } from './model.ts';

function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const colors = { pass: '#2e7d32', fail: '#c62828', muted: '#9e9e9e', none: '#e0e0e0' };

/** Stacked bars of pass / fail / muted per requirement: the chart an assessor looks at first. */
function requirementChart(requirements: readonly RequirementReport[]): string {
  const rowHeight = 22;
  const labelWidth = 40;
  const barWidth = 520;
  const max = Math.max(1, ...requirements.map((r) => r.counts.pass + r.counts.fail + r.counts.muted));
  const rows = requirements.map((requirement, index) => {
    const y = index * rowHeight + 4;
    let x = labelWidth;
    const parts: string[] = [];
    for (const kind of ['pass', 'fail', 'muted'] as const) {
      const width = (requirement.counts[kind] / max) * barWidth;
      if (width > 0)
        parts.push(
          `<rect x="${x.toFixed(1)}" y="${y}" width="${width.toFixed(1)}" height="16" fill="${colors[kind]}"/>`,
        );
      x += width;
    }
    if (parts.length === 0)
      parts.push(`<rect x="${labelWidth}" y="${y}" width="${barWidth}" height="16" fill="${colors.none}"/>`);
    const total = requirement.counts.pass + requirement.counts.fail + requirement.counts.muted;
    const label =
      total === 0
        ? 'not assessed by pciq'
        : `${requirement.counts.pass} pass, ${requirement.counts.fail} fail, ${requirement.counts.muted} muted`;
    return `<text x="0" y="${y + 13}" font-size="12">Req ${escapeHtml(requirement.id)}</text>${parts.join('')}<text x="${labelWidth + barWidth + 8}" y="${y + 13}" font-size="11">${escapeHtml(label)}</text>`;
  });
  const height = requirements.length * rowHeight + 8;
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Pass and fail counts per PCI DSS requirement" width="760" height="${height}" viewBox="0 0 760 ${height}" font-family="sans-serif">${rows.join('')}</svg>`;
}

/** The score over time, oldest on the left. */
function historyChart(history: PciReport['history']): string {
  if (history.length === 0) return '<p>No scan history yet.</p>';
  const width = 640;
  const height = 160;
  const step = history.length > 1 ? width / (history.length - 1) : 0;
  const points = history.map(
    (entry, index) => `${(40 + index * step).toFixed(1)},${(10 + (100 - entry.score) * 1.4).toFixed(1)}`,
  );
  const dots = points.map((point) => {
    const [cx, cy] = point.split(',');
    return `<circle cx="${cx}" cy="${cy}" r="3" fill="#1565c0"/>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Compliance score history" width="${width + 60}" height="${height + 20}" viewBox="0 0 ${width + 60} ${height + 20}" font-family="sans-serif">
<line x1="40" y1="10" x2="40" y2="150" stroke="#999"/><line x1="40" y1="150" x2="${width + 40}" y2="150" stroke="#999"/>
<text x="0" y="14" font-size="11">100%</text><text x="8" y="154" font-size="11">0%</text>
<polyline fill="none" stroke="#1565c0" stroke-width="2" points="${points.join(' ')}"/>${dots.join('')}</svg>`;
}

/** Who accepted a failure, answerable for it, why, and until when. */
function muteText(mute: Mute): string {
  return `Muted by ${mute.createdBy} (owner ${mute.owner}) until ${mute.expiresAt.slice(0, 10)}: ${mute.reason}`;
}

/** A requirement whose failures are all muted says so, and by whom, where a passing one says PASS. */
function muteList(mutes: readonly Mute[]): string {
  if (mutes.length === 0) return '';
  const items = mutes.map(
    (mute) =>
      `<li><strong>${escapeHtml(mute.rule === '*' ? 'every rule' : mute.rule)}</strong> on ${escapeHtml(mute.resource)}: ${escapeHtml(muteText(mute))}</li>`,
  );
  return `<div class="mutes"><strong>Failing checks accepted as risks (muted)</strong><ul>${items.join('')}</ul></div>`;
}

function findingRows(findings: readonly Finding[]): string {
  if (findings.length === 0)
    return '<p class="none">No pciq rule covers this requirement: the operator provides its evidence.</p>';
  const rows = findings.map((finding) => {
    const status = finding.status === 'pass' ? 'PASS' : finding.muted ? 'MUTED' : 'FAIL';
    const evidence = finding.evidence.comparisons
      .map((c) => `${c.key} ${c.op} ${JSON.stringify(c.expected)} → ${JSON.stringify(c.actual)}`)
      .join('; ');
    const mute = finding.muted ? `<div class="mute">${escapeHtml(muteText(finding.muted))}</div>` : '';
    return `<tr class="${status.toLowerCase()}"><td><span class="badge ${status.toLowerCase()}">${status}</span></td><td>${escapeHtml(finding.severity)}</td><td><strong>${escapeHtml(finding.rule)}</strong><div>${escapeHtml(finding.evidence.description)}</div>${mute}</td><td class="resource">${escapeHtml(finding.resource)}</td><td>${escapeHtml(finding.requirements.join(', '))}</td><td class="evidence">${escapeHtml(evidence)}${finding.evidence.detail ? `<div>${escapeHtml(finding.evidence.detail)}</div>` : ''}</td><td>${finding.status === 'pass' ? '' : escapeHtml(finding.remediation)}</td></tr>`;
  });
  return `<table><thead><tr><th>Status</th><th>Severity</th><th>Check</th><th>Resource</th><th>Req.</th><th>Evidence</th><th>Remediation</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function inventoryTable(title: string, items: readonly InventoryItem[]): string {
  if (items.length === 0) return `<h3>${escapeHtml(title)}</h3><p class="none">None.</p>`;
  const keys = [...new Set(items.flatMap((item) => Object.keys(item.facts)))];
  const rows = items.map(
    (item) =>
      `<tr><td>${escapeHtml(item.name)}</td>${keys.map((key) => `<td>${escapeHtml(Array.isArray(item.facts[key]) ? (item.facts[key] as unknown[]).join(', ') : item.facts[key])}</td>`).join('')}</tr>`,
  );
  return `<h3>${escapeHtml(title)}</h3><table><thead><tr><th>Name</th>${keys.map((key) => `<th>${escapeHtml(key)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

const style = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#212121;line-height:1.4}
h1{margin-bottom:.2rem}h2{border-bottom:2px solid #1565c0;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;font-size:12px;margin:.5rem 0}th,td{border:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#eceff1}.badge{font-weight:bold;padding:1px 6px;border-radius:3px;color:#fff}.badge.pass{background:${colors.pass}}
.badge.fail{background:${colors.fail}}.badge.muted{background:${colors.muted}}tr.muted{color:#616161}.mute{font-style:italic;color:#616161}
.resource,.evidence{word-break:break-all;font-family:ui-monospace,monospace;font-size:11px}.none{color:#616161;font-style:italic}
.score{font-size:2.5rem;font-weight:bold}.status-pass{color:${colors.pass}}.status-fail{color:${colors.fail}}.status-muted{color:#616161}.status-not-assessed{color:#616161}
.mutes{background:#f5f5f5;padding:.5rem;margin:.5rem 0;font-size:13px}
.split{display:grid;grid-template-columns:1fr 1fr;gap:1rem;font-size:13px}.split div{background:#f5f5f5;padding:.5rem}
.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}
@media print{body{margin:1cm}section.requirement{break-inside:avoid-page}h2{break-after:avoid}a{color:inherit;text-decoration:none}}
`;

/** One self-contained, printable HTML document: no scripts, no external assets, charts as inline SVG. */
export function reportHtml(report: PciReport): string {
  const { summary, audit } = report;
  const sections = report.requirements.map(
    (
      requirement,
    ) => `<section class="requirement" id="requirement-${escapeHtml(requirement.id)}" data-requirement="${escapeHtml(requirement.id)}">
<h2>Requirement ${escapeHtml(requirement.id)}: ${escapeHtml(requirement.title)} — <span class="status-${requirement.status}">${escapeHtml(requirement.status.replace('-', ' ').toUpperCase())}</span></h2>
<div class="split"><div><strong>pciq covers</strong><br>${escapeHtml(requirement.responsibility.pciq)}</div><div><strong>The operator covers</strong><br>${escapeHtml(requirement.responsibility.operator)}</div></div>
${muteList(requirement.mutes)}
${findingRows(requirement.findings)}
</section>`,
  );
  const responsibility = report.requirements
    .map(
      (r) =>
        `<tr><td>${escapeHtml(r.id)}</td><td>${escapeHtml(r.title)}</td><td>${escapeHtml(r.responsibility.pciq)}</td><td>${escapeHtml(r.responsibility.operator)}</td></tr>`,
    )
    .join('');
  const skipped = summary.skipped.length
    ? `<h3>Checks not run</h3><ul>${summary.skipped.map((s) => `<li>${escapeHtml(s.policy)}: ${escapeHtml(s.reason)}</li>`).join('')}</ul>`
    : '';
  const auditText =
    audit.isVerified === null
      ? 'Not verified in this scan.'
      : audit.isVerified
        ? `Verified: ${audit.recordsChecked} records and ${audit.checkpointsChecked} signed checkpoints check out.`
        : `FAILED: ${audit.failures} problems; first: ${escapeHtml(audit.firstFailure)}. Run pciq audit verify.`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>PCI DSS evidence report — pciq account ${escapeHtml(report.accountId)}</title>
<style>${style}</style></head>
<body>
<header><h1>PCI DSS v4.0.1 evidence report</h1>
<p>pciq account ${escapeHtml(report.accountId)}, region ${escapeHtml(report.region)} — generated ${escapeHtml(report.generatedAt)}</p></header>
<section id="summary"><h2>Summary</h2>
<p class="score" id="score">${escapeHtml(summary.score)}%</p>
<p>${summary.pass} checks pass, ${summary.fail} fail, ${summary.muted} failing checks are muted (accepted with a reason, an owner and an expiry), over ${summary.resources} resources and ${summary.policies} policies.</p>
<p class="legend"><span style="background:${colors.pass}"></span>pass<span style="background:${colors.fail}"></span>fail<span style="background:${colors.muted}"></span>muted<span style="background:${colors.none}"></span>not assessed</p>
${requirementChart(report.requirements)}
${skipped}
</section>
${sections.join('\n')}
<section id="responsibility"><h2>Shared responsibility</h2>
<table><thead><tr><th>Req.</th><th>Requirement</th><th>pciq</th><th>Operator</th></tr></thead><tbody>${responsibility}</tbody></table></section>
<section id="inventory"><h2>Asset inventory (PCI DSS 12.5.1, 4.2.1.1)</h2>
${inventoryTable('Queues', report.inventory.queues)}${inventoryTable('Keys', report.inventory.keys)}${inventoryTable('Access keys', report.inventory.accessKeys)}${inventoryTable('Principals', report.inventory.principals)}${inventoryTable('Functions', report.inventory.functions)}${inventoryTable('Certificates', report.inventory.certificates)}
</section>
<section id="audit"><h2>Audit trail verification (PCI DSS 10.3.4, 10.5.1)</h2>
<p>${auditText}</p><p>Retention: ${escapeHtml(audit.retainDays)} days, ${escapeHtml(audit.hotDays)} immediately searchable. Clock source: ${escapeHtml(audit.clockSource)}.</p></section>
<section id="history"><h2>Score history</h2>${historyChart(report.history)}
<table><thead><tr><th>Time</th><th>Trigger</th><th>Score</th><th>Pass</th><th>Fail</th><th>Muted</th></tr></thead><tbody>${report.history
    .map(
      (h) =>
        `<tr><td>${escapeHtml(h.time)}</td><td>${escapeHtml(h.trigger)}</td><td>${escapeHtml(h.score)}%</td><td>${h.pass}</td><td>${h.fail}</td><td>${h.muted}</td></tr>`,
    )
    .join('')}</tbody></table></section>
</body></html>
`;
}
