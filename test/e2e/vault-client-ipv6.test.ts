import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { VaultClient } from '../../src/client/index.ts';
import { pciq } from '../support/pciq-cli.ts';
import { awsEnvironmentOf, initDataDir, PciqServer } from '../support/pciq-process.ts';

describe('the vault client and pciq tokens reach a server on an IPv6 address', () => {
  let data: ReturnType<typeof initDataDir>;
  let server: PciqServer;
  let endpoint: string;

  before(async () => {
    data = initDataDir();
    server = new PciqServer({ dataDir: data.dataDir, keyFile: data.keyFile, extra: ['--host', '::1'] });
    endpoint = await server.endpoint;
  });

  after(async () => {
    await server?.stop();
    data?.remove();
  });

  it('calls https://[::1]:PORT as written (URL brackets are no host name)', async () => {
    assert.match(endpoint, /^https:\/\/\[::1\]:\d+$/);
    const vault = new VaultClient({
      endpoint,
      region: data.bootstrap.region,
      credentials: data.bootstrap,
      ca: readFileSync(data.bootstrap.caFile),
    });
    try {
      const { token } = await vault.tokenize({ pan: '4111 1111 1111 1111' });
      const shown = pciq(['tokens', 'detokenize', token], { env: awsEnvironmentOf(data.bootstrap, endpoint) });
      assert.equal(shown.status, 0, shown.stderr);
      assert.match(shown.stdout, /visa {2}411111\*{6}1111/);
    } finally {
      vault.close();
    }
  });
});
