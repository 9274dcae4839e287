import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { packCode, readCode, unpackCode, writeCode } from '../../src/functions/code-bundle.ts';
import { CodeCache } from '../../src/functions/sandbox/code-cache.ts';
import { makeTempDir } from '../support/temp-dir.ts';

describe('function code bundles', () => {
  const dir = makeTempDir('pciq-code-');
  after(() => dir.remove());

  it('packs a directory (without version-control data) and unpacks it to regular files', () => {
    const code = join(dir.path, 'app');
    mkdirSync(join(code, 'lib'), { recursive: true });
    mkdirSync(join(code, '.git'), { recursive: true });
    writeFileSync(join(code, 'index.mjs'), 'export const handler = async () => 1;');
    writeFileSync(join(code, 'lib', 'util.mjs'), 'export const x = 2;');
    writeFileSync(join(code, '.git', 'config'), '[remote] token');
    symlinkSync(join(code, 'lib', 'util.mjs'), join(code, 'alias.mjs'));
    const files = readCode(code);
    assert.deepEqual(
      files.map((file) => file.path),
      ['alias.mjs', 'index.mjs', 'lib/util.mjs'],
    );
    const bundle = packCode(files);
    assert.equal(
      bundle.unpackedBytes,
      files.reduce((sum, file) => sum + file.content.length, 0),
    );
    const out = join(dir.path, 'out');
    mkdirSync(out);
    writeCode(out, unpackCode(bundle.bytes));
    assert.equal(readFileSync(join(out, 'lib', 'util.mjs'), 'utf8'), 'export const x = 2;');
    // The link became a copy: the sandbox never meets a link it could follow out of its directory.
    assert.equal(statSync(join(out, 'alias.mjs')).isFile(), true);
    assert.deepEqual(readdirSync(out).sort(), ['alias.mjs', 'index.mjs', 'lib']);
  });

  it('packs a single file under its own name', () => {
    const file = join(dir.path, 'handler.js');
    writeFileSync(file, 'exports.handler = async () => 1;');
    assert.deepEqual(
      readCode(file).map((entry) => entry.path),
      ['handler.js'],
    );
  });

  it('refuses a link that leads out of the code directory, and paths that climb out', () => {
    const code = join(dir.path, 'escape');
    mkdirSync(code);
    writeFileSync(join(dir.path, 'outside.txt'), 'secret');
    symlinkSync(join(dir.path, 'outside.txt'), join(code, 'link.txt'));
    assert.throws(() => readCode(code), /links outside the code directory/);
    assert.throws(() => packCode([{ path: '../x.js', content: Buffer.from('') }]), /unusable path/);
    assert.throws(() => packCode([{ path: '/etc/passwd', content: Buffer.from('') }]), /unusable path/);
  });

  it('says what is wrong with a missing path', () => {
    assert.throws(() => readCode(join(dir.path, 'nope')), /cannot read the code at .*ENOENT/);
  });

  it('removes code left unpacked by a server that no longer runs, and keeps that of one that does', () => {
    const parent = join(dir.path, 'tmp');
    mkdirSync(join(parent, 'pciq-functions-999999999-abc'), { recursive: true });
    writeFileSync(join(parent, 'pciq-functions-999999999-abc', 'index.mjs'), 'code');
    mkdirSync(join(parent, `pciq-functions-${process.pid}-live`));
    const cache = new CodeCache({ parentDir: parent });
    assert.deepEqual(
      readdirSync(parent).sort(),
      [`pciq-functions-${process.pid}-live`, cache.root.split('/').pop()].sort(),
    );
    cache.dispose();
  });
});
