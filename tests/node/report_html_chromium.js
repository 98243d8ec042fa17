#!/usr/bin/env node
// The HTML report a scrutiny committee is handed (`raa report ... --html`),
// opened in a real browser: Debian's headless Chromium driven by
// puppeteer-core.
//
// write_report_fixture (tests/clients) writes the fixture report
// (tests/clients/report_fixtures.h: a consortium scorecard over five windows
// with rankings, a waiting report, a forecast for two authorities) to a
// temporary file, which is opened from file:// with JavaScript switched off
// (the report must need none). Then:
//   - every expected chart is an <svg role="img"> with an accessible name,
//     drawn with a real size, and has its bars or points (each with a size)
//     and its threshold line;
//   - the title, which holds a <script> tag, shows as text and no script
//     element exists;
//   - no request other than the file itself was made (every other request is
//     refused and counted);
//   - axe-core finds no WCAG 2.1 A or AA violation;
//   - laid out for print at the width of A4 inside its margins, nothing runs
//     off the page;
//   - page.pdf({format: 'A4'}) prints it, on A4 pages.
// Exits 0 if every check passed, 1 otherwise; 77 (ctest: skipped) only when
// no Chromium is installed and CI is not set. In CI a missing Chromium fails.
//
//   node tests/node/report_html_chromium.js \
//       --writer build/tests/clients/write_report_fixture [--chromium PATH] \
//       [--keep DIR]   (keep report.html, report.pdf and a screenshot there)
'use strict';

const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const kName = 'report_html_chromium';

function option(name, required) {
  const i = process.argv.indexOf(name);
  if (i < 0 || i + 1 >= process.argv.length) {
    if (!required) return undefined;
    console.error(`usage: node ${path.basename(__filename)} --writer PATH ` +
                  '[--chromium PATH] [--keep DIR]');
    process.exit(2);
  }
  return process.argv[i + 1];
}

function requireInstalled(name) {
  try {
    return require(name);
  } catch (e) {
    console.error(`${kName}: cannot load ${name} (${e.message}).\n` +
                  'Run scripts/install-deps.sh: it runs `npm ci` in tests/node.');
    process.exit(1);
  }
}

// The Chromium to drive: --chromium, $RAA_CHROMIUM, or Debian's on the PATH.
function findChromium() {
  const given = option('--chromium', false) || process.env.RAA_CHROMIUM;
  if (given) return fs.existsSync(given) ? given : null;
  const dirs = (process.env.PATH || '').split(path.delimiter).concat(['/usr/bin']);
  for (const dir of dirs) {
    for (const name of ['chromium', 'chromium-browser']) {
      const candidate = path.join(dir, name);
      if (fs.existsSync(candidate)) return candidate;
    }
  }
  return null;
}

// The charts of the fixture report and what each must hold: `marks` elements
// of class `mark`, and a threshold line or not. Ids and counts follow
// tests/clients/report_fixtures.cc.
const kA1 = 'a1_care_to_placement_days';
const kA2 = 'a2_order_to_match_days';
const kA3 = 'a3_placed_within_426_days';
const kExpectedCharts = [
  {id: `chart-scorecard-${kA1}`, mark: 'point', marks: 5, threshold: true},
  {id: `chart-scorecard-${kA2}`, mark: 'point', marks: 5, threshold: true},
  {id: `chart-scorecard-${kA3}`, mark: 'point', marks: 5, threshold: false},
  {id: `chart-ranking-${kA1}`, mark: 'bar', marks: 4, threshold: true},
  {id: `chart-ranking-${kA2}`, mark: 'bar', marks: 3, threshold: true},
  {id: 'chart-waiting-children-count', mark: 'bar', marks: 7, threshold: false},
  {id: 'chart-waiting-children-days', mark: 'bar', marks: 7, threshold: false},
  {id: 'chart-waiting-households-count', mark: 'bar', marks: 3, threshold: false},
  {id: 'chart-waiting-households-days', mark: 'bar', marks: 2, threshold: false},
  {id: `chart-forecast-sheffield-${kA1}`, mark: 'bar', marks: 2, threshold: true},
  {id: `chart-forecast-sheffield-${kA2}`, mark: 'bar', marks: 2, threshold: true},
  {id: `chart-forecast-rotherham-${kA1}`, mark: 'bar', marks: 2, threshold: true},
  {id: `chart-forecast-rotherham-${kA2}`, mark: 'bar', marks: 2, threshold: true},
];
const kTitle =
    'Adoption scorecard: the consortium <script>alert("x")</script> & co';

// A4 is 210 mm wide; the report's @page margins are 14 mm each side.
const kMmToCssPx = 96 / 25.4;
const kA4PrintableWidthPx = Math.floor((210 - 2 * 14) * kMmToCssPx);

let failures = 0;
async function check(name, fn) {
  try {
    await fn();
    console.log(`ok   ${name}`);
  } catch (e) {
    failures++;
    console.log(`FAIL ${name}\n     ${String(e.message || e).split('\n').join('\n     ')}`);
  }
}

async function main() {
  const writer = option('--writer', true);
  const keep = option('--keep', false);
  const chromium = findChromium();
  if (!chromium) {
    const message = `${kName}: Chromium is not installed (apt-get install ` +
                    'chromium, or run scripts/install-deps.sh)';
    if (process.env.CI) {
      console.error(`${message}; CI is set, so this is a failure`);
      process.exit(1);
    }
    console.error(`${message}: skipped`);
    process.exit(77);
  }
  const puppeteer = requireInstalled('puppeteer-core');
  const axe = requireInstalled('axe-core');

  const dir = keep || fs.mkdtempSync(path.join(os.tmpdir(), 'raa-report-html-'));
  fs.mkdirSync(dir, {recursive: true});
  const htmlPath = path.join(dir, 'report.html');
  childProcess.execFileSync(writer, [htmlPath], {stdio: 'inherit'});
  const fileUrl = `file://${htmlPath}`;

  const args = ['--disable-gpu', '--no-first-run', '--no-default-browser-check',
                '--disable-extensions', '--disable-background-networking',
                '--disable-component-update', '--disable-sync',
                '--disable-dev-shm-usage'];
  // Chromium's sandbox refuses to run as root (containers, CI images).
  if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    args,
    timeout: 120000,
    protocolTimeout: 120000,
  });
  try {
    const page = await browser.newPage();
    const requests = [];
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      const url = request.url();
      if (url === fileUrl) {
        request.continue();
      } else {
        requests.push(url);
        request.abort();
      }
    });
    await page.setJavaScriptEnabled(false);
    await page.setViewport({width: 1000, height: 1400});
    const response = await page.goto(fileUrl, {waitUntil: 'load', timeout: 60000});
    assert.ok(response === null || response.ok(), 'the report did not load');

    await check('the title and heading show the <script> tag as text', async () => {
      const got = await page.evaluate(() => ({
        title: document.title,
        h1: document.querySelector('h1').textContent,
        scripts: document.querySelectorAll('script').length,
        lang: document.documentElement.lang,
      }));
      assert.equal(got.title, kTitle);
      assert.equal(got.h1, kTitle);
      assert.equal(got.scripts, 0, 'a <script> element exists');
      assert.equal(got.lang, 'en-GB');
    });

    await check('every chart is drawn, with its bars or points and threshold',
                async () => {
      const found = await page.evaluate((expected) => expected.map((e) => {
        const svg = document.getElementById(e.id);
        if (!svg) return {id: e.id, missing: true};
        const box = svg.getBoundingClientRect();
        const marks = [...svg.querySelectorAll(`.${e.mark}`)];
        return {
          id: e.id,
          role: svg.getAttribute('role'),
          name: (svg.querySelector('title') || {}).textContent || '',
          desc: (svg.querySelector('desc') || {}).textContent || '',
          width: box.width,
          height: box.height,
          marks: marks.length,
          // Marks that the browser drew with no size at all.
          emptyMarks: marks.filter((m) => {
            const b = m.getBBox();
            return !(b.width > 0 && b.height > 0);
          }).length,
          thresholds: svg.querySelectorAll('.threshold').length,
          visible: getComputedStyle(svg).display !== 'none' &&
                   getComputedStyle(svg).visibility !== 'hidden',
        };
      }), kExpectedCharts);
      const problems = [];
      found.forEach((f, i) => {
        const e = kExpectedCharts[i];
        if (f.missing) return problems.push(`${e.id}: missing`);
        if (f.role !== 'img') problems.push(`${e.id}: role ${f.role}`);
        if (!f.name.trim() || !f.desc.trim()) problems.push(`${e.id}: no title or desc`);
        if (!(f.width > 300 && f.height > 80 && f.visible)) {
          problems.push(`${e.id}: drawn ${f.width}x${f.height}`);
        }
        if (f.marks !== e.marks) problems.push(`${e.id}: ${f.marks} ${e.mark}s, want ${e.marks}`);
        if (f.emptyMarks > 0) problems.push(`${e.id}: ${f.emptyMarks} ${e.mark}s of no size`);
        if ((f.thresholds > 0) !== e.threshold) {
          problems.push(`${e.id}: ${f.thresholds} threshold lines`);
        }
      });
      assert.deepEqual(problems, []);
      const all = await page.evaluate(() => document.querySelectorAll('svg').length);
      assert.equal(all, kExpectedCharts.length, 'charts other than those expected');
    });

    await check('the forecast marks the children who pull the average over', async () => {
      const over = await page.evaluate(() => [...document.querySelectorAll('tr.over th')]
          .map((th) => th.textContent)
          .filter((t) => t.startsWith('authorities/sheffield/children/')));
      assert.deepEqual(over, ['authorities/sheffield/children/c12',
                              'authorities/sheffield/children/c7']);
      const weight = await page.evaluate(() => getComputedStyle(
          document.querySelector('tr.over td')).fontWeight);
      assert.ok(Number(weight) >= 700, `font-weight ${weight}`);
    });

    await check('nothing is fetched but the file', async () => {
      assert.deepEqual(requests, []);
    });

    await check('axe-core finds no WCAG 2.1 A or AA violation', async () => {
      // axe runs as the test's own script; the report itself has none.
      await page.setJavaScriptEnabled(true);
      await page.reload({waitUntil: 'load'});
      await page.evaluate(axe.source);
      const result = await page.evaluate(() => window.axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
      }));
      const violations = result.violations.map((v) => `${v.id} (${v.impact}): ${v.help}; ` +
          v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', '));
      assert.deepEqual(violations, []);
      assert.ok(result.passes.length > 10, 'axe checked almost nothing');
      await page.setJavaScriptEnabled(false);
      await page.reload({waitUntil: 'load'});
    });

    await check('laid out for print at A4 width, nothing runs off the page', async () => {
      await page.emulateMediaType('print');
      await page.setViewport({width: kA4PrintableWidthPx, height: 1000});
      const layout = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        width: document.documentElement.clientWidth,
        widest: Math.max(...[...document.querySelectorAll('svg, table')]
            .map((e) => e.getBoundingClientRect().right)),
        charts: [...document.querySelectorAll('svg')]
            .filter((s) => s.getBoundingClientRect().height > 80).length,
      }));
      assert.ok(layout.scrollWidth <= layout.width,
                `page ${layout.scrollWidth}px wide in ${layout.width}px`);
      assert.ok(layout.widest <= layout.width, `content reaches ${layout.widest}px`);
      assert.equal(layout.charts, kExpectedCharts.length);
      if (keep) {
        await page.screenshot({path: path.join(dir, 'report-print.png'), fullPage: true});
      }
    });

    await check('it prints to PDF on A4 pages', async () => {
      const pdf = Buffer.from(await page.pdf({format: 'A4', printBackground: true,
                                              timeout: 120000}));
      if (keep) fs.writeFileSync(path.join(dir, 'report.pdf'), pdf);
      assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
      const text = pdf.toString('latin1');
      // A4 is 595.28 x 841.89 points; Chromium writes it rounded up a little.
      const boxes = [...text.matchAll(/\/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]/g)];
      assert.ok(boxes.length >= 2, `${boxes.length} pages; the fixture needs several`);
      for (const [, w, h] of boxes) {
        assert.ok(Math.abs(Number(w) - 595.3) < 2 && Math.abs(Number(h) - 841.9) < 2,
                  `a page is ${w} x ${h} points, not A4`);
      }
      console.log(`     ${boxes.length} A4 pages, ${pdf.length} bytes`);
    });
  } finally {
    await browser.close();
    if (!keep) fs.rmSync(dir, {recursive: true, force: true});
  }
  if (failures > 0) {
    console.error(`${kName}: ${failures} check(s) failed`);
    process.exit(1);
  }
  console.log(`${kName}: every check passed`);
}

main().catch((e) => {
  console.error(`${kName}: ${e.stack || e}`);
  process.exit(1);
});
