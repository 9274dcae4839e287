import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { systemClock } from '../core/index.ts';
import {
  type Incident,
  IncidentError,
  type IncidentService,
  snapshotSigningKey,
  type TargetKind,
  targetKinds,
  verifySnapshot,
} from '../incident/index.ts';
import { ComplianceSession, complianceOptions } from './compliance-session.ts';
import { CliError } from './data-dir.ts';

export const incidentUsage = `pciq incident quarantine principal|queue|key|function ID --reason TEXT [--audit-window 7d]
  Takes a forensic snapshot of ID (configuration, policies, sessions, queue metadata and messages still
  sealed, the audit range with its signed checkpoints; hashed, signed, written read-only to DIR/incidents and
  its hash recorded in the audit trail), then contains it: a queue refuses receives, purge and delete; a key
  is disabled; a function's queue mappings stop. Prints the incident id.
pciq incident release ID [--accept-risk REASON]
  Re-runs the rules on the contained resource and lifts containment when they pass (or with the risk accepted).
pciq incident list [--json]          pciq incident show ID [--json]          pciq incident public-key
pciq incident snapshot verify FILE [--key-id FINGERPRINT]
  Checks a snapshot's hash, signature and audit export without the data directory; exits 3 when it fails.`;

function parse<const T extends Record<string, { type: 'string' | 'boolean' }>>(argv: string[], extra: T) {
  const options: typeof complianceOptions & T = { ...complianceOptions, ...extra };
  return parseArgs({ args: argv, options, strict: true, allowPositionals: true });
}

async function withService<T>(
  values: Parameters<typeof ComplianceSession.open>[0],
  work: (service: IncidentService, session: ComplianceSession) => Promise<T>,
): Promise<T> {
  const session = await ComplianceSession.open(values);
  try {
    const service = session.incidents();
    return await work(service, session);
  } catch (error) {
    if (error instanceof IncidentError) throw new CliError(error.message);
    throw error;
  } finally {
    await session.close();
  }
}

function incidentText(incident: Incident): string {
  const lines = [
    `${incident.id}  ${incident.status.toUpperCase()}  ${incident.kind} ${incident.target}`,
    `  reason     ${incident.reason}`,
    `  opened     ${incident.openedAt} by ${incident.openedBy}`,
    `  snapshot   ${incident.snapshot.file}`,
    `             sha256 ${incident.snapshot.sha256}, signed by ${incident.snapshot.keyId}`,
    ...(incident.snapshot.omissions ?? []).map((omission) => `             PARTIAL: ${omission}`),
    `  contained  ${incident.containment.action}`,
  ];
  if (incident.release) {
    lines.push(
      `  released   ${incident.release.at} by ${incident.release.by}${incident.release.acceptedRisk ? `, risk accepted: ${incident.release.acceptedRisk}` : ''}`,
    );
  }
  lines.push('  timeline');
  for (const entry of incident.timeline) lines.push(`    ${entry.time}  ${entry.event.padEnd(10)} ${entry.detail}`);
  return lines.join('\n');
}

const durationDays = /^(\d{1,3})d$/;

async function quarantine(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, { reason: { type: 'string' }, 'audit-window': { type: 'string' } });
  const [kind, id] = positionals;
  if (!kind || !(targetKinds as readonly string[]).includes(kind) || !id || positionals.length > 2) {
    throw new CliError('usage: pciq incident quarantine principal|queue|key|function ID --reason TEXT');
  }
  if (!values.reason?.trim()) throw new CliError('--reason is required: why the resource is quarantined');
  const window = values['audit-window'] ?? '7d';
  const days = durationDays.exec(window);
  if (!days || Number(days[1]) < 1) throw new CliError('--audit-window must be a number of days, e.g. 7d');
  await withService(values, async (service) => {
    const incident = await service.quarantine(kind as TargetKind, id, {
      reason: values.reason!.trim().slice(0, 512),
      auditWindowMs: Number(days[1]) * 86_400_000,
    });
    process.stdout.write(`${incidentText(incident)}\n`);
  });
}

async function release(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, { 'accept-risk': { type: 'string' } });
  const id = positionals[0];
  if (!id || positionals.length > 1) throw new CliError('usage: pciq incident release ID [--accept-risk REASON]');
  const acceptRisk = values['accept-risk'];
  if (acceptRisk !== undefined && acceptRisk.trim() === '')
    throw new CliError('--accept-risk needs the reason the risk is accepted');
  await withService(values, async (service) => {
    const incident = await service.release(id, acceptRisk ? { acceptRisk: acceptRisk.trim().slice(0, 512) } : {});
    process.stdout.write(`${incidentText(incident)}\n`);
  });
}

async function list(argv: string[]): Promise<void> {
  const { values } = parse(argv, { json: { type: 'boolean' } });
  await withService(values, async (service, session) => {
    const incidents = await service.list();
    await session.record('incident:List', { results: incidents.length });
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ incidents })}\n`);
      return;
    }
    const lines = incidents.map(
      (i) => `${i.id}  ${i.status.padEnd(9)} ${i.openedAt}  ${i.kind.padEnd(9)} ${i.target}  ${i.reason}`,
    );
    process.stdout.write(lines.length > 0 ? `${lines.join('\n')}\n` : 'no incidents\n');
  });
}

async function show(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } });
  const id = positionals[0];
  if (!id) throw new CliError('usage: pciq incident show ID');
  await withService(values, async (service) => {
    const incident = await service.get(id);
    process.stdout.write(values.json ? `${JSON.stringify(incident)}\n` : `${incidentText(incident)}\n`);
  });
}

async function publicKey(argv: string[]): Promise<void> {
  const { values } = parse(argv, {});
  await withService(values, async (_service, session) => {
    const { audit } = session;
    const { key } = await snapshotSigningKey(audit.opened.store, audit.opened.keys.system, systemClock.now());
    process.stdout.write(`${key.keyId}\n`);
  });
}

/** Works on the file alone: an assessor verifies a snapshot without pciq's database or keys. */
async function snapshot(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub !== 'verify') throw new CliError('usage: pciq incident snapshot verify FILE [--key-id FINGERPRINT]');
  const { values, positionals } = parseArgs({
    args: rest,
    options: { 'key-id': { type: 'string', multiple: true }, json: { type: 'boolean' } },
    strict: true,
    allowPositionals: true,
  });
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new CliError('name one snapshot file: pciq incident snapshot verify FILE');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new CliError(`cannot read the snapshot ${file}`);
  }
  const result = verifySnapshot(text, values['key-id'] ?? []);
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    const lines = [
      `pciq incident snapshot verify: ${result.isValid ? 'PASS' : 'FAIL'}`,
      `sha256 ${result.sha256 ?? '-'}`,
    ];
    for (const problem of result.problems) lines.push(`FAIL  ${problem}`);
    for (const omission of result.omissions) lines.push(`PARTIAL  ${omission}`);
    for (const note of result.notes) lines.push(`note  ${note}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  if (!result.isValid) process.exitCode = 3;
}

const subcommands: Record<string, (argv: string[]) => Promise<void>> = {
  quarantine,
  release,
  list,
  show,
  snapshot,
  'public-key': publicKey,
};

export async function incidentCommand(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  const command = name === undefined ? undefined : subcommands[name];
  if (!command) {
    throw new CliError(
      `unknown incident command '${String(name ?? '')}'; one of ${Object.keys(subcommands).join(', ')} (run \`pciq help\`)`,
    );
  }
  await command(rest);
}
