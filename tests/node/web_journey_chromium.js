#!/usr/bin/env node
// The family finder's journey in the web console (raa-web, docs/web.md
// "Family finder's pages") in Debian's headless Chromium, against a real
// raamatchd and raa-web started here (tests/node/web_support.js).
//
// Set-up through the gRPC API: a local authority A (the children's) and a
// local authority B (the households'); a family finder key and a
// finance key for A, registrar keys for both; B's approved household H1 and
// A's waiting child profiles C1 and C2.
//
// In the browser, as A's family finder: from C1's page "Open a link" with
// H1; the links board lists it; on its link page a date before the link was
// opened shows the API's refusal beside the date field (and in the error
// summary, whose link moves focus to the field); then the link moves step
// by step to PLACED, and the board shows it there. A's finance officer, in a
// second browser context, sees the £27,000.00 fee on /ledger. The finder
// follows C2 through the follows form; with the links board open, a new
// household that fits C2 is registered through the API, and the alert
// appears in the page's live region without a reload (waiting on the DOM);
// /alerts lists it with JavaScript off. The household page ranks C2 with its
// reasons and barrier summary; a link is opened from it, B's family finder
// (a third browser context) records its linking meeting and is refused the
// next step, the child's authority's (the API's words beside the date
// field), and A closes it (a missing reason first: the error beside the
// field). A finance officer gets 403 on
// /links; POSTs without CSRF are 403; axe-core finds no WCAG 2.0/2.1 A/AA
// violation on any page; no page is wider than 320 px; screenshots
// finder-*-1280/320.png go to --screenshots DIR.
//
//   node tests/node/web_journey_chromium.js --raamatchd build/services/raamatchd \
//       --raa-web build/clients/web/raa-web [--chromium PATH] [--screenshots DIR]
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const support = require('./web_support');

const {check, dayFromToday, iso, leaks} = support;
const kName = 'web_journey_chromium';
const kA = 'sheffield';
const kB = 'rotherham';
const kUsage = `usage: node ${path.basename(__filename)} --raamatchd PATH ` +
               '--raa-web PATH [--chromium PATH] [--screenshots DIR]';

// "authorities/a/children/c1" -> "a/c1".
function short(name) {
  const p = name.split('/');
  return `${p[1]}/${p[3]}`;
}

function household(extra) {
  return Object.assign({
    status: 'ADOPTER_STATUS_APPROVED', registered_interest_on: dayFromToday(-500),
    applied_on: dayFromToday(-450), approved_on: dayFromToday(-200), approved_for: 1,
    min_age_months: 0, max_age_months: 60, sex_preference: 'SEX_PREFERENCE_ANY',
    heritage: ['HERITAGE_WHITE_BRITISH'], religion: 'RELIGION_CHRISTIAN',
    languages: ['en'], region: 'south-yorkshire',
    max_contact: 'CONTACT_PLAN_LETTERBOX', fast_track: 'FAST_TRACK_NONE'}, extra);
}

function childProfile(months, summary) {
  return {
    members: [{age_months: months, sex: 'SEX_FEMALE', heritage: 'HERITAGE_WHITE_BRITISH',
               religion: 'RELIGION_NO_RELIGION', first_language: 'en'}],
    ages_as_of: dayFromToday(-10), contact_plan: 'CONTACT_PLAN_LETTERBOX',
    early_permanence: 'EARLY_PERMANENCE_NONE', summary,
    journey: {entered_care: dayFromToday(-400), plan_for_adoption: dayFromToday(-300),
              shobpa_decision: dayFromToday(-250)}};
}

async function setUp(call, managerKey) {
  let n = 0;
  const requestId = () => `web-journey-${process.pid}-${++n}`;
  const key = async (authority, roles) => (await call('AccessService', 'CreateApiKey',
      managerKey, {api_key: {authority: `authorities/${authority}`, roles,
                             display_name: `web journey test ${roles}`},
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
    finderA: await key(kA, ['ROLE_FAMILY_FINDER']),
    financeA: await key(kA, ['ROLE_FINANCE']),
    registrarA: await key(kA, ['ROLE_REGISTRAR']),
    registrarB: await key(kB, ['ROLE_REGISTRAR']),
    finderB: await key(kB, ['ROLE_FAMILY_FINDER']),
  };
  const h1 = await call('RegistryService', 'CreateAdopter', keys.registrarB, {
    parent: `authorities/${kB}`, request_id: requestId(), adopter: household({})});
  const c1 = await call('RegistryService', 'CreateChild', keys.registrarA, {
    parent: `authorities/${kA}`, request_id: requestId(),
    child: childProfile(36, 'Loves music')});
  // C2 is older than H1 would take: only the household registered later fits.
  const c2 = await call('RegistryService', 'CreateChild', keys.registrarA, {
    parent: `authorities/${kA}`, request_id: requestId(),
    child: childProfile(100, 'Enjoys football <script>alert(1)</script>')});
  // C3 is younger than the later household would take: its barrier.
  await call('RegistryService', 'CreateChild', keys.registrarA, {
    parent: `authorities/${kA}`, request_id: requestId(), child: childProfile(20, 'Toddler')});
  const newHousehold = () => call('RegistryService', 'CreateAdopter', keys.registrarB, {
    parent: `authorities/${kB}`, request_id: requestId(),
    adopter: household({min_age_months: 60, max_age_months: 120})});
  const links = async () => (await call('JourneyService', 'ListLinks', managerKey,
                                         {page_size: 100})).links || [];
  const payments = async () => (await call('LedgerService', 'ListPayments', keys.financeA,
      {authority: `authorities/${kA}`})).payments || [];
  const follows = async () => (await call('MatchingService', 'ListFollows', keys.finderA,
                                           {})).follows || [];
  return {keys, h1: h1.name, c1: c1.name, c2: c2.name, newHousehold, links, payments,
          follows};
}

// What in a page gives too much away ([] if nothing).
async function main() {
  const raamatchd = support.option('--raamatchd', true, kUsage);
  const raaWeb = support.option('--raa-web', true, kUsage);
  const screenshots = support.option('--screenshots', false);
  const chromium = support.chromiumOrSkip(kName);
  const grpc = support.requireInstalled('@grpc/grpc-js');
  const puppeteer = support.requireInstalled('puppeteer-core');

  const started = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raa-web-journey-'));
  let server = null;
  let web = null;
  let browser = null;
  let api = null;
  try {
    server = await support.startServer(raamatchd, dir);
    api = support.connectApi(grpc, dir, server.address,
        ['raa/v1/registry.proto', 'raa/v1/access.proto', 'raa/v1/journey.proto',
         'raa/v1/ledger.proto', 'raa/v1/matching.proto']);
    const fixture = await setUp(api.call, server.managerKey);
    const {keys} = fixture;
    const secrets = Object.values(keys).concat([server.managerKey]);
    web = await support.startWeb(raaWeb, dir, server.address);
    const {base} = web;
    console.log(`raa-web on ${base} (set-up took ${Date.now() - started} ms)`);

    browser = await support.launchBrowser(puppeteer, chromium);
    const page = await browser.newPage();
    await page.setViewport({width: 1280, height: 900});
    const cspErrors = [];
    const watch = (p) => {
      p.on('console', (m) => {
        if (/Content Security Policy|Refused to/i.test(m.text())) cspErrors.push(m.text());
      });
      p.on('pageerror', (e) => cspErrors.push(`page error: ${e.message}`));
    };
    watch(page);
    // axe-core runs in a second tab (same cookies) with the CSP bypassed.
    const axePage = await browser.newPage();
    await axePage.setBypassCSP(true);
    const axeAt = async (pathname, label) => {
      await axePage.goto(base + pathname, {waitUntil: 'load'});
      assert.equal(new URL(axePage.url()).pathname, pathname.split('?')[0],
                   `${label}: redirected`);
      await support.axeCheck(axePage, label);
      await page.bringToFront();
    };
    // axe on what `page` shows now (a page after a POST, with its errors).
    const axeHere = async (label) => {
      const html = await page.content();
      await axePage.bringToFront();
      await axePage.setContent(html, {waitUntil: 'load'});
      await support.axeCheck(axePage, label);
      await page.bringToFront();
    };
    const text = async (p = page) => (await p.evaluate(() => document.body.innerText))
        .replace(/\s+/g, ' ');
    const overflows = [];
    const fits = async (name) => {
      for (const width of [1280, 320]) {
        await page.setViewport({width, height: 900});
        const wide = await page.evaluate(() => document.documentElement.scrollWidth);
        if (wide > width) {
          const culprit = await page.evaluate((w) => {
            const over = [...document.querySelectorAll('body *')].filter((e) =>
              e.getBoundingClientRect().right > w && !e.closest('.raa-table-scroll'));
            const e = over[over.length - 1];
            return e ? `${e.tagName}.${e.className}#${e.id}` : '?';
          }, width);
          overflows.push(`${name} is ${wide} px wide at ${width} px (${culprit})`);
        }
      }
      await page.setViewport({width: 1280, height: 900});
    };
    const shoot = async (name) => {
      if (!screenshots) return;
      fs.mkdirSync(screenshots, {recursive: true});
      for (const width of [1280, 320]) {
        await page.setViewport({width, height: 900});
        await page.screenshot({path: path.join(screenshots, `finder-${name}-${width}.png`),
                               fullPage: true});
      }
      await page.setViewport({width: 1280, height: 900});
    };
    const cookieOf = async (p) => {
      const c = (await p.cookies()).find((x) => x.name === 'raa_session');
      return c ? `raa_session=${c.value}` : '';
    };
    const submit = async (selector) => {
      const [r] = await Promise.all([page.waitForNavigation({waitUntil: 'load'}),
                                     page.click(selector)]);
      return r;
    };
    const banner = async () => page.evaluate(() => {
      const b = document.querySelector('.govuk-notification-banner--success');
      return b ? b.textContent.replace(/\s+/g, ' ').trim() : '';
    });
    const boardRows = async () => page.$$eval('#links tbody tr', (trs) =>
      trs.map((row) => [...row.cells].map((c) => c.textContent.trim())));

    // -- A's family finder -------------------------------------------------
    await support.signIn(page, base, keys.finderA);
    assert.equal(new URL(page.url()).pathname, '/', 'sign-in did not reach home');
    const cookieFinder = await cookieOf(page);
    const c1Path = `/children/${short(fixture.c1)}`;
    let linkPath = '';

    await check('the menu of a family finder links to Links, Follows and Alerts', async () => {
      const hrefs = await page.$$eval('.govuk-service-navigation a',
                                      (as) => as.map((a) => a.getAttribute('href')));
      for (const p of ['/links', '/follows', '/alerts']) {
        assert.ok(hrefs.includes(p), `no ${p} in the menu: ${hrefs}`);
      }
    });

    await check('from the child page, "Open a link" with H1 opens a link', async () => {
      await page.goto(base + c1Path, {waitUntil: 'load'});
      await submit(`form[action="/links"]:has(input[name="adopter"][value="${fixture.h1}"]) ` +
                   'button');
      assert.match(await banner(), /opened/);
      const links = await fixture.links();
      assert.equal(links.length, 1, JSON.stringify(links));
      linkPath = `/${links[0].name}`;
      // The child page lists it, with a way to the link's own page.
      const listed = await page.$$eval('#child-links tbody tr a',
                                       (as) => as.map((a) => a.getAttribute('href')));
      assert.ok(listed.includes(linkPath), `${linkPath} not in ${listed}`);
    });

    await check('opening the same pair again: refused, with a way to the open link',
                async () => {
      await page.goto(base + c1Path, {waitUntil: 'load'});
      const r = await submit(`form[action="/links"]:has(input[name="adopter"]` +
                             `[value="${fixture.h1}"]) button`);
      assert.equal(r.status(), 409);
      const see = await page.$eval('.govuk-error-summary a.govuk-link',
                                   (a) => ({href: a.getAttribute('href'), text: a.textContent}));
      assert.equal(see.href, linkPath);
      assert.equal(see.text, `Go to ${linkPath.slice(1)}`);
      assert.equal((await fixture.links()).length, 1);
    });

    await check('the links board lists the link at "Opened", linked to its page', async () => {
      const r = await page.goto(`${base}/links`, {waitUntil: 'load'});
      assert.equal(r.status(), 200);
      const rows = await boardRows();
      assert.equal(rows.length, 1, JSON.stringify(rows));
      assert.equal(rows[0][0], linkPath.split('/')[2]);
      assert.equal(rows[0][1], short(fixture.c1));
      assert.equal(rows[0][2], short(fixture.h1));
      assert.equal(rows[0][3], 'Opened');
      assert.equal(rows[0][4], '0');
      const href = await page.$eval('#links tbody a', (a) => a.getAttribute('href'));
      assert.equal(href, linkPath);
      assert.match(await page.$eval('#by-step', (e) => e.textContent), /Opened: 1/);
      await fits('links board');
      await shoot('links');
    });

    await check('axe: the links board, the link page', async () => {
      await axeAt('/links', 'links board');
      await axeAt(linkPath, 'link page');
      await axeAt('/links?state=all&whose=all&sort=days&dir=desc', 'links board, sorted');
    });

    await check('a date before the link was opened: the API\'s refusal beside the date ' +
                'field and in the summary, whose link focuses the field', async () => {
      await page.goto(base + linkPath, {waitUntil: 'load'});
      await page.$eval('#advance-date', (e) => { e.value = ''; });
      await page.type('#advance-date', iso(dayFromToday(-3)));
      const r = await submit('#advance-form button[type="submit"]');
      assert.ok([400, 409].includes(r.status()), `status ${r.status()}`);
      const got = await page.evaluate(() => ({
        summary: [...document.querySelectorAll('.govuk-error-summary a')].map((a) => ({
          href: a.getAttribute('href'), text: a.textContent.trim()})),
        beside: (document.querySelector('#advance-date-error') || {}).textContent || '',
        describedBy: document.querySelector('#advance-date').getAttribute('aria-describedby'),
        value: document.querySelector('#advance-date').value,
        title: document.title,
      }));
      assert.equal(got.summary.length, 1, JSON.stringify(got));
      assert.equal(got.summary[0].href, '#advance-date');
      assert.match(got.summary[0].text, /before/, JSON.stringify(got));
      // The summary names the field by its label; beside it, the same words.
      const [label, words] = got.summary[0].text.split(/: (.*)/s);
      assert.equal(label, 'Date of the Linking meeting step', JSON.stringify(got));
      assert.ok(got.beside.includes(words), JSON.stringify(got));
      assert.match(got.describedBy, /advance-date-error/);
      assert.equal(got.value, iso(dayFromToday(-3)), 'the typed date is not kept');
      assert.match(got.title, /^Error: /);
      await page.click('.govuk-error-summary a');
      await page.waitForFunction(() => document.activeElement &&
                                       document.activeElement.id === 'advance-date');
      assert.equal((await fixture.links())[0].step, 'LINK_STEP_OPENED');
      await axeHere('link page with an error');
      await fits('link page with an error');
      await shoot('link-error');
    });

    await check('the link moves step by step to PLACED, each step dated', async () => {
      const steps = ['Linking meeting', 'Papers to panel', 'Panel recommended',
                     'Match decided', 'Placed'];
      for (const step of steps) {
        await page.goto(base + linkPath, {waitUntil: 'load'});
        const heading = await page.$eval('#advance-form', (f) =>
          f.previousElementSibling.textContent);
        assert.match(heading, new RegExp(step), heading);
        // The date field holds today's date already.
        assert.equal(await page.$eval('#advance-date', (e) => e.value), iso(dayFromToday(0)));
        await submit('#advance-form button[type="submit"]');
        assert.equal(new URL(page.url()).pathname, linkPath);
        assert.match(await banner(), new RegExp(`${step} recorded on`));
        assert.equal(await page.$eval('#link-step', (e) => e.textContent.trim()), step);
      }
      const dated = await page.$$eval('#steps tbody tr', (trs) =>
        trs.map((row) => [row.cells[0].textContent.trim(), row.cells[1].textContent.trim()]));
      assert.deepEqual(dated.map((s) => s[0]), ['Opened'].concat(steps));
      for (const s of dated) assert.equal(s[1], iso(dayFromToday(0)));
      assert.equal((await fixture.links())[0].step, 'LINK_STEP_PLACED');
      await fits('link page');
      await shoot('link');
    });

    await check('the board shows the link at "Placed"; the step filter keeps it', async () => {
      await page.goto(`${base}/links`, {waitUntil: 'load'});
      let rows = await boardRows();
      assert.equal(rows[0][3], 'Placed');
      await page.select('#step', 'LINK_STEP_PLACED');
      await submit('form.raa-filter button');
      rows = await boardRows();
      assert.equal(rows.length, 1);
      await page.select('#step', 'LINK_STEP_OPENED');
      await submit('form.raa-filter button');
      assert.equal((await boardRows()).length, 0);
      assert.match(await text(), /No links to show/);
    });

    await check('correcting a step to a future date: the refusal beside the date',
                async () => {
      await page.goto(base + linkPath, {waitUntil: 'load'});
      await page.click('#correct-details summary');
      await page.select('#correct-step', 'LINK_STEP_PLACED');
      await page.type('#correct-new_date', iso(dayFromToday(2)));
      await page.type('#correct-reason', 'typed the wrong day');
      const r = await submit('#correct-form button[type="submit"]');
      assert.equal(r.status(), 400);
      assert.match(await page.$eval('#correct-new_date-error', (e) => e.textContent),
                   /in the future/);
      assert.equal(await page.$eval('#correct-details', (e) => e.open), true);
      await axeHere('link page with a correction error');
    });

    await check('a POST to move a link without the csrf field is 403 and moves nothing',
                async () => {
      const r = await support.request(base, 'POST', `${linkPath}/advance`, {
        cookie: cookieFinder,
        form: {step: 'LINK_STEP_ORDER_APPLIED', date: iso(dayFromToday(0))}});
      assert.equal(r.status, 403);
      assert.equal((await fixture.links())[0].step, 'LINK_STEP_PLACED');
      const f = await support.request(base, 'POST', '/follows', {
        cookie: cookieFinder, form: {followed: short(fixture.c2)}});
      assert.equal(f.status, 403);
      assert.deepEqual(await fixture.follows(), []);
    });

    // -- A's finance officer, in a second browser context -----------------
    await check('A\'s finance officer (a second context) sees the £27,000.00 fee on /ledger',
                async () => {
      const context = browser.createBrowserContext ? await browser.createBrowserContext()
                                                   : await browser.createIncognitoBrowserContext();
      try {
        const finance = await context.newPage();
        watch(finance);
        await support.signIn(finance, base, keys.financeA);
        await finance.goto(`${base}/ledger`, {waitUntil: 'load'});
        assert.match(await text(finance), /You owe the others £27,000\.00/);
        const debts = await finance.$$eval('#debts tbody tr', (rows) =>
          rows.map((row) => [...row.cells].map((c) => c.textContent.trim())));
        assert.deepEqual(debts, [[kA, kB, '£27,000.00']]);
        const r = await finance.goto(`${base}/links`, {waitUntil: 'load'});
        assert.equal(r.status(), 403, 'a finance officer reached /links');
        assert.deepEqual(leaks(await finance.content(), secrets), []);
        const cookie = await cookieOf(finance);
        const json = await support.request(base, 'GET', '/alerts.json', {cookie});
        assert.equal(json.status, 403);
        assert.match(json.headers['content-type'], /^application\/json/);
      } finally {
        await context.close();
      }
      await page.bringToFront();
    });

    // -- follows and live alerts -------------------------------------------
    await check('following C2 through the follows form (a bad score first)', async () => {
      await page.goto(`${base}/follows`, {waitUntil: 'load'});
      assert.match(await text(), /follows nothing yet/);
      await axeAt('/follows', 'follows, empty');
      await page.type('#followed', short(fixture.c2));
      await page.type('#min_score', 'high');
      let r = await submit('#follow-form button[type="submit"]');
      assert.equal(r.status(), 400);
      assert.match(await page.$eval('#min_score-error', (e) => e.textContent), /whole number/);
      assert.equal(await page.$eval('#followed', (e) => e.value), short(fixture.c2));
      await axeHere('follows with an error');
      await page.$eval('#min_score', (e) => { e.value = ''; });
      await page.type('#min_score', '1');
      r = await submit('#follow-form button[type="submit"]');
      assert.equal(new URL(page.url()).pathname, '/follows');
      assert.match(await banner(), new RegExp(`You follow ${short(fixture.c2)}`));
      const rows = await page.$$eval('#follows tbody tr', (trs) =>
        trs.map((row) => [...row.cells].map((c) => c.textContent.trim())));
      assert.equal(rows.length, 1);
      assert.equal(rows[0][0], short(fixture.c2));
      assert.equal(rows[0][3], 'active');
      const follows = await fixture.follows();
      assert.equal(follows.length, 1);
      assert.equal(follows[0].min_score, 1);
      await fits('follows');
      await shoot('follows');
      await axeAt('/follows', 'follows');
    });

    let household2 = '';
    await check('a new household that fits C2 appears on the open links board without ' +
                'a reload', async () => {
      await page.goto(`${base}/links`, {waitUntil: 'load'});
      await page.bringToFront();
      await page.waitForSelector('#raa-live-alerts:not([hidden])');
      assert.equal(await page.$eval('#raa-live-alerts [aria-live]',
                                    (e) => e.getAttribute('aria-live')), 'polite');
      await page.evaluate(() => { window.raaNotReloaded = true; });
      household2 = (await fixture.newHousehold()).name;
      const item = await page.waitForSelector('#raa-live-alerts li.raa-live-alert',
                                              {timeout: 30000});
      const said = await item.evaluate((e) => e.textContent);
      assert.match(said, new RegExp(`household ${short(household2)} for child profile ` +
                                    `${short(fixture.c2)}`), said);
      assert.equal(await page.evaluate(() => window.raaNotReloaded), true, 'the page reloaded');
      const hrefs = await item.$$eval('a', (as) => as.map((a) => a.getAttribute('href')));
      assert.deepEqual(hrefs, [`/households/${short(household2)}`,
                               `/children/${short(fixture.c2)}`]);
      assert.match(await page.$eval('.raa-live-alerts__status', (e) => e.textContent),
                   /1 new alert/);
      await fits('links board with an alert');
      await shoot('links-alert');
    });

    await check('/alerts.json: JSON, no-store; without a session 401, not a redirect',
                async () => {
      const r = await support.request(base, 'GET', '/alerts.json', {cookie: cookieFinder});
      assert.equal(r.status, 200);
      assert.match(r.headers['content-type'], /^application\/json/);
      assert.equal(r.headers['cache-control'], 'no-store');
      // A figure for the log, not a check: one poll's time in raa-web.
      console.log(`NOTE /alerts.json Server-Timing: ${r.headers['server-timing']}`);
      const body = JSON.parse(r.body.toString('utf8'));
      assert.equal(body.alerts.length, 1);
      assert.ok(body.after, 'no resume token');
      const next = await support.request(base, 'GET',
          `/alerts.json?after=${encodeURIComponent(body.after)}`, {cookie: cookieFinder});
      assert.deepEqual(JSON.parse(next.body.toString('utf8')).alerts, []);
      const out = await support.request(base, 'GET', '/alerts.json');
      assert.equal(out.status, 401);
      assert.match(out.headers['content-type'], /^application\/json/);
    });

    await check('/alerts lists the alert with its reasons, with JavaScript off', async () => {
      const plain = await browser.newPage();
      try {
        await plain.setJavaScriptEnabled(false);
        const r = await plain.goto(`${base}/alerts`, {waitUntil: 'load'});
        assert.equal(r.status(), 200);
        const rows = await plain.$$eval('#alerts tbody tr', (trs) =>
          trs.map((row) => [...row.cells].map((c) => c.textContent.trim())));
        assert.equal(rows.length, 1, JSON.stringify(rows));
        assert.equal(rows[0][1], 'New match');
        assert.equal(rows[0][2], short(fixture.c2));
        assert.equal(rows[0][3], short(household2));
        assert.ok(await plain.$('#alerts .raa-reasons li'), 'no reasons');
        assert.equal(await plain.$eval('#raa-live-alerts', (e) => e.hidden), true);
      } finally {
        await plain.close();
      }
      await page.bringToFront();
      await page.goto(`${base}/alerts`, {waitUntil: 'load'});
      await fits('alerts');
      await shoot('alerts');
      await axeAt('/alerts', 'alerts');
    });

    const h2Path = () => `/households/${short(household2)}`;
    await check('the household page ranks C2 with its reasons and the barriers', async () => {
      const r = await page.goto(base + h2Path(), {waitUntil: 'load'});
      assert.equal(r.status(), 200);
      const rows = await page.$$eval('#ranked-children tbody tr', (trs) =>
        trs.map((row) => [...row.cells].map((c) => c.textContent.trim())));
      assert.ok(rows.some((row) => row[1] === short(fixture.c2)), JSON.stringify(rows));
      assert.ok(await page.$('#ranked-children .raa-reasons li'), 'no reasons');
      assert.match(await text(), /child profiles considered/);
      assert.ok(await page.$('#barriers li'), 'no barrier summary');
      assert.doesNotMatch(await page.content(), /<script>alert/);
      await fits('household');
      await shoot('household');
      await axeAt(h2Path(), 'household page');
      await axeAt(`${h2Path()}?sort=score&dir=asc`, 'household page, sorted');
    });

    await check('B\'s family finder records a linking meeting; the next step is the ' +
                'child\'s authority\'s: the API\'s refusal shows beside the date', async () => {
      await page.goto(base + h2Path(), {waitUntil: 'load'});
      await submit(`form[action="/links"]:has(input[name="child"][value="${fixture.c2}"]) ` +
                   'button');
      const link = (await fixture.links()).find((l) => l.adopter === household2);
      assert.ok(link, 'no link opened');
      const context = browser.createBrowserContext ? await browser.createBrowserContext()
                                                   : await browser.createIncognitoBrowserContext();
      try {
        const other = await context.newPage();
        watch(other);
        await support.signIn(other, base, keys.finderB);
        await other.goto(`${base}/${link.name}`, {waitUntil: 'load'});
        await Promise.all([other.waitForNavigation({waitUntil: 'load'}),
                           other.click('#advance-form button[type="submit"]')]);
        assert.match(await text(other), /Linking meeting recorded on/);
        const [r] = await Promise.all([other.waitForNavigation({waitUntil: 'load'}),
                                       other.click('#advance-form button[type="submit"]')]);
        assert.equal(r.status(), 403);
        const beside = await other.$eval('#advance-date-error', (e) => e.textContent);
        assert.match(beside, /child's authority \(sheffield\)/, beside);
        assert.equal(await other.$eval('.govuk-error-summary a', (a) => a.getAttribute('href')),
                     '#advance-date');
      } finally {
        await context.close();
      }
      await page.bringToFront();
    });

    await check('A closes the link opened from the household page; a missing reason ' +
                'first shows the error beside the field', async () => {
      const link = (await fixture.links()).find((l) => l.adopter === household2);
      assert.ok(link, 'no link opened');
      await page.goto(`${base}/${link.name}`, {waitUntil: 'load'});
      let r = await submit('#close-form button[type="submit"]');
      assert.equal(r.status(), 400);
      assert.equal(await page.$eval('.govuk-error-summary a', (a) => a.getAttribute('href')),
                   '#close-reason');
      assert.match(await page.$eval('#close-reason-error', (e) => e.textContent), /why/);
      await page.select('#close-reason', 'CLOSE_REASON_PLAN_CHANGED');
      await page.type('#close-note', 'The plan is now long-term fostering');
      r = await submit('#close-form button[type="submit"]');
      assert.match(await banner(), /closed on .*Plan changed/);
      assert.equal(await page.$eval('#link-state', (e) => e.textContent.trim()), 'closed');
      assert.equal(await page.$('#close-form'), null, 'a closed link still has the form');
      await axeAt(`/${link.name}`, 'closed link');
    });

    await check('following and unfollowing the household from its page', async () => {
      await page.goto(base + h2Path(), {waitUntil: 'load'});
      await submit('form[action="/follows"] button');
      assert.equal(new URL(page.url()).pathname, h2Path());
      assert.match(await banner(), /You follow/);
      await submit('form[action="/follows/delete"] button');
      assert.match(await banner(), /no longer follow/);
      assert.ok(await page.$('form[action="/follows"]'), 'no follow button again');
      assert.equal((await fixture.follows()).length, 1);
    });

    await check('no page is wider than 320 px', () => assert.deepEqual(overflows, []));
    await check('the browser reported no CSP violation or page error', () =>
      assert.deepEqual(cspErrors, []));
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
