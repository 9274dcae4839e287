import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  type ChangeOutcome,
  type Finding,
  loadFindings,
  makePlan,
  muteOf,
  PlanError,
  proposeChanges,
  type RemediationPlan,
  Remediator,
  readPlan,
  type ScanSummary,
  severities,
  severityRank,
  sortFindings,
} from '../compliance/index.ts';
import { redactCardData, systemClock } from '../core/index.ts';
import { ComplianceSession, type ComplianceValues, complianceOptions, operatorName } from './compliance-session.ts';
import { CliError } from './data-dir.ts';

export const complianceUsage = `pciq compliance scan [--plan FILE] [--fail-on SEVERITY] [--json] [--policies PATH]... [--compliance-config FILE]
  Evaluates the policies (the default pack, plus --policies files or directories and the configuration's) on
  the data directory's resources, stores the findings and prints the failing ones. --plan FILE also writes
  what the policies' actions would change (a dry run: nothing is changed). --fail-on high exits 4 when an
  unmuted finding of that severity or above fails.

pciq compliance apply PLAN [--approver NAME]
  Carries out exactly the changes of a plan, once, if every resource is still as the plan found it.

pciq compliance findings [--status fail|pass|muted|all] [--rule NAME] [--json]
pciq compliance mute --rule NAME|* --resource ID|PATTERN --reason TEXT --owner NAME --expires DATE|DURATION
pciq compliance unmute --rule NAME|* --resource ID|PATTERN          pciq compliance mutes [--json]
pciq compliance remediations [--json]                                 pciq compliance revert ID [--approver NAME]
pciq compliance policies [--json]
  Commands that open a data directory take --data-dir DIR --key-file FILE [--audit-config FILE].`;

type OptionSpec = { type: 'string' | 'boolean'; multiple?: boolean };

function parse<const T extends Record<string, OptionSpec>>(argv: string[], extra: T) {
  const options: typeof complianceOptions & T = { ...complianceOptions, ...extra };
  return parseArgs({
    args: argv,
    options,
    strict: true,
    allowPositionals: true,
  });
}

async function withSession<T>(values: ComplianceValues, work: (session: ComplianceSession) => Promise<T>): Promise<T> {
  const session = await ComplianceSession.open(values);
  try {
    return await work(session);
  } finally {
    await session.close();
  }
}

function describeComparison(finding: Finding): string {
  return finding.evidence.comparisons
    .map(
      (c) =>
        `${c.key} ${c.op}${c.expected === null ? '' : ` ${JSON.stringify(c.expected)}`} (found ${JSON.stringify(c.actual)})`,
    )
    .join('; ');
}

export function findingLines(findings: readonly Finding[]): string[] {
  const lines: string[] = [];
  for (const finding of findings) {
    const label = finding.status === 'pass' ? 'PASS ' : finding.muted ? 'MUTED' : 'FAIL ';
    lines.push(`${label} ${finding.severity.padEnd(8)} ${finding.rule.padEnd(34)} ${finding.resource}`);
    if (finding.status === 'pass') continue;
    lines.push(`      ${finding.evidence.description}`);
    lines.push(
      `      evidence: ${describeComparison(finding)}${finding.evidence.detail ? `; ${finding.evidence.detail}` : ''}`,
    );
    lines.push(`      PCI DSS ${finding.requirements.join(', ')}; fix: ${finding.remediation}`);
    if (finding.muted) {
      lines.push(`      muted by ${finding.muted.owner} until ${finding.muted.expiresAt}: ${finding.muted.reason}`);
    }
  }
  return lines;
}

function summaryLine(summary: ScanSummary): string {
  return `score ${summary.score}% (${summary.pass} pass, ${summary.fail} fail, ${summary.muted} muted) over ${summary.resources} resources and ${summary.policies} policies`;
}

function changeLines(plan: Pick<RemediationPlan, 'changes'>): string[] {
  return plan.changes.map(
    (change) =>
      `  ${change.id}  ${change.action.padEnd(28)} ${change.resource}\n       ${change.description}\n       before ${JSON.stringify(change.before)}\n       after  ${JSON.stringify(change.after)}`,
  );
}

async function scan(argv: string[]): Promise<void> {
  const { values } = parse(argv, {
    plan: { type: 'string' },
    'fail-on': { type: 'string' },
    json: { type: 'boolean' },
  });
  const failOn = values['fail-on'];
  if (failOn !== undefined && !(severities as readonly string[]).includes(failOn)) {
    throw new CliError(`--fail-on must be one of ${severities.join(', ')}`);
  }
  await withSession(values, async (session) => {
    const result = await session.scanner.scan(session.scanContext, { trigger: 'on-demand' });
    let plan: RemediationPlan | undefined;
    if (values.plan !== undefined) {
      const changes = await proposeChanges(
        result.findings,
        result.resources,
        session.scanner,
        session.actions,
        session.actionContext,
      );
      plan = makePlan(session.audit.opened.keys.system, changes, {
        accountId: session.scanContext.accountId,
        nowMs: systemClock.now(),
      });
      writeFileSync(values.plan, `${JSON.stringify(plan, null, 2)}\n`, { mode: 0o600 });
    }
    const { summary } = result;
    await session.record('compliance:Scan', {
      score: summary.score,
      pass: summary.pass,
      fail: summary.fail,
      muted: summary.muted,
      planId: plan?.planId ?? null,
      planChanges: plan?.changes.length ?? null,
    });
    const findings = sortFindings(result.findings);
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ summary, findings, plan: plan ?? null })}\n`);
    } else {
      const shown = findings.filter((finding) => finding.status === 'fail');
      const lines = [`pciq compliance scan: ${summaryLine(summary)}`, ...findingLines(shown)];
      for (const skipped of summary.skipped) lines.push(`SKIP  ${skipped.policy}: ${skipped.reason}`);
      if (plan) {
        lines.push(
          plan.changes.length === 0
            ? `plan ${values.plan}: no action would change anything`
            : `plan ${values.plan} (${plan.planId}): ${plan.changes.length} changes; review them, then run pciq compliance apply ${values.plan}`,
          ...changeLines(plan),
        );
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    if (failOn !== undefined) {
      const floor = severityRank[failOn] ?? 0;
      const blocking = findings.some(
        (finding) => finding.status === 'fail' && !finding.muted && (severityRank[finding.severity] ?? 0) >= floor,
      );
      if (blocking) process.exitCode = 4;
    }
  });
}

function outcomeLines(outcomes: readonly ChangeOutcome[]): string[] {
  return outcomes.map(
    (outcome) =>
      `  ${outcome.outcome === 'success' ? 'done  ' : 'FAILED'} ${outcome.change.id} ${outcome.change.action} ${outcome.change.resource} (remediation ${outcome.remediationId})${outcome.error ? `: ${outcome.error}` : ''}`,
  );
}

async function apply(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, { approver: { type: 'string' } });
  const file = positionals[0];
  if (file === undefined || positionals.length > 1)
    throw new CliError('name one plan file: pciq compliance apply PLAN');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new CliError(`cannot read the plan ${file}`);
  }
  await withSession(values, async (session) => {
    const approver = values.approver ?? operatorName();
    let outcomes: ChangeOutcome[];
    try {
      const plan = readPlan(session.audit.opened.keys.system, text, session.scanContext.accountId);
      outcomes = await new Remediator(session.actions, session.actionContext).applyPlan(plan, approver);
    } catch (error) {
      if (error instanceof PlanError) throw new CliError(`${file}: ${error.message}`);
      throw error;
    }
    await session.audit.checkpointer.checkpoint('command');
    const failed = outcomes.filter((outcome) => outcome.outcome === 'failure').length;
    process.stdout.write(
      `${[`pciq compliance apply: ${outcomes.length - failed} of ${outcomes.length} changes made, approved by ${approver}`, ...outcomeLines(outcomes)].join('\n')}\n`,
    );
    if (failed > 0) process.exitCode = 1;
  });
}

async function findings(argv: string[]): Promise<void> {
  const { values } = parse(argv, { status: { type: 'string' }, rule: { type: 'string' }, json: { type: 'boolean' } });
  const status = values.status ?? 'fail';
  if (!['fail', 'pass', 'muted', 'all'].includes(status))
    throw new CliError('--status must be fail, pass, muted or all');
  await withSession(values, async (session) => {
    const all = sortFindings(await loadFindings(session.audit.opened.store, systemClock));
    const shown = all.filter(
      (finding) =>
        (values.rule === undefined || finding.rule === values.rule) &&
        (status === 'all' ||
          (status === 'pass' && finding.status === 'pass') ||
          (status === 'fail' && finding.status === 'fail') ||
          (status === 'muted' && finding.muted !== null)),
    );
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ findings: shown })}\n`);
      return;
    }
    const lines = findingLines(shown);
    process.stdout.write(lines.length > 0 ? `${lines.join('\n')}\n` : 'no findings (run pciq compliance scan)\n');
  });
}

const durationDays = /^(\d{1,4})d$/;

function expiryOf(value: string | undefined, nowMs: number): number {
  if (value === undefined) throw new CliError('--expires is required: a date (2026-12-31) or a number of days (30d)');
  const days = durationDays.exec(value);
  const ms = days ? nowMs + Number(days[1]) * 86_400_000 : Date.parse(value);
  if (!Number.isFinite(ms))
    throw new CliError(
      `--expires must be a date (2026-12-31) or a number of days (30d), not '${redactCardData(value.slice(0, 40))}'`,
    );
  if (ms <= nowMs) throw new CliError('--expires must be in the future');
  if (ms - nowMs > 366 * 86_400_000)
    throw new CliError('--expires is at most a year away: accepted risks are reviewed at least yearly');
  return ms;
}

function requireText(value: string | undefined, name: string, max = 512): string {
  if (value === undefined || value.trim() === '') throw new CliError(`--${name} is required`);
  if (value.length > max) throw new CliError(`--${name} is at most ${max} characters`);
  return redactCardData(value.trim());
}

async function mute(argv: string[]): Promise<void> {
  const { values } = parse(argv, {
    rule: { type: 'string' },
    resource: { type: 'string' },
    reason: { type: 'string' },
    owner: { type: 'string' },
    expires: { type: 'string' },
  });
  const rule = requireText(values.rule, 'rule', 80);
  const resource = requireText(values.resource, 'resource', 2048);
  const reason = requireText(values.reason, 'reason');
  const owner = requireText(values.owner, 'owner', 128);
  const nowMs = systemClock.now();
  const expiresAtMs = expiryOf(values.expires, nowMs);
  await withSession(values, async (session) => {
    if (rule !== '*' && !session.scanner.policy(rule)) throw new CliError(`there is no policy named ${rule}`);
    const row = { rule, resource, reason, owner, expiresAtMs, createdAtMs: nowMs, createdBy: operatorName() };
    await session.audit.opened.store.write((tx) => tx.compliance.putMute(row));
    await session.record(
      'compliance:Mute',
      { rule, owner, reason, expiresAt: new Date(expiresAtMs).toISOString() },
      resource,
    );
    process.stdout.write(
      `muted ${rule} on ${resource} until ${new Date(expiresAtMs).toISOString()} (owner ${owner})\n`,
    );
  });
}

async function unmute(argv: string[]): Promise<void> {
  const { values } = parse(argv, { rule: { type: 'string' }, resource: { type: 'string' } });
  const rule = requireText(values.rule, 'rule', 80);
  const resource = requireText(values.resource, 'resource', 2048);
  await withSession(values, async (session) => {
    const removed = await session.audit.opened.store.write((tx) => tx.compliance.deleteMute(rule, resource));
    if (!removed) throw new CliError(`no mute for ${rule} on ${resource} (pciq compliance mutes lists them)`);
    await session.record('compliance:Unmute', { rule }, resource);
    process.stdout.write(`unmuted ${rule} on ${resource}\n`);
  });
}

async function mutes(argv: string[]): Promise<void> {
  const { values } = parse(argv, { json: { type: 'boolean' } });
  await withSession(values, async (session) => {
    const list = (await session.audit.opened.store.read((tx) => tx.compliance.mutes())).map(muteOf);
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ mutes: list })}\n`);
      return;
    }
    const now = systemClock.now();
    const lines = list.map(
      (entry) =>
        `${entry.rule.padEnd(34)} ${entry.resource}\n  owner ${entry.owner}, until ${entry.expiresAt}${Date.parse(entry.expiresAt) <= now ? ' (EXPIRED)' : ''}: ${entry.reason}`,
    );
    process.stdout.write(lines.length > 0 ? `${lines.join('\n')}\n` : 'no mutes\n');
  });
}

async function remediations(argv: string[]): Promise<void> {
  const { values } = parse(argv, { json: { type: 'boolean' } });
  await withSession(values, async (session) => {
    const rows = await session.audit.opened.store.read((tx) => tx.compliance.remediations(1_000));
    const list = rows.map((row) => ({
      ...row,
      time: new Date(row.timeMs).toISOString(),
      before: JSON.parse(row.before) as unknown,
      after: JSON.parse(row.after) as unknown,
    }));
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ remediations: list })}\n`);
      return;
    }
    const lines = list.map(
      (row) =>
        `#${row.id} ${row.time} ${row.outcome.padEnd(7)} ${row.action} ${row.resource} (${row.rule}; ${row.planId ? `plan ${row.planId}` : 'automatic'}; by ${row.actor})\n    before ${JSON.stringify(row.before)}\n    after  ${JSON.stringify(row.after)}`,
    );
    process.stdout.write(lines.length > 0 ? `${lines.join('\n')}\n` : 'no remediations\n');
  });
}

async function revert(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, { approver: { type: 'string' } });
  const id = Number(positionals[0]);
  if (!Number.isInteger(id) || id < 1) throw new CliError('name the remediation to undo: pciq compliance revert ID');
  await withSession(values, async (session) => {
    let outcome: ChangeOutcome;
    try {
      outcome = await new Remediator(session.actions, session.actionContext).revert(
        id,
        values.approver ?? operatorName(),
      );
    } catch (error) {
      if (error instanceof PlanError) throw new CliError(error.message);
      throw error;
    }
    await session.audit.checkpointer.checkpoint('command');
    process.stdout.write(`${outcomeLines([outcome]).join('\n')}\n`);
    if (outcome.outcome === 'failure') process.exitCode = 1;
  });
}

async function policies(argv: string[]): Promise<void> {
  const { values } = parse(argv, { json: { type: 'boolean' } });
  await withSession(values, async (session) => {
    const list = session.scanner.policies.map((policy) => ({
      ...policy,
      hasProvider: session.scanner.providers.has(policy.resource),
    }));
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ policies: list })}\n`);
      return;
    }
    const lines = list.map(
      (policy) =>
        `${policy.name.padEnd(34)} ${policy.resource.padEnd(12)} ${policy.severity.padEnd(9)} PCI DSS ${policy.requirements.join(',').padEnd(16)} ${policy.mode.type}${policy.actions.length ? ` actions: ${policy.actions.map((a) => a.type).join(',')}` : ''}${policy.autoRemediate ? ' (automatic)' : ''}${policy.source === 'default' ? '' : ` [${policy.source}]`}`,
    );
    process.stdout.write(`${lines.join('\n')}\n`);
  });
}

const subcommands: Record<string, (argv: string[]) => Promise<void>> = {
  scan,
  apply,
  findings,
  mute,
  unmute,
  mutes,
  remediations,
  revert,
  policies,
};

/** `pciq compliance <command>`: continuous compliance on the data directory. */
export async function complianceCommand(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  const command = name === undefined ? undefined : subcommands[name];
  if (!command) {
    throw new CliError(
      `unknown compliance command '${String(name ?? '')}'; one of ${Object.keys(subcommands).join(', ')} (run \`pciq help\`)`,
    );
  }
  await command(rest);
}
