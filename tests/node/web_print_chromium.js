#!/usr/bin/env node
// The console's tables and its printed pages (docs/web.md "Tables" and
// "Printing"), in Debian's headless Chromium against a real raamatchd and
// raa-web started here (tests/node/web_support.js).
//
// Set-up through the gRPC API: a local authority A with 55 waiting child
// profiles (more than a page of 50), a local authority B with 30
// approved households that rank differently for A's first child (more than
// a page of 25), and a link of another of A's children placed with one of
// B's households (the £27,000 fee on the finance pages). One key of A holds
// the family finder, registrar and finance roles, so one session reaches
// the home page's every table, the child page and every finance page.
//
// Tables: the home page's waiting children page (Next, then the browser's
// Back returns to page 1) and sort by a column (aria-sort, the order, the
// URL is a bookmark); the child page's ranked households sort by a score
// component and page; the finance tables sort by amount. axe-core finds no
// WCAG 2.0/2.1 A/AA violation on sorted and paged pages.
//
// Print (media emulated as print, at an A4 sheet's printable width): on the
// home, child and every finance page, and an error page, the menu, footer,
// buttons, forms and pagination are gone; no table is clipped (its scroll box
// lets it out, every cell is inside the sheet, the page is no wider than the
// sheet); text is black on white; links in the text print their address,
// links in tables do not; the child page's folded profile fields print. The
// child page is saved as an A4 PDF (child-print.pdf) and print previews as
// PNG (home-print.png, child-print.png, ledger-print.png) in --screenshots.
//
//   node tests/node/web_print_chromium.js --raamatchd build/services/raamatchd \
//       --raa-web build/clients/web/raa-web [--chromium PATH] [--screenshots DIR]
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const support = require('./web_support');

const {check, dayFromToday} = support;
const kName = 'web_print_chromium';
const kA = 'sheffield';
const kB = 'rotherham';
const kChildren = 55;
const kHouseholds = 30;
// A4 (210 mm) less 1.2 cm margins each side, in CSS pixels (96 per inch).
const kSheetWidth = Math.floor((210 - 24) / 25.4 * 96);
const kUsage = `usage: node ${path.basename(__filename)} --raamatchd PATH ` +
               '--raa-web PATH [--chromium PATH] [--screenshots DIR]';

async function setUp(call, managerKey) {
  let n = 0;
  const requestId = () => `web-print-${process.pid}-${++n}`;
  const key = async (authority, roles) => (await call('AccessService', 'CreateApiKey',
      managerKey, {api_key: {authority: `authorities/${authority}`, roles,
                             display_name: `web print test ${roles.join(' ')}`},
                   request_id: requestId()})).secret;
  await call('RegistryService', 'CreateAuthority', managerKey, {
    authority_id: kA, request_id: requestId(),
    authority: {display_name: 'Sheffield City Council', region: 'south-yorkshire',
                kind: 'AUTHORITY_KIND_LOCAL_AUTHORITY'}});
  await call('RegistryService', 'CreateAuthority', managerKey, {
    authority_id: kB, request_id: requestId(),
    authority: {display_name: 'Rotherham Metropolitan Borough Council',
                region: 'south-yorkshire', kind: 'AUTHORITY_KIND_LOCAL_AUTHORITY'}});
  const keys = {
    all: await key(kA, ['ROLE_FAMILY_FINDER', 'ROLE_REGISTRAR', 'ROLE_FINANCE']),
    registrarA: await key(kA, ['ROLE_REGISTRAR']),
    registrarB: await key(kB, ['ROLE_REGISTRAR']),
  };
  const households = [];
  for (let i = 0; i < kHouseholds; i++) {
    households.push((await call('RegistryService', 'CreateAdopter', keys.registrarB, {
      parent: `authorities/${kB}`, request_id: requestId(), adopter: {
        status: 'ADOPTER_STATUS_APPROVED', registered_interest_on: dayFromToday(-900),
        applied_on: dayFromToday(-850), approved_on: dayFromToday(-20 - 25 * i),
        approved_for: 1 + (i % 3), min_age_months: 0, max_age_months: 40 + 7 * (i % 9),
        sex_preference: 'SEX_PREFERENCE_ANY', heritage: ['HERITAGE_WHITE_BRITISH'],
        religion: 'RELIGION_CHRISTIAN', languages: ['en'],
        region: i % 2 ? 'south-yorkshire' : 'west-yorkshire',
        max_contact: 'CONTACT_PLAN_LETTERBOX', fast_track: 'FAST_TRACK_NONE'}})).name);
  }
  const children = [];
  for (let i = 0; i < kChildren; i++) {
    children.push((await call('RegistryService', 'CreateChild', keys.registrarA, {
      parent: `authorities/${kA}`, request_id: requestId(), child: {
        members: [{age_months: 24 + i, sex: i % 2 ? 'SEX_MALE' : 'SEX_FEMALE',
                   heritage: 'HERITAGE_WHITE_BRITISH', religion: 'RELIGION_NO_RELIGION',
                   first_language: 'en'}],
        ages_as_of: dayFromToday(-10), contact_plan: 'CONTACT_PLAN_LETTERBOX',
        early_permanence: 'EARLY_PERMANENCE_NONE', summary: `Profile ${i}: loves music`,
        journey: {entered_care: dayFromToday(-400), plan_for_adoption: dayFromToday(-350),
                  shobpa_decision: dayFromToday(-100 - 3 * i)}}})).name);
  }
  // The second child placed with the last household: the fee.
  const link = await support.placeLink(call, managerKey, children[1],
                                       households[kHouseholds - 1], requestId);
  // The server's own words (FULL_TEXT), which the console renders from the
  // reason catalogue.
  const ranking = await call('MatchingService', 'RankAdopters', keys.all,
                             {child: children[0], page_size: 100,
                              view: 'RANK_VIEW_FULL_TEXT'});
  return {keys, children, households, ranking};
}

// The path of a child's page: "authorities/a/children/c" -> "/children/a/c".
function pagePath(name) {
  const [, authority, , child] = name.split('/');
  return `/children/${authority}/${child}`;
}

async function main() {
  const raamatchd = support.option('--raamatchd', true, kUsage);
  const raaWeb = support.option('--raa-web', true, kUsage);
  const screenshots = support.option('--screenshots', false);
  const chromium = support.chromiumOrSkip(kName);
  const grpc = support.requireInstalled('@grpc/grpc-js');
  const puppeteer = support.requireInstalled('puppeteer-core');

  const started = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raa-web-print-'));
  let server = null;
  let web = null;
  let browser = null;
  let api = null;
  try {
    server = await support.startServer(raamatchd, dir);
    api = support.connectApi(grpc, dir, server.address,
        ['raa/v1/registry.proto', 'raa/v1/access.proto', 'raa/v1/journey.proto',
         'raa/v1/matching.proto']);
    const fixture = await setUp(api.call, server.managerKey);
    web = await support.startWeb(raaWeb, dir, server.address);
    const {base} = web;
    const childPath = pagePath(fixture.children[0]);
    const ranked = fixture.ranking.adopters || [];
    console.log(`raa-web on ${base}; ${ranked.length} households ranked for ` +
                `${fixture.children[0]} (set-up took ${Date.now() - started} ms)`);
    assert.ok(ranked.length > 25, `only ${ranked.length} households rank`);

    browser = await support.launchBrowser(puppeteer, chromium);
    const page = await browser.newPage();
    await page.setViewport({width: 1280, height: 900});
    const pageErrors = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) pageErrors.push(m.text());
    });
    page.on('pageerror', (e) => pageErrors.push(`page error: ${e.message}`));
    const axePage = await browser.newPage();
    await axePage.setBypassCSP(true);
    const axeAt = async (pathname, label) => {
      await axePage.goto(base + pathname, {waitUntil: 'load'});
      await support.axeCheck(axePage, label);
      await page.bringToFront();
    };
    await support.signIn(page, base, fixture.keys.all);
    assert.equal(new URL(page.url()).pathname, '/', 'sign-in did not reach home');

    // The cells of a table's body rows, as text.
    // (The ranking has two rows a household: its scores, then its reasons.)
    const cells = (selector, row = 'tr') => page.$$eval(`${selector} tbody ${row}`, (trs) =>
      trs.map((tr) => [...tr.cells].map((c) => c.textContent.trim())));
    const scores = 'tr.raa-ranking__scores';
    const header = (selector, label) => page.$eval(selector, (table, wanted) => {
      const th = [...table.querySelectorAll('thead th')]
          .find((h) => h.textContent.trim() === wanted);
      return th && {sort: th.getAttribute('aria-sort'),
                    href: th.querySelector('a') && th.querySelector('a').getAttribute('href'),
                    index: th.cellIndex};
    }, label);
    const clickAndWait = (selector) => Promise.all([
      page.waitForNavigation({waitUntil: 'load'}), page.click(selector)]);
    const showing = (selector) => page.$eval(selector, (t) => {
      const scroll = t.closest('.raa-table-scroll');
      const count = scroll.nextElementSibling;
      return count ? count.textContent.trim() : '';
    });

    // -- Tables ------------------------------------------------------------
    await check('home: the waiting children page 50 at a time, longest wait first; ' +
                'Next shows the rest and Back returns', async () => {
      await page.goto(`${base}/`, {waitUntil: 'load'});
      let rows = await cells('#waiting');
      assert.equal(rows.length, 50);
      assert.equal(await showing('#waiting'), `Showing 1 to 50 of ${kChildren - 1}`);
      const days = rows.map((r) => Number(r[3]));
      assert.deepEqual(days, [...days].sort((a, b) => b - a), 'not longest wait first');
      assert.equal((await header('#waiting', 'Days waited')).sort, 'descending');
      await clickAndWait('.govuk-pagination__next a');
      assert.equal(new URL(page.url()).searchParams.get('page'), '2');
      rows = await cells('#waiting');
      assert.equal(rows.length, kChildren - 1 - 50);
      await Promise.all([page.waitForNavigation({waitUntil: 'load'}), page.goBack()]);
      assert.equal(new URL(page.url()).search, '');
      assert.equal((await cells('#waiting')).length, 50);
    });

    await check('home: sorting by a column is a link: aria-sort, the order, and the ' +
                'same order when the URL is opened again', async () => {
      await page.goto(`${base}/`, {waitUntil: 'load'});
      const before = await header('#waiting', 'Profile');
      assert.equal(before.sort, 'none');
      await clickAndWait(`#waiting thead a[href="${before.href}"]`);
      const after = await header('#waiting', 'Profile');
      assert.equal(after.sort, 'ascending');
      const ids = (await cells('#waiting')).map((r) => r[0]);
      const sorted = [...ids].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
      assert.deepEqual(ids, sorted);
      const url = page.url();
      const again = await browser.newPage();
      await again.goto(url, {waitUntil: 'load'});
      const reopened = await again.$$eval('#waiting tbody tr',
          (trs) => trs.map((tr) => tr.cells[0].textContent.trim()));
      await again.close();
      await page.bringToFront();
      assert.deepEqual(reopened, ids);
      await axeAt(new URL(url).pathname + new URL(url).search, 'home sorted by profile');
    });

    await check('child page: the ranked households, 25 a page in rank order, sort by ' +
                'a score component and page through it', async () => {
      await page.goto(base + childPath, {waitUntil: 'load'});
      let rows = await cells('#ranking', scores);
      assert.equal(rows.length, 25);
      assert.equal(await showing('#ranking'), `Showing 1 to 25 of ${ranked.length}`);
      assert.deepEqual(rows.map((r) => r[0]), rows.map((r, i) => String(i + 1)));
      // Each household named (its id and member) and linked to its page.
      const links = await page.$$eval('#ranking tbody tr.raa-ranking__scores th a',
                                      (as) => as.map((a) => a.getAttribute('href')));
      assert.deepEqual(links, ranked.slice(0, 25).map((a) => {
        const [, member, , id] = a.adopter.split('/');
        return `/households/${member}/${id}`;
      }));
      // Below each household's scores, its reasons and "Open a link" for it.
      const why = await page.$$eval('#ranking tbody tr.raa-ranking__why', (trs) =>
        trs.map((tr) => ({text: tr.textContent.replace(/\s+/g, ' '),
                          adopter: (tr.querySelector('input[name="adopter"]') || {}).value})));
      assert.equal(why.length, 25);
      ranked.slice(0, 25).forEach((a, i) => {
        assert.equal(why[i].adopter, a.adopter, `row ${i + 1}: "Open a link" is for another`);
        for (const c of a.components) {
          assert.ok(c.reason, `row ${i + 1}: ${c.component} has no words`);
          assert.ok(why[i].text.includes(c.reason), `row ${i + 1}: ${c.reason}`);
        }
      });
      // On a desktop screen the ranking fits without scrolling sideways.
      const fit = await page.$eval('#ranking', (t) => ({
        table: t.scrollWidth, box: t.closest('.raa-table-scroll').clientWidth}));
      assert.ok(fit.table <= fit.box, `the ranking is ${fit.table} px in a ${fit.box} px box`);
      // A column per component, with its points.
      const component = ranked[0].components.find((c) => c.component === 'waiting') ||
                        ranked[0].components[0];
      const label = component.component.replace(/_/g, ' ');
      const col = await header('#ranking', label);
      assert.ok(col && col.href, `no sortable "${label}" column`);
      await clickAndWait(`#ranking thead a[href="${col.href}"]`);
      assert.equal((await header('#ranking', label)).sort, 'descending');
      const want = ranked.map((a) => {
        const c = a.components.find((x) => x.component === component.component);
        return c ? (c.points_tenths || 0) : -1;
      }).sort((a, b) => b - a);
      const all = [];
      for (;;) {
        rows = await cells('#ranking', scores);
        all.push(...rows.map((r) => Math.round(Number(r[col.index]) * 10)));
        if (!(await page.$('.govuk-pagination__next a'))) break;
        await clickAndWait('.govuk-pagination__next a');
      }
      assert.deepEqual(all, want);
      const url = new URL(page.url());
      assert.equal(url.searchParams.get('sort'), component.component);
      assert.equal(url.searchParams.get('page'), '2');
      await axeAt(url.pathname + url.search, 'child page sorted, page 2');
    });

    await check('finance: who owes whom and the statement sort by amount', async () => {
      await page.goto(`${base}/ledger`, {waitUntil: 'load'});
      assert.deepEqual(await cells('#debts'), [[kA, kB, '£27,000.00']]);
      const amount = await header('#debts', 'Amount');
      assert.equal(amount.sort, 'descending');
      await clickAndWait(`#debts thead a[href="${amount.href}"]`);
      assert.equal((await header('#debts', 'Amount')).sort, 'ascending');
      assert.match(new URL(page.url()).search, /d_sort=amount&d_dir=asc|d_dir=asc&d_sort=amount/);
      await page.goto(`${base}/ledger/statement?sort=amount&dir=desc`, {waitUntil: 'load'});
      const rows = await cells('#statement');
      assert.ok(rows.some((r) => r[2] === kB && r[3] === '-£27,000.00'), JSON.stringify(rows));
      assert.equal((await header('#statement', 'Amount')).sort, 'descending');
      await axeAt('/ledger/statement?sort=amount&dir=desc', 'statement sorted');
      await axeAt('/ledger/payments?sort=amount', 'payments sorted');
    });

    // -- Print -------------------------------------------------------------
    // What a printed page looks like, measured in `page` emulating print at
    // the sheet's width.
    const printed = () => page.evaluate((sheet) => {
      const visible = (e) => e.checkVisibility({checkOpacity: true, checkVisibilityCSS: true});
      const chrome = ['.govuk-service-navigation', '.govuk-footer', '.govuk-button',
                      'main form', '.govuk-pagination', '.raa-finance-nav',
                      '.govuk-skip-link', 'a[download]'];
      const shown = [];
      for (const selector of chrome) {
        for (const e of document.querySelectorAll(selector)) {
          if (visible(e)) shown.push(selector);
        }
      }
      const clipped = [];
      for (const box of document.querySelectorAll('.raa-table-scroll')) {
        const style = getComputedStyle(box);
        if (style.overflowX !== 'visible') clipped.push(`scroll box overflow ${style.overflowX}`);
      }
      for (const cell of document.querySelectorAll('main td, main th')) {
        if (!visible(cell)) continue;
        const r = cell.getBoundingClientRect();
        if (r.right > sheet + 1) {
          clipped.push(`${cell.tagName} "${cell.textContent.trim().slice(0, 30)}" ends at ` +
                       `${Math.round(r.right)} px`);
        }
      }
      const black = (c) => c === 'rgb(0, 0, 0)';
      const clear = (c) => c === 'rgba(0, 0, 0, 0)' || c === 'rgb(255, 255, 255)';
      const colours = [];
      for (const e of document.querySelectorAll('main *')) {
        if (!visible(e)) continue;
        const style = getComputedStyle(e);
        const ownText = [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
        if (ownText && !black(style.color)) {
          colours.push(`${e.tagName}.${e.className} "${e.textContent.trim().slice(0, 20)}" ` +
                       style.color);
        }
        if (!clear(style.backgroundColor)) {
          colours.push(`${e.tagName}.${e.className} background ${style.backgroundColor}`);
        }
      }
      const body = getComputedStyle(document.body).backgroundColor;
      if (!clear(body)) colours.push(`body background ${body}`);
      const after = (a) => getComputedStyle(a, '::after').content;
      const textLinks = [...document.querySelectorAll('main .govuk-link[href^="/"]')]
          .filter((a) => !a.closest('table') && visible(a))
          .map((a) => ({href: a.getAttribute('href'), after: after(a)}));
      const tableLinks = [...document.querySelectorAll('main table a')]
          .map((a) => after(a)).filter((c) => c !== 'none' && c !== 'normal');
      const text = document.body.textContent;
      const stray = text.includes('{{') || text.includes('}}');
      return {shown, clipped, colours, textLinks, tableLinks, stray,
              width: document.documentElement.scrollWidth,
              headings: [...document.querySelectorAll('main h1')].map((h) => visible(h)),
              facts: [...document.querySelectorAll('.govuk-details__text dd')]
                  .filter((dd) => visible(dd)).length};
    }, kSheetWidth);

    const printAt = async (pathname, label, extra) => {
      await page.setViewport({width: kSheetWidth, height: 1100});
      await page.emulateMediaType('print');
      try {
        await page.goto(base + pathname, {waitUntil: 'load'});
        const got = await printed();
        assert.equal(got.stray, false, `${label}: template braces in the page`);
        assert.deepEqual(got.shown, [], `${label}: screen chrome printed`);
        assert.deepEqual(got.clipped, [], `${label}: a table is clipped`);
        assert.ok(got.width <= kSheetWidth + 1,
                  `${label}: ${got.width} px wide on a ${kSheetWidth} px sheet`);
        assert.deepEqual(got.colours.slice(0, 5), [], `${label}: not black on white`);
        assert.deepEqual(got.tableLinks, [], `${label}: links in tables print addresses`);
        for (const link of got.textLinks) {
          assert.ok(link.after.includes(link.href),
                    `${label}: the link to ${link.href} prints without its address`);
        }
        assert.ok(got.headings.length === 1 && got.headings[0], `${label}: no heading`);
        if (extra) await extra(got);
      } finally {
        await page.emulateMediaType(null);
        await page.setViewport({width: 1280, height: 900});
      }
    };
    const preview = async (pathname, name) => {
      if (!screenshots) return;
      fs.mkdirSync(screenshots, {recursive: true});
      await page.setViewport({width: kSheetWidth, height: 1100});
      await page.emulateMediaType('print');
      await page.goto(base + pathname, {waitUntil: 'load'});
      await page.screenshot({path: path.join(screenshots, `${name}-print.png`),
                             fullPage: true});
      await page.emulateMediaType(null);
      await page.setViewport({width: 1280, height: 900});
    };

    await check('print: the home page', () => printAt('/', 'home', async (got) => {
      assert.ok(got.textLinks.some((l) => l.href === '/ledger'),
                'the finance links are not printed with their addresses');
    }));
    await check('print: the child page, its folded profile fields unfolded',
                () => printAt(childPath, 'child page', async (got) => {
      assert.ok(got.facts > 3, `${got.facts} profile fields print`);
    }));
    await check('print: the child page sorted by a component, page 2',
                () => printAt(`${childPath}?sort=waiting&dir=desc&page=2`, 'child page 2'));
    for (const p of ['/ledger', '/ledger/statement', '/ledger/payments',
                     '/ledger/settlement', '/ledger/budget', '/ledger/reconcile',
                     '/children/nowhere/none']) {
      await check(`print: ${p}`, () => printAt(p, p));
    }

    await check('the child page as an A4 PDF and print previews are saved', async () => {
      await preview('/', 'home');
      await preview(childPath, 'child');
      await preview('/ledger', 'ledger');
      await page.goto(base + childPath, {waitUntil: 'load'});
      const pdf = await page.pdf({format: 'A4', printBackground: false,
                                  preferCSSPageSize: true});
      const buffer = Buffer.from(pdf);
      assert.equal(buffer.subarray(0, 5).toString('latin1'), '%PDF-');
      const pages = (buffer.toString('latin1').match(/\/Type\s*\/Page\b/g) || []).length;
      assert.ok(pages >= 1, 'no page in the PDF');
      if (screenshots) {
        fs.mkdirSync(screenshots, {recursive: true});
        fs.writeFileSync(path.join(screenshots, 'child-print.pdf'), buffer);
      }
      console.log(`     child page: ${pages} A4 page(s), ${buffer.length} bytes`);
    });

    await check('the browser reported no CSP violation or page error', () =>
      assert.deepEqual(pageErrors, []));
  } catch (e) {
    support.results.failures++;
    console.log(`FAIL ${e.stack || e}`);
  } finally {
    if (browser) await browser.close().catch(() => {});
    if (api) api.close();
    await support.stop(web && web.proc);
    await support.stop(server && server.proc);
    fs.rmSync(dir, {recursive: true, force: true});
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`${kName}: ${support.results.failures === 0 ? 'passed' : 'FAILED'} ` +
              `(${support.results.failures} failure(s), ${seconds} s)`);
  process.exit(support.results.failures === 0 ? 0 : 1);
}

main();
