import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { type ConnectionOptions, connect } from 'node:tls';
import { initDataDir, PciqServer } from '../support/pciq-process.ts';

describe('transport security (PCI DSS 4.2.1)', () => {
  let data: ReturnType<typeof initDataDir>;
  let server: PciqServer;
  let port: number;
  let ca: Buffer;

  before(async () => {
    data = initDataDir();
    server = new PciqServer({ dataDir: data.dataDir, keyFile: data.keyFile });
    port = Number(new URL(await server.endpoint).port);
    ca = readFileSync(data.bootstrap.caFile);
  });
  after(async () => {
    await server.stop();
    data.remove();
  });

  function handshake(options: ConnectionOptions): Promise<{ protocol: string | null; cipher: string }> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ca, ...options }, () => {
        resolve({ protocol: socket.getProtocol(), cipher: socket.getCipher().name });
        socket.end();
      });
      socket.on('error', reject);
    });
  }

  it('negotiates TLS 1.3 with a client that offers it', async () => {
    assert.equal((await handshake({})).protocol, 'TLSv1.3');
  });

  it('accepts TLS 1.2 with forward-secret AEAD suites', async () => {
    const result = await handshake({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' });
    assert.deepEqual(result, { protocol: 'TLSv1.2', cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256' });
  });

  it('refuses TLS 1.1 and TLS 1.0', async () => {
    await assert.rejects(
      handshake({ minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }),
      /version|protocol/i,
    );
  });

  it('refuses TLS 1.2 suites without AEAD or forward secrecy', async () => {
    for (const cipher of ['ECDHE-ECDSA-AES128-SHA', 'ECDHE-ECDSA-AES256-SHA384', 'AES128-GCM-SHA256']) {
      await assert.rejects(handshake({ maxVersion: 'TLSv1.2', ciphers: cipher }), /handshake|cipher|alert/i, cipher);
    }
  });
});
