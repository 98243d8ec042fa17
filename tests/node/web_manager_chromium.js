#!/usr/bin/env node
// The consortium manager's pages of the web console (raa-web, docs/web.md
// "Manager pages") in Debian's headless Chromium, against a real raamatchd
// and raa-web started here (tests/node/web_support.js).
//
// Set-up through the gRPC API: members sheffield and leeds; a child profile
// of sheffield (one child of 3, a placement order) and two households that
// may take it: H1 of sheffield (same member, wide age range) and H2 of leeds
// (another member, an age range centred on the child), so that under the
// default weights H2 ranks first and with a heavy locality weight H1 does.
//
// In the browser, as the manager: the members list; adding a member with a
// mistake (the API's error beside the field and in the summary, linked to
// it), then fixed; withdrawing it after seeing the impact, and reinstating
// it; issuing a key (the secret shown once, no-store, never on the list),
// signing in with it in a second browser context, revoking it after a
// confirmation (that session ends); the policy page refusing a weight of 150
// beside its field, then a locality weight of 100 with the child named: the
// change page shows H1 up and H2 down; the scorecard, waiting and forecast
// pages with their SVG charts (role="img", a title, bars), and each HTML
// download byte for byte the document `raa report ... --html` writes. A
// family finder gets 403 on every manager page; a manager POST without the
// csrf field is 403 and changes nothing. axe-core finds no WCAG 2.0/2.1 A/AA
// violation on any manager page; none is wider than 320 px; screenshots
// manager-*-1280/320.png go to --screenshots DIR.
//
//   node tests/node/web_manager_chromium.js --raamatchd build/services/raamatchd \
//       --raa-web build/clients/web/raa-web --raa build/clients/raa \
//       [--chromium PATH] [--screenshots DIR]
'use strict';

const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const support = require('./web_support');

const {check, dayFromToday, leaks} = support;
const kName = 'web_manager_chromium';
const kA = 'sheffield';
const kB = 'leeds';
const kUsage = `usage: node ${path.basename(__filename)} --raamatchd PATH ` +
               '--raa-web PATH --raa PATH [--chromium PATH] [--screenshots DIR]';

async function setUp(call, managerKey) {
  let n = 0;
  const requestId = () => `web-manager-${process.pid}-${++n}`;
  const key = async (authority, roles) => (await call('AccessService', 'CreateApiKey',
      managerKey, {api_key: {authority: `authorities/${authority}`, roles,
                             display_name: `web manager test ${roles}`},
                   request_id: requestId()})).secret;
  for (const [id, name] of [[kA, 'Sheffield City Council'], [kB, 'Leeds City Council']]) {
    await call('RegistryService', 'CreateAuthority', managerKey, {
      authority_id: id, request_id: requestId(),
      authority: {display_name: name, region: 'yorkshire-and-the-humber',
                  kind: 'AUTHORITY_KIND_LOCAL_AUTHORITY'}});
  }
  const keys = {
    registrarA: await key(kA, ['ROLE_REGISTRAR']),
    registrarB: await key(kB, ['ROLE_REGISTRAR']),
    finderA: await key(kA, ['ROLE_FAMILY_FINDER']),
    manager: managerKey,
  };
  const household = (registrar, authority, min, max) => call('RegistryService',
      'CreateAdopter', registrar, {parent: `authorities/${authority}`,
        request_id: requestId(), adopter: {
          status: 'ADOPTER_STATUS_APPROVED', registered_interest_on: dayFromToday(-500),
          applied_on: dayFromToday(-450), approved_on: dayFromToday(-200),
          approved_for: 1, min_age_months: min, max_age_months: max,
          sex_preference: 'SEX_PREFERENCE_ANY', heritage: ['HERITAGE_WHITE_BRITISH'],
          religion: 'RELIGION_CHRISTIAN', languages: ['en'],
          region: 'yorkshire-and-the-humber', max_contact: 'CONTACT_PLAN_LETTERBOX',
          fast_track: 'FAST_TRACK_NONE'}});
  const h1 = await household(keys.registrarA, kA, 0, 200);
  const h2 = await household(keys.registrarB, kB, 24, 48);
  const child = await call('RegistryService', 'CreateChild', keys.registrarA, {
    parent: `authorities/${kA}`, request_id: requestId(), child: {
      members: [{age_months: 36, sex: 'SEX_FEMALE', heritage: 'HERITAGE_WHITE_BRITISH',
                 religion: 'RELIGION_NO_RELIGION', first_language: 'en'}],
      ages_as_of: dayFromToday(0), contact_plan: 'CONTACT_PLAN_LETTERBOX',
      early_permanence: 'EARLY_PERMANENCE_NONE', summary: 'Loves music',
      region: 'yorkshire-and-the-humber',
      journey: {entered_care: dayFromToday(-400), plan_for_adoption: dayFromToday(-300),
                shobpa_decision: dayFromToday(-250),
                placement_order: dayFromToday(-200)}}});
  const short = (name) => { const p = name.split('/'); return `${p[1]}/${p[3]}`; };
  return {keys, child: child.name, childShort: short(child.name),
          h1: short(h1.name), h2: short(h2.name)};
}

// What in a page gives too much away ([] if nothing).
async function main() {
  const raamatchd = support.option('--raamatchd', true, kUsage);
  const raaWeb = support.option('--raa-web', true, kUsage);
  const raa = support.option('--raa', true, kUsage);
  const screenshots = support.option('--screenshots', false);
  const chromium = support.chromiumOrSkip(kName);
  const grpc = support.requireInstalled('@grpc/grpc-js');
  const puppeteer = support.requireInstalled('puppeteer-core');

  const started = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raa-web-manager-'));
  let server = null;
  let web = null;
  let browser = null;
  let api = null;
  try {
    server = await support.startServer(raamatchd, dir);
    api = support.connectApi(grpc, dir, server.address,
        ['raa/v1/registry.proto', 'raa/v1/access.proto', 'raa/v1/matching.proto']);
    const fixture = await setUp(api.call, server.managerKey);
    const {keys} = fixture;
    const secrets = Object.values(keys);
    web = await support.startWeb(raaWeb, dir, server.address);
    const {base} = web;
    console.log(`raa-web on ${base} (set-up took ${Date.now() - started} ms)`);

    browser = await support.launchBrowser(puppeteer, chromium);
    const page = await browser.newPage();
    await page.setViewport({width: 1280, height: 900});
    const cspErrors = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) cspErrors.push(m.text());
    });
    page.on('pageerror', (e) => cspErrors.push(`page error: ${e.message}`));
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
        await page.screenshot({path: path.join(screenshots, `manager-${name}-${width}.png`),
                               fullPage: true});
      }
      await page.setViewport({width: 1280, height: 900});
    };
    const cookieOf = async (p = page) => {
      const c = (await p.cookies()).find((x) => x.name === 'raa_session');
      return c ? `raa_session=${c.value}` : '';
    };
    const submit = async (selector, p = page) => {
      const [r] = await Promise.all([p.waitForNavigation({waitUntil: 'load'}),
                                     p.click(selector)]);
      return r;
    };
    const tableRows = (selector) => page.$$eval(`${selector} tbody tr`, (trs) =>
      trs.map((row) => [...row.cells].map((c) => c.textContent.replace(/\s+/g, ' ').trim())));
    const errorsShown = async (p = page) => p.evaluate(() => ({
      summary: [...document.querySelectorAll('.govuk-error-summary a')].map((a) => ({
        href: a.getAttribute('href'), text: a.textContent.trim()})),
      beside: [...document.querySelectorAll('.govuk-error-message')].map((e) => ({
        id: e.id, text: e.textContent.replace('Error:', '').trim()})),
      title: document.title,
    }));
    const members = async () => (await api.call('RegistryService', 'ListAuthorities',
        server.managerKey, {page_size: 100})).authorities || [];
    const managerPages = ['/members', '/members/new', '/keys', '/keys/new', '/policy',
                          '/reports/scorecard', '/reports/waiting', '/reports/forecast'];

    // -- the manager --------------------------------------------------------
    await support.signIn(page, base, keys.manager);
    assert.equal(new URL(page.url()).pathname, '/', 'sign-in did not reach home');
    const cookie = await cookieOf();

    await check('the manager\'s menu links to members, keys, policy, reports and fees', async () => {
      const hrefs = await page.$$eval('#navigation a', (as) => as.map((a) => a.getAttribute('href')));
      for (const p of ['/members', '/keys', '/policy', '/reports/scorecard', '/ledger']) {
        assert.ok(hrefs.includes(p), `no menu link to ${p}: ${hrefs}`);
      }
    });

    const footer = () => page.$eval('.govuk-footer', (e) => e.textContent.trim());
    const homeFooter = await footer();
    for (const p of managerPages) {
      await check(`axe and 320 px: ${p}`, async () => {
        await axeAt(p, p);
        const r = await page.goto(base + p, {waitUntil: 'load'});
        assert.equal(r.status(), 200);
        assert.equal(await footer(), homeFooter, 'the page changed the layout\'s values');
        await fits(p);
      });
    }

    await check('/members lists every member, sortable by the URL', async () => {
      await page.goto(`${base}/members?sort=id&dir=desc`, {waitUntil: 'load'});
      const rows = await tableRows('#members');
      const ids = rows.map((r) => r[1]);
      // Every member (the bootstrap's hub too), by id descending.
      assert.deepEqual(ids, (await members()).map((a) => a.name.split('/')[1]).sort().reverse());
      assert.ok(ids.includes(kA) && ids.includes(kB), JSON.stringify(ids));
      assert.match(rows[0][4], /^active/);
      // The manager's own member offers no Withdraw: the API would refuse it.
      const own = rows.filter((r) => r[6] === 'Your own member');
      assert.equal(own.length, 1, JSON.stringify(rows));
      assert.ok(![kA, kB].includes(own[0][1]), own[0][1]);
      assert.match(rows.find((r) => r[1] === kA)[6], /^Withdraw/);
      await shoot('members');
    });

    await check('adding a member with a bad id shows the API\'s error beside the field ' +
                'and in the summary; fixed, the member is listed', async () => {
      const before = (await members()).length;
      await page.goto(`${base}/members/new`, {waitUntil: 'load'});
      await page.type('#authority_id', 'Rotherham MBC');
      await page.type('#display_name', 'Rotherham Metropolitan Borough Council');
      await page.type('#region', 'yorkshire-and-the-humber');
      const r = await submit('form[action="/members"] button[type="submit"]');
      assert.equal(r.status(), 400);
      const got = await errorsShown();
      assert.equal(got.summary.length, 1, JSON.stringify(got));
      assert.equal(got.summary[0].href, '#authority_id');
      // The summary names the field by its label; beside it, the same words.
      assert.equal(got.summary[0].text, `Member ID: ${(got.beside[0] || {}).text}`,
                   JSON.stringify(got));
      assert.deepEqual(got.beside.map((b) => b.id), ['authority_id-error']);
      assert.match(got.title, /^Error: /);
      assert.equal(await page.$eval('#display_name', (e) => e.value),
                   'Rotherham Metropolitan Borough Council', 'what was typed is kept');
      // The summary's link moves the focus to the field.
      await page.click('.govuk-error-summary a[href="#authority_id"]');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'authority_id');
      await axeAt('/members/new', 'add member (form)');
      assert.equal((await members()).length, before, 'the mistake created a member');
      await page.$eval('#authority_id', (e) => { e.value = ''; });
      await page.type('#authority_id', 'rotherham');
      await submit('form[action="/members"] button[type="submit"]');
      assert.equal(new URL(page.url()).pathname, '/members');
      assert.match(await text(), /Member Rotherham Metropolitan Borough Council \(rotherham\) added/);
      const rows = await tableRows('#members');
      assert.ok(rows.some((row) => row[1] === 'rotherham' && /^active/.test(row[4])),
                JSON.stringify(rows));
    });

    await check('adding a member whose id is taken: the refusal beside the id', async () => {
      await page.goto(`${base}/members/new`, {waitUntil: 'load'});
      await page.type('#authority_id', 'rotherham');
      await page.type('#display_name', 'Rotherham again');
      await page.type('#region', 'yorkshire-and-the-humber');
      const r = await submit('form[action="/members"] button[type="submit"]');
      assert.equal(r.status(), 409);
      const got = await errorsShown();
      assert.equal(got.summary.length, 1, JSON.stringify(got));
      assert.equal(got.summary[0].href, '#authority_id');
      assert.equal(got.summary[0].text, `Member ID: ${(got.beside[0] || {}).text}`,
                   JSON.stringify(got));
      assert.deepEqual(got.beside.map((b) => b.id), ['authority_id-error']);
      assert.match(got.summary[0].text, /exists/);
    });

    await check('a second regional adoption agency is refused beside the kind', async () => {
      const before = (await members()).length;
      await page.goto(`${base}/members/new`, {waitUntil: 'load'});
      await page.type('#authority_id', 'southyorks-raa');
      await page.type('#display_name', 'South Yorkshire Regional Adoption Agency');
      await page.click('input[name="kind"][value="AUTHORITY_KIND_REGIONAL_ADOPTION_AGENCY"]');
      await page.type('#region', 'south-yorkshire');
      const r = await submit('form[action="/members"] button[type="submit"]');
      assert.equal(r.status(), 409);
      const got = await errorsShown();
      assert.equal(got.summary.length, 1, JSON.stringify(got));
      assert.equal(got.summary[0].href, '#kind');
      assert.match(got.summary[0].text, /^Kind of member: .*is the consortium's regional adoption agency/,
                   JSON.stringify(got));
      assert.deepEqual(got.beside.map((b) => b.id), ['kind-error']);
      assert.equal((await members()).length, before, 'a second hub was created');
    });

    await check('the add-member form with its errors passes axe', async () => {
      await axePage.bringToFront();
      await axePage.goto(`${base}/members/new`, {waitUntil: 'load'});
      await axePage.type('#authority_id', 'X');
      await Promise.all([axePage.waitForNavigation({waitUntil: 'load'}),
                         axePage.click('form[action="/members"] button[type="submit"]')]);
      assert.ok(await axePage.$('.govuk-error-summary'), 'no error summary');
      await support.axeCheck(axePage, 'add member with errors');
      await page.bringToFront();
    });

    await check('withdrawing shows the impact first, then withdraws; reinstating ' +
                'brings it back', async () => {
      // Not its own member: the API would refuse, so no form is offered.
      const own = await page.goto(`${base}/members/hub/withdraw`, {waitUntil: 'load'});
      assert.equal(own.status(), 409);
      assert.equal(await page.$('form[action="/members/hub/withdraw"]'), null);
      await page.goto(`${base}/members`, {waitUntil: 'load'});
      await submit('a[href="/members/rotherham/withdraw"]');
      assert.match(await text(), /What leaves matching.*Keys that become read-only/);
      assert.doesNotMatch(await text(), /\(\)/, 'an empty note shows as "()"');
      await axeAt('/members/rotherham/withdraw', 'withdraw');
      await fits('withdraw');
      await shoot('withdraw');
      await submit('form[action="/members/rotherham/withdraw"] button[type="submit"]');
      assert.equal(new URL(page.url()).pathname, '/members');
      assert.match(await text(), /rotherham\) withdrawn on/);
      let m = (await members()).find((a) => a.name === 'authorities/rotherham');
      assert.equal(m.status, 'AUTHORITY_STATUS_WITHDRAWN');
      await submit('form[action="/members/rotherham/reinstate"] button[type="submit"]');
      assert.match(await text(), /reinstated/);
      m = (await members()).find((a) => a.name === 'authorities/rotherham');
      assert.equal(m.status, 'AUTHORITY_STATUS_ACTIVE');
    });

    await check('a manager POST without the csrf field is 403 and changes nothing',
                async () => {
      const r = await support.request(base, 'POST', '/members', {cookie, form: {
        authority_id: 'doncaster', display_name: 'Doncaster', region: 'doncaster',
        kind: 'AUTHORITY_KIND_LOCAL_AUTHORITY'}});
      assert.equal(r.status, 403);
      const p = await support.request(base, 'POST', '/policy', {cookie, form: {
        'weight-locality': '1'}});
      assert.equal(p.status, 403);
      assert.ok(!(await members()).some((a) => a.name === 'authorities/doncaster'));
    });

    // -- keys ---------------------------------------------------------------
    let issued = null;
    await check('issuing a key shows its secret once (no-store), never on the list',
                async () => {
      await page.goto(`${base}/keys/new`, {waitUntil: 'load'});
      await page.select('#member', kA);
      await page.click(`input[name="roles"][value="ROLE_FAMILY_FINDER"]`);
      await page.type('#display_name', 'Sheffield family finding <b>team</b>');
      const r = await submit('form[action="/keys"] button[type="submit"]');
      assert.equal(r.status(), 200);
      assert.equal(r.headers()['cache-control'], 'no-store');
      const secret = await page.$eval('#secret', (e) => e.textContent.trim());
      assert.match(secret, /^raa_[0-9a-f]+_/);
      const id = secret.split('_')[1];
      assert.match(await text(), /Sheffield family finding <b>team<\/b>/, 'the label is text');
      issued = {secret, id};
      await page.goto(`${base}/keys`, {waitUntil: 'load'});
      const html = await page.content();
      assert.ok(html.includes(id), 'the new key is not listed');
      assert.ok(!html.includes(secret), 'the list shows a secret');
      assert.deepEqual(leaks(html, secrets.concat([secret]), {keyShapes: false}), []);
      // The member filter: only leeds's keys.
      await page.select('#member', kB);
      await submit('form[action="/keys"][method="get"] button[type="submit"]');
      assert.equal(new URL(page.url()).search, `?member=${kB}`);
      const filtered = await tableRows('#keys');
      assert.ok(filtered.length > 0 && filtered.every((row) => row[1] === kB),
                JSON.stringify(filtered));
      await page.goto(`${base}/keys`, {waitUntil: 'load'});
      await fits('keys');
      await shoot('keys');
    });

    await check('a key issued without a role shows the API\'s error beside the roles',
                async () => {
      await page.goto(`${base}/keys/new`, {waitUntil: 'load'});
      await page.select('#member', kB);
      const r = await submit('form[action="/keys"] button[type="submit"]');
      assert.equal(r.status(), 400);
      const got = await errorsShown();
      assert.ok(got.summary.length >= 1, JSON.stringify(got));
      assert.equal(got.summary[0].href, '#roles');
      assert.match(got.summary[0].text, /^Roles: /, JSON.stringify(got));
      assert.ok(got.beside.some((b) => b.id === 'roles-error'), JSON.stringify(got));
      assert.equal(await page.$eval('#member', (e) => e.value), kB);
    });

    await check('signed in with the new key in a second browser, its session ends when ' +
                'the key is revoked', async () => {
      assert.ok(issued, 'no key was issued');
      const other = await browser.createBrowserContext();
      try {
        const second = await other.newPage();
        await support.signIn(second, base, issued.secret);
        assert.equal(new URL(second.url()).pathname, '/');
        assert.match(await text(second), /Sheffield City Council/);
        await page.bringToFront();
        await page.goto(`${base}/keys`, {waitUntil: 'load'});
        await submit(`a[href="/keys/${issued.id}/revoke"]`);
        assert.match(await text(), /stops working at once/);
        await axeAt(`/keys/${issued.id}/revoke`, 'revoke');
        await fits('revoke');
        await submit(`form[action="/keys/${issued.id}/revoke"] button[type="submit"]`);
        assert.match(await text(), new RegExp(`Key ${issued.id} of ${kA} revoked`));
        const rows = await tableRows('#keys');
        assert.ok(rows.some((row) => row[0] === issued.id && /^revoked/.test(row[5])),
                  JSON.stringify(rows));
        await second.bringToFront();
        await second.goto(`${base}/`, {waitUntil: 'load'});
        assert.equal(new URL(second.url()).pathname, '/sign-in', 'the session did not end');
        await second.goto(`${base}/`, {waitUntil: 'load'});
        assert.equal(new URL(second.url()).pathname, '/sign-in');
      } finally {
        await other.close();
        await page.bringToFront();
      }
    });

    // -- matching policy ----------------------------------------------------
    await check('a weight of 150 is refused beside its field with the API\'s words',
                async () => {
      await page.goto(`${base}/policy`, {waitUntil: 'load'});
      await page.$eval('#weight-locality', (e) => { e.value = ''; });
      await page.type('#weight-locality', '150');
      const r = await submit('form[action="/policy"][method="post"] button[type="submit"]');
      assert.equal(r.status(), 400);
      const got = await errorsShown();
      assert.deepEqual(got.summary,
                       [{href: '#weight-locality', text: 'locality: 150 is outside 0-100'}]);
      assert.deepEqual(got.beside, [{id: 'weight-locality-error', text: '150 is outside 0-100'}]);
      assert.equal(await page.$eval('#weight-locality', (e) => e.value), '150');
      const policy = await api.call('MatchingService', 'GetMatchingPolicy', keys.manager, {});
      assert.equal(String(policy.version), '1', 'the refused change was saved');
      // With a weight that does not read beside it: both told at once.
      await page.$eval('#weight-age_fit', (e) => { e.value = 'abc'; });
      const both = await submit('form[action="/policy"][method="post"] button[type="submit"]');
      assert.equal(both.status(), 400);
      const hrefs = (await errorsShown()).summary.map((s) => s.href).sort();
      assert.deepEqual(hrefs, ['#weight-age_fit', '#weight-locality'], JSON.stringify(hrefs));
    });

    // Stop 41's probe: 0 or nothing was "saved" while the API kept the limit.
    await check('an open-link limit of 0 or nothing is refused beside its field', async () => {
      for (const [value, words] of [['0', '0 is outside 1-20'],
                                    ['', 'is required: a whole number from 1 to 20']]) {
        await page.goto(`${base}/policy`, {waitUntil: 'load'});
        await page.$eval('#max_open_links', (e, v) => { e.value = v; }, value);
        const r = await submit('form[action="/policy"][method="post"] button[type="submit"]');
        assert.equal(r.status(), 400);
        const got = await errorsShown();
        assert.deepEqual(got.summary, [{href: '#max_open_links',
                                        text: `Most open links per household: ${words}`}]);
      }
      const policy = await api.call('MatchingService', 'GetMatchingPolicy', keys.manager, {});
      assert.equal(String(policy.version), '1', 'a refused limit was saved');
    });

    await check('the policy page with its error passes axe', async () => {
      await axePage.bringToFront();
      await axePage.goto(`${base}/policy`, {waitUntil: 'load'});
      await axePage.$eval('#weight-locality', (e) => { e.value = '150'; });
      await Promise.all([axePage.waitForNavigation({waitUntil: 'load'}),
                         axePage.click('form[action="/policy"][method="post"] button[type="submit"]')]);
      assert.ok(await axePage.$('.govuk-error-summary'), 'no error summary');
      await support.axeCheck(axePage, 'policy with error');
      await page.bringToFront();
    });

    await check('a locality weight of 100 moves the same-member household to the top of ' +
                'the child\'s ranking, shown before and after', async () => {
      const rank = async () => ((await api.call('MatchingService', 'RankAdopters',
          keys.manager, {child: fixture.child, page_size: 10})).adopters || [])
          .map((a) => a.adopter.split('/')).map((p) => `${p[1]}/${p[3]}`);
      assert.deepEqual(await rank(), [fixture.h2, fixture.h1], 'the fixture ranks H2 first');
      // The child's ranking now, from the policy page's own form.
      await page.goto(`${base}/policy`, {waitUntil: 'load'});
      await page.type('#preview-child', fixture.childShort);
      await submit('form[action="/policy"][method="get"] button[type="submit"]');
      assert.deepEqual((await tableRows('#preview')).map((r) => r.slice(0, 2)),
                       [['1', fixture.h2], ['2', fixture.h1]]);
      await axeAt(`/policy?child=${fixture.childShort}`, 'policy with a ranking');
      await page.$eval('#weight-locality', (e) => { e.value = ''; });
      await page.type('#weight-locality', '100');
      assert.equal(await page.$eval('#child', (e) => e.value), fixture.childShort,
                   'the change form names the child shown');
      await submit('form[action="/policy"][method="post"] button[type="submit"]');
      assert.equal(new URL(page.url()).pathname, '/policy/change');
      assert.match(await text(), /Matching policy version 2 saved/);
      const rows = await tableRows('#changes');
      const row = (h) => rows.find((r) => r[0] === h);
      assert.deepEqual(row(fixture.h1).slice(1, 4).concat(row(fixture.h1)[5]),
                       ['2', row(fixture.h1)[2], '1', 'up 1'], JSON.stringify(rows));
      assert.equal(row(fixture.h2)[1], '1');
      assert.equal(row(fixture.h2)[3], '2');
      assert.equal(row(fixture.h2)[5], 'down 1');
      assert.deepEqual(await rank(), [fixture.h1, fixture.h2]);
      const url = new URL(page.url());
      await axeAt(url.pathname + url.search, 'policy change');
      await fits('policy change');
      await shoot('policy-change');
      await page.goto(`${base}/policy`, {waitUntil: 'load'});
      assert.match(await text(), /Version 2/);
      await shoot('policy');
    });

    // -- reports ------------------------------------------------------------
    const cli = (args) => childProcess.execFileSync(raa, ['--server', server.address,
        '--key', keys.manager, ...args], {encoding: 'utf8', timeout: 30000});
    for (const [report, wantBars] of [['scorecard', false], ['waiting', true],
                                       ['forecast', false]]) {
      await check(`/reports/${report} shows its charts with text alternatives`, async () => {
        const r = await page.goto(`${base}/reports/${report}`, {waitUntil: 'load'});
        assert.equal(r.status(), 200);
        const charts = await page.$$eval('svg.raa-chart__svg', (svgs) => svgs.map((s) => ({
          role: s.getAttribute('role'),
          title: (s.querySelector('title') || {}).textContent || '',
          desc: (s.querySelector('desc') || {}).textContent || '',
          bars: s.querySelectorAll('rect.raa-chart__bar').length,
          labelled: document.getElementById(s.getAttribute('aria-labelledby')) !== null,
          height: s.getBoundingClientRect().height,
        })));
        if (report !== 'forecast' || charts.length > 0) {
          assert.ok(charts.length > 0, 'no chart');
        }
        for (const c of charts) {
          assert.equal(c.role, 'img');
          assert.ok(c.title.length > 0 && c.desc.length > 0 && c.labelled, JSON.stringify(c));
          assert.ok(c.height > 20, JSON.stringify(c));
        }
        if (wantBars) {
          assert.ok(charts.some((c) => c.bars > 0), JSON.stringify(charts));
        }
        await fits(report);
        await shoot(report);
      });

      await check(`the ${report} HTML download is the document raa report ${report} ` +
                  '--html writes', async () => {
        const href = await page.$eval('#download', (a) => a.getAttribute('href'));
        const r = await support.request(base, 'GET', href, {cookie});
        assert.equal(r.status, 200);
        assert.match(r.headers['content-type'], /^text\/html/);
        assert.match(r.headers['content-disposition'] || '',
                     new RegExp(`^attachment; filename="${report}-consortium-\\d{4}-\\d\\d-\\d\\d\\.html"$`));
        const file = path.join(dir, `${report}.html`);
        cli(['--authority', '-', 'report', report, '--html', file]);
        assert.equal(r.body.toString('utf8'), fs.readFileSync(file, 'utf8'));
      });
    }

    await check('the waiting report for one member, through its form', async () => {
      await page.goto(`${base}/reports/waiting`, {waitUntil: 'load'});
      // The hub has no report of its own: it is not offered.
      const offered = await page.$$eval('#authority option', (os) => os.map((o) => o.value));
      assert.ok(offered.includes(kA) && offered.includes('-'), offered.join());
      assert.ok(!offered.includes('hub'), `the hub is offered: ${offered}`);
      await page.select('#authority', kA);
      await submit('form[action="/reports/waiting"] button[type="submit"]');
      assert.equal(new URL(page.url()).search, `?authority=${kA}`);
      assert.match(await text(), new RegExp(`Waiting report: ${kA}`));
      const href = await page.$eval('#download', (a) => a.getAttribute('href'));
      assert.equal(href, `/reports/waiting.html?authority=${kA}`);
    });

    await check('a scorecard year the API refuses shows the form again, each ' +
                'problem beside its field', async () => {
      await page.goto(`${base}/reports/scorecard`, {waitUntil: 'load'});
      await page.select('#authority', kA);
      for (const [id, typed] of [['#year', '20266'], ['#windows', '11']]) {
        await page.$eval(id, (e) => { e.value = ''; });
        await page.type(id, typed);
      }
      const r = await submit('form[action="/reports/scorecard"] button[type="submit"]');
      assert.equal(r.status(), 400);
      let got = await errorsShown();
      assert.deepEqual(got.summary.map((e) => e.href), ['#year', '#windows'], JSON.stringify(got));
      assert.deepEqual(got.beside.map((b) => b.id), ['year-error', 'windows-error']);
      // The API's own words, once each, named by the field's label.
      assert.match(got.summary[0].text, /^Year ending 31 March: must be a year from 2000 to \d{4}$/);
      assert.equal(got.summary[0].text, `Year ending 31 March: ${got.beside[0].text}`);
      assert.match(got.title, /^Error: /);
      assert.equal(await page.$eval('#year', (e) => e.value), '20266');
      assert.equal(await page.$eval('#windows', (e) => e.value), '11');
      assert.equal(await page.$eval('#authority', (e) => e.value), kA);
      assert.equal(await page.$('#indicators'), null, 'a refused report shows figures');
      // What does not read is told before asking, the same way.
      await page.$eval('#year', (e) => { e.value = ''; });
      await page.type('#year', 'last year');
      await submit('form[action="/reports/scorecard"] button[type="submit"]');
      got = await errorsShown();
      assert.deepEqual(got.summary.map((e) => e.href), ['#year'], JSON.stringify(got));
      assert.equal(await page.$eval('#year', (e) => e.value), 'last year');
      await axeAt(`/reports/scorecard?authority=${kA}&year=20266&windows=11`,
                  'scorecard refused');
      // A member that is not on the list (not an id, no member, the hub), on
      // every report.
      for (const report of ['scorecard', 'waiting', 'forecast']) {
        for (const member of ['No%20such', 'nosuch', 'hub']) {
          const bad = await support.request(base, 'GET',
                                            `/reports/${report}?authority=${member}`, {cookie});
          assert.equal(bad.status, 400, `${report} ${member}`);
          const html = bad.body.toString('utf8');
          assert.match(html, /id="authority-error"/, `${report} ${member}`);
          assert.match(html, /<select class="govuk-select govuk-select--error" id="authority"/,
                       `${report} ${member}`);
        }
      }
    });

    // -- a family finder ----------------------------------------------------
    await check('a family finder gets a 403 page on every manager page', async () => {
      await page.deleteCookie(...(await page.cookies()));
      await support.signIn(page, base, keys.finderA);
      const finderCookie = await cookieOf();
      const hrefs = await page.$$eval('#navigation a', (as) => as.map((a) => a.getAttribute('href')));
      assert.ok(!hrefs.includes('/members'), 'a finder sees the manager\'s menu');
      for (const p of managerPages.concat(['/members/sheffield/withdraw', '/policy/change?child=sheffield/c1',
                                           '/reports/scorecard.html'])) {
        const r = await support.request(base, 'GET', p, {cookie: finderCookie});
        assert.equal(r.status, 403, `${p}: ${r.status}`);
        assert.deepEqual(leaks(r.body.toString('utf8'), secrets, {keyShapes: false}), []);
      }
      const r = await support.request(base, 'POST', '/members', {cookie: finderCookie, form: {
        csrf: await page.$eval('input[name="csrf"]', (e) => e.value),
        authority_id: 'doncaster', display_name: 'Doncaster', region: 'doncaster',
        kind: 'AUTHORITY_KIND_LOCAL_AUTHORITY'}});
      assert.equal(r.status, 403, 'the API refuses a finder\'s CreateAuthority');
      assert.ok(!(await members()).some((a) => a.name === 'authorities/doncaster'));
      await axeAt('/members', 'members 403');
    });

    await check('no manager page is wider than 320 px', () => assert.deepEqual(overflows, []));
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
