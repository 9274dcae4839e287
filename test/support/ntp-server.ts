import { createSocket, type Socket } from 'node:dgram';

const ntpEpochOffsetSec = 2_208_988_800;

function writeNtpTime(packet: Buffer, offset: number, ms: number): void {
  const seconds = Math.floor(ms / 1000) + ntpEpochOffsetSec;
  packet.writeUInt32BE(seconds, offset);
  packet.writeUInt32BE(Math.floor(((ms % 1000) / 1000) * 2 ** 32), offset + 4);
}

/** A real SNTP server (RFC 4330) on loopback answering with this host's time shifted by `skewMs`. */
export async function startNtpServer(skewMs = 0): Promise<{ port: number; socket: Socket; close: () => void }> {
  const socket = createSocket('udp4');
  socket.on('message', (request, remote) => {
    if (request.length < 48) return;
    const now = Date.now() + skewMs;
    const reply = Buffer.alloc(48);
    reply[0] = 0x24; // LI 0, version 4, mode 4 (server)
    reply[1] = 2; // stratum 2
    request.copy(reply, 24, 40, 48); // originate = the client's transmit time
    writeNtpTime(reply, 32, now);
    writeNtpTime(reply, 40, now);
    socket.send(reply, remote.port, remote.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, socket, close: () => socket.close() };
}
