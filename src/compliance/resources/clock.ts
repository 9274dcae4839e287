import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { type ResourceProvider, singletonArn } from '../resource.ts';

/** Offsets beyond this from the designated time server count as unsynchronized (PCI DSS 10.6.1). */
export const maxClockOffsetMs = 1_000;
const queryTimeoutMs = 2_000;
/** Seconds from 1900-01-01 (NTP era 0) to 1970-01-01. */
const ntpEpochOffsetSec = 2_208_988_800;

export interface ClockStatus {
  source: string;
  /** null when nothing could tell. */
  isSynchronized: boolean | null;
  offsetMs: number | null;
  method: string;
  detail: string;
}

function ntpTime(packet: Buffer, offset: number): number {
  return (packet.readUInt32BE(offset) - ntpEpochOffsetSec) * 1000 + (packet.readUInt32BE(offset + 4) / 2 ** 32) * 1000;
}

/** One SNTP query (RFC 4330) to the designated time server: the host clock's offset from it. */
export function queryNtp(host: string, port: number, nowMs: () => number = Date.now): Promise<ClockStatus> {
  const source = `ntp:${host}${port === 123 ? '' : `:${port}`}`;
  return new Promise((resolve) => {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const done = (status: Omit<ClockStatus, 'source' | 'method'>) => {
      clearTimeout(timer);
      socket.close();
      resolve({ source, method: 'sntp', ...status });
    };
    const timer = setTimeout(
      () => done({ isSynchronized: false, offsetMs: null, detail: `no answer from ${host}:${port} within 2 s` }),
      queryTimeoutMs,
    );
    let sentAtMs = 0;
    socket.on('error', (error) =>
      done({ isSynchronized: false, offsetMs: null, detail: `query failed: ${error.message}` }),
    );
    socket.on('message', (packet) => {
      const receivedAtMs = nowMs();
      if (packet.length < 48) return;
      const leap = packet[0]! >> 6;
      const stratum = packet[1]!;
      if (leap === 3 || stratum === 0) {
        done({
          isSynchronized: false,
          offsetMs: null,
          detail: `${host} is not synchronized itself (stratum ${stratum})`,
        });
        return;
      }
      const offsetMs = Math.round((ntpTime(packet, 32) - sentAtMs + (ntpTime(packet, 40) - receivedAtMs)) / 2);
      done({
        isSynchronized: Math.abs(offsetMs) <= maxClockOffsetMs,
        offsetMs,
        detail: `offset ${offsetMs} ms from ${host} (stratum ${stratum}); at most ${maxClockOffsetMs} ms is accepted`,
      });
    });
    const request = Buffer.alloc(48);
    request[0] = 0x23; // LI 0, version 4, mode 3 (client)
    sentAtMs = nowMs();
    socket.send(request, port, host);
  });
}

function run(command: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: queryTimeoutMs }, (error, stdout) => resolve(error ? undefined : stdout));
  });
}

/** What the host's own time service says (chrony, then systemd-timesyncd), when one answers. */
async function hostStatus(): Promise<ClockStatus> {
  const chrony = await run('chronyc', ['-c', 'tracking']);
  if (chrony) {
    const fields = chrony.trim().split(',');
    const offsetMs = Math.round(Number(fields[4]) * 1000);
    const leap = fields[13] ?? '';
    return {
      source: 'host',
      method: 'chronyc',
      isSynchronized: leap !== 'Not synchronised' && Math.abs(offsetMs) <= maxClockOffsetMs,
      offsetMs: Number.isFinite(offsetMs) ? offsetMs : null,
      detail: `chrony tracks ${fields[1] ?? 'an unknown server'}, leap status ${leap || 'unknown'}`,
    };
  }
  const timedatectl = await run('timedatectl', ['show', '--property=NTPSynchronized', '--value']);
  if (timedatectl) {
    const isSynchronized = timedatectl.trim() === 'yes';
    return {
      source: 'host',
      method: 'timedatectl',
      isSynchronized,
      offsetMs: null,
      detail: `systemd reports NTPSynchronized=${timedatectl.trim()}`,
    };
  }
  return {
    source: 'host',
    method: 'none',
    isSynchronized: null,
    offsetMs: null,
    detail:
      'no time service answered (chronyc, timedatectl); set clockSource to ntp:HOST in the audit configuration so pciq checks the offset itself',
  };
}

/** The synchronization of the clock pciq stamps records with, against the designated source (10.6.1). */
export async function clockStatus(clockSource: string): Promise<ClockStatus> {
  const ntp = /^ntp:(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(clockSource);
  if (ntp) return queryNtp(ntp[1]!.replace(/^\[|\]$/g, ''), ntp[2] ? Number(ntp[2]) : 123);
  return hostStatus();
}

export const clockProvider: ResourceProvider = {
  type: 'clock',
  description: "The clock audit records are stamped with: its designated source and the host's offset from it",
  async list(context) {
    const status = await clockStatus(context.environment.audit.clockSource);
    return [{ id: singletonArn(context, 'clock'), type: 'clock', name: 'clock', data: { ...status } }];
  },
};
