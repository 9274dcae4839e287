/**
 * Acceptance: the HTML report opens in headless Chromium (Debian's, driven by playwright-core) and renders
 * every requirement section; screenshots of the page and of each section are taken and checked, and the
 * page prints. Skipped with a notice where no Chromium is installed (.ci/run installs it).
 */
// biome-ignore-all lint/performance/useDomNodeTextContent: Playwright's innerText is the rendered text, which is what this test checks
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pciq } from '../support/pciq-cli.ts';
import { initDataDir } from '../support/pciq-process.ts';

function chromiumPath(): string | undefined {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
    } catch {}
  }
  return undefined;
}

/** PNG width and height from its IHDR chunk. */
function pngSize(png: Buffer): { width: number; height: number } {
  assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

const executablePath = chromiumPath();

describe('the HTML report in headless Chromium', {
  skip: executablePath
    ? false
    : 'notice: no chromium installed (apt-get install chromium); the HTML report is not rendered',
}, () => {
  const data = initDataDir();
  const args = ['--data-dir', data.dataDir, '--key-file', data.keyFile];
  const reportFile = join(data.dataDir, '..', 'report.html');
  // biome-ignore lint/suspicious/noExplicitAny: playwright-core is loaded only when Chromium exists
  let browser: any;

  before(async () => {
    const muted = pciq([
      'compliance',
      'mute',
      '--rule',
      'clock-not-synchronized',
      '--resource',
      '*',
      '--reason',
      'NTP is set up by the platform team',
      '--owner',
      'platform',
      '--expires',
      '30d',
      ...args,
    ]);
    assert.equal(muted.status, 0, muted.stderr);
    const written = pciq(['report', 'pci', '--format', 'html', '--out', reportFile, ...args]);
    assert.equal(written.status, 0, written.stderr);
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
      ],
    });
  });
  after(async () => {
    await browser?.close();
    data.remove();
  });

  it('renders every requirement section of a self-contained document, and prints', async () => {
    const html = readFileSync(reportFile, 'utf8');
    assert.doesNotMatch(html, /<script|<link |src="http|href="http|@import/);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const external: string[] = [];
    page.on('request', (request: { url(): string }) => {
      if (!request.url().startsWith('file:')) external.push(request.url());
    });
    await page.goto(`file://${reportFile}`);
    assert.deepEqual(external, []);
    assert.match(await page.title(), /^PCI DSS evidence report — pciq account \d{12}$/);
    const sections = page.locator('section.requirement');
    assert.equal(await sections.count(), 12);
    for (let index = 0; index < 12; index++) {
      const section = sections.nth(index);
      assert.equal(await section.getAttribute('data-requirement'), String(index + 1));
      assert.ok(await section.isVisible(), `requirement ${index + 1} is visible`);
      const heading = await section.locator('h2').innerText();
      assert.match(heading, new RegExp(`^Requirement ${index + 1}: .+ — (PASS|FAIL|MUTED|NOT ASSESSED)$`));
      const box = await section.boundingBox();
      assert.ok(box && box.width > 600 && box.height > 60, `requirement ${index + 1} has a rendered box`);
      const shot = pngSize(await section.screenshot());
      assert.ok(shot.width > 600 && shot.height > 60);
    }
    assert.match(await page.locator('#requirement-4 h2').innerText(), /FAIL$/);
    assert.match(await page.locator('#requirement-4').innerText(), /tls-development-certificate/);
    // Its only failure (the clock) is muted: the requirement reads MUTED, with who muted it and why, not PASS.
    assert.match(await page.locator('#requirement-10 h2').innerText(), /MUTED$/);
    assert.match(await page.locator('#requirement-10').innerText(), /MUTED[\s\S]*NTP is set up by the platform team/);
    assert.equal((await page.locator('#summary svg rect').count()) >= 12, true);
    assert.match(
      await page.locator('#audit').innerText(),
      /Verified: \d+ records and \d+ signed checkpoints check out/,
    );
    assert.match(await page.locator('#inventory').innerText(), /Keys[\s\S]*alias\/aws\/iam/);
    const screenshotFile = join(data.dataDir, '..', 'report.png');
    await page.screenshot({ path: screenshotFile, fullPage: true });
    const full = pngSize(readFileSync(screenshotFile));
    assert.equal(full.width, 1280);
    assert.ok(full.height > 3_000, `the full page is long (${full.height} px)`);
    assert.ok(statSync(screenshotFile).size > 50_000);
    const pdf: Buffer = await page.pdf({ format: 'A4' });
    assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
    assert.ok(
      (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length >= 3,
      'the report prints on several pages',
    );
    await page.close();
  });
});
