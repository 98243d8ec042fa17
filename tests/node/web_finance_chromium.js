#!/usr/bin/env node
// The finance officer's pages of the web console (raa-web, docs/web.md
// "Finance pages") in Debian's headless Chromium, against a real raamatchd
// and raa-web started here (tests/node/web_support.js).
//
// Set-up through the gRPC API: a local authority A (the child's) and a
// local authority B (the household's); finance keys for A and B, a
// family finder key for A; a link of A's child with B's household advanced
// to PLACED (dates in the past, in order), which accrues the £27,000 fee.
//
// In the browser: A's finance officer sees the fee owed to B on /ledger;
// records a payment with a mistake (amount "12.345": the error beside the
// field and in a GOV.UK error summary linked to it), fixes it; B's finance
// officer tries to reject it without a reason (refused beside the field),
// then confirms it; the balances change; the balances CSV has a BOM and
// the figures; with no budget the page says none is set; a budget of -5 is
// refused beside the field, keeping what was typed; one set through the
// form shows the 75% warning. A family
// finder gets 403 on /ledger; a payment POST without the csrf field is 403
// and records nothing. axe-core finds no WCAG 2.0/2.1 A/AA violation on any
// finance page; no finance page is wider than 320 px; screenshots of /ledger
// at 1280 and 320 px go to --screenshots DIR.
//
//   node tests/node/web_finance_chromium.js --raamatchd build/services/raamatchd \
//       --raa-web build/clients/web/raa-web [--chromium PATH] [--screenshots DIR]
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const support = require('./web_support');

const {check, dayFromToday, iso, leaks} = support;
const kName = 'web_finance_chromium';
const kA = 'sheffield';
const kB = 'rotherham';
const kUsage = `usage: node ${path.basename(__filename)} --raamatchd PATH ` +
               '--raa-web PATH [--chromium PATH] [--screenshots DIR]';

async function setUp(call, managerKey) {
  let n = 0;
  const requestId = () => `web-finance-${process.pid}-${++n}`;
  const key = async (authority, roles) => (await call('AccessService', 'CreateApiKey',
      managerKey, {api_key: {authority: `authorities/${authority}`, roles,
                             display_name: `web finance test ${roles}`},
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
    financeA: await key(kA, ['ROLE_FINANCE']),
    financeB: await key(kB, ['ROLE_FINANCE']),
    finderA: await key(kA, ['ROLE_FAMILY_FINDER']),
    registrarA: await key(kA, ['ROLE_REGISTRAR']),
    registrarB: await key(kB, ['ROLE_REGISTRAR']),
    manager: managerKey,
  };
  // A child of A placed with a household of B: A owes B the fee.
  const place = async () => {
    const household = await call('RegistryService', 'CreateAdopter', keys.registrarB, {
      parent: `authorities/${kB}`, request_id: requestId(), adopter: {
        status: 'ADOPTER_STATUS_APPROVED', registered_interest_on: dayFromToday(-500),
        applied_on: dayFromToday(-450), approved_on: dayFromToday(-200), approved_for: 1,
        min_age_months: 0, max_age_months: 60, sex_preference: 'SEX_PREFERENCE_ANY',
        heritage: ['HERITAGE_WHITE_BRITISH'], religion: 'RELIGION_CHRISTIAN',
        languages: ['en'], region: 'south-yorkshire',
        max_contact: 'CONTACT_PLAN_LETTERBOX', fast_track: 'FAST_TRACK_NONE'}});
    const child = await call('RegistryService', 'CreateChild', keys.registrarA, {
      parent: `authorities/${kA}`, request_id: requestId(), child: {
        members: [{age_months: 36, sex: 'SEX_FEMALE', heritage: 'HERITAGE_WHITE_BRITISH',
                   religion: 'RELIGION_NO_RELIGION', first_language: 'en'}],
        ages_as_of: dayFromToday(-10), contact_plan: 'CONTACT_PLAN_LETTERBOX',
        early_permanence: 'EARLY_PERMANENCE_NONE', summary: 'Loves music',
        journey: {entered_care: dayFromToday(-400), plan_for_adoption: dayFromToday(-300),
                  shobpa_decision: dayFromToday(-250)}}});
    return support.placeLink(call, managerKey, child.name, household.name,
                             requestId);
  };
  const link = await place();
  const payments = async () => (await call('LedgerService', 'ListPayments', keys.financeA,
      {authority: `authorities/${kA}`})).payments || [];
  return {keys, link: link.name, payments, place};
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
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raa-web-finance-'));
  let server = null;
  let web = null;
  let browser = null;
  let api = null;
  try {
    server = await support.startServer(raamatchd, dir);
    api = support.connectApi(grpc, dir, server.address,
        ['raa/v1/registry.proto', 'raa/v1/access.proto', 'raa/v1/journey.proto',
         'raa/v1/ledger.proto']);
    const fixture = await setUp(api.call, server.managerKey);
    const {keys} = fixture;
    const secrets = Object.values(keys);
    web = await support.startWeb(raaWeb, dir, server.address);
    const {base} = web;
    console.log(`raa-web on ${base}; ${fixture.link} placed (set-up took ` +
                `${Date.now() - started} ms)`);

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
    const text = async () => (await page.evaluate(() => document.body.innerText))
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
    const cookieOf = async () => {
      const c = (await page.cookies()).find((x) => x.name === 'raa_session');
      return c ? `raa_session=${c.value}` : '';
    };
    const signInAs = async (key) => {
      await page.deleteCookie(...(await page.cookies()));
      await support.signIn(page, base, key);
      assert.equal(new URL(page.url()).pathname, '/', 'sign-in did not reach home');
    };
    const financePages = ['/ledger', '/ledger/statement', '/ledger/payments',
                          '/ledger/settlement', '/ledger/budget', '/ledger/reconcile'];

    // -- A's finance officer --------------------------------------------
    await signInAs(keys.financeA);
    const cookieA = await cookieOf();

    await check('the home page of a finance key links to every finance page', async () => {
      const hrefs = await page.$$eval('main a', (as) => as.map((a) => a.getAttribute('href')));
      for (const p of financePages) assert.ok(hrefs.includes(p), `no link to ${p}: ${hrefs}`);
    });

    await check('/ledger shows the £27,000.00 fee A owes B', async () => {
      const r = await page.goto(`${base}/ledger`, {waitUntil: 'load'});
      assert.equal(r.status(), 200);
      const t = await text();
      assert.match(t, /You owe the others £27,000\.00/);
      const debts = await page.$$eval('#debts tbody tr', (rows) =>
        rows.map((row) => [...row.cells].map((c) => c.textContent.trim())));
      assert.deepEqual(debts, [[kA, kB, '£27,000.00']]);
      await fits('ledger');
      if (screenshots) {
        fs.mkdirSync(screenshots, {recursive: true});
        for (const width of [1280, 320]) {
          await page.setViewport({width, height: 900});
          await page.screenshot({path: path.join(screenshots, `ledger-${width}.png`),
                                 fullPage: true});
        }
        await page.setViewport({width: 1280, height: 900});
      }
    });

    for (const p of financePages) {
      await check(`axe and 320 px: ${p} (A's finance officer)`, async () => {
        await axeAt(p, p);
        await page.goto(base + p, {waitUntil: 'load'});
        await fits(p);
      });
    }

    await check('the statement lists the fee with its running balance and a CSV', async () => {
      await page.goto(`${base}/ledger/statement`, {waitUntil: 'load'});
      const rows = await page.$$eval('#statement tbody tr', (trs) =>
        trs.map((row) => [...row.cells].map((c) => c.textContent.trim())));
      assert.ok(rows.some((r) => r[2] === kB && r[3] === '-£27,000.00' &&
                                 r[4] === '-£27,000.00'), JSON.stringify(rows));
      const href = await page.$eval('a[href^="/ledger/statement.csv"]',
                                    (a) => a.getAttribute('href'));
      const csv = await support.request(base, 'GET', href, {cookie: cookieA});
      assert.equal(csv.status, 200);
      assert.match(csv.headers['content-type'], /^text\/csv/);
      assert.match(csv.body.toString('utf8'), /-27000\.00,-27000\.00/);
    });

    await check('a statement year the service refuses names the field once, with why', async () => {
      const r = await support.request(base, 'GET', '/ledger/statement?year=99999',
                                      {cookie: cookieA});
      assert.equal(r.status, 400);
      const body = r.body.toString('utf8');
      const said = body.match(/financial_year/g) || [];
      assert.equal(said.length, 1, body);
      assert.match(body, /It was refused for this reason:/);
    });

    await check('a fresh payment form chooses no payee: sent as it is, the payee is ' +
                'asked for beside its field and nothing is recorded', async () => {
      await page.goto(`${base}/ledger/payments`, {waitUntil: 'load'});
      assert.equal(await page.$eval('#payee', (s) => s.value), '');
      await page.type('#amount', '10.001');
      const [r] = await Promise.all([page.waitForNavigation({waitUntil: 'load'}),
        page.click('form[action="/ledger/payments"] button[type="submit"]')]);
      assert.equal(r.status(), 400);
      const beside = await page.$eval('#payee-error', (e) => e.textContent.trim());
      assert.match(beside, /choose the member paid/);
      // Told at once with the amount's problem and the missing reference,
      // not in later rounds.
      const summary = await page.$$eval('.govuk-error-summary a',
                                        (as) => as.map((a) => a.getAttribute('href')));
      assert.deepEqual(summary.sort(), ['#amount', '#payee', '#reference'],
                       JSON.stringify(summary));
      assert.deepEqual(await fixture.payments(), [], 'a payment without a payee was recorded');
    });

    await check('a payment with amount "12.345" shows the error beside the field and ' +
                'in the summary; fixed, it is recorded as pending', async () => {
      await page.goto(`${base}/ledger/payments`, {waitUntil: 'load'});
      await page.select('#payee', `authorities/${kB}`);
      await page.type('#amount', '12.345');
      await page.type('#reference', 'BACS 4471');
      const [r] = await Promise.all([page.waitForNavigation({waitUntil: 'load'}),
        page.click('form[action="/ledger/payments"] button[type="submit"]')]);
      assert.equal(r.status(), 400);
      const got = await page.evaluate(() => ({
        summary: [...document.querySelectorAll('.govuk-error-summary a')].map((a) => ({
          href: a.getAttribute('href'), text: a.textContent.trim()})),
        beside: (document.querySelector('#amount-error') || {}).textContent || '',
        describedBy: document.querySelector('#amount').getAttribute('aria-describedby'),
        value: document.querySelector('#amount').value,
        title: document.title,
      }));
      assert.equal(got.summary.length, 1, JSON.stringify(got.summary));
      assert.equal(got.summary[0].href, '#amount');
      // The summary names the field by its label; beside it, the same words.
      assert.ok(got.summary[0].text.startsWith('Amount in pounds: '), JSON.stringify(got));
      assert.ok(got.beside.includes(got.summary[0].text.replace('Amount in pounds: ', '')),
                JSON.stringify(got));
      assert.match(got.describedBy, /amount-error/);
      assert.equal(got.value, '12.345', 'the typed amount is not kept');
      assert.match(got.title, /^Error: /);
      assert.deepEqual(await fixture.payments(), [], 'the mistake recorded a payment');
      // Fixed.
      await page.$eval('#amount', (e) => { e.value = ''; });
      await page.type('#amount', '20,000.00');
      await Promise.all([page.waitForNavigation({waitUntil: 'load'}),
        page.click('form[action="/ledger/payments"] button[type="submit"]')]);
      assert.equal(new URL(page.url()).pathname, '/ledger/payments');
      assert.match(await text(), /recorded/);
      const payments = await fixture.payments();
      assert.equal(payments.length, 1);
      assert.equal(payments[0].state, 'PAYMENT_STATE_PENDING');
      assert.equal(payments[0].reference, 'BACS 4471');
    });

    await check('axe: the payments page with its error', async () => {
      await axePage.bringToFront();
      await axePage.goto(`${base}/ledger/payments`, {waitUntil: 'load'});
      await axePage.type('#amount', '12.345');
      await Promise.all([axePage.waitForNavigation({waitUntil: 'load'}),
        axePage.click('form[action="/ledger/payments"] button[type="submit"]')]);
      assert.ok(await axePage.$('.govuk-error-summary'), 'no error summary');
      await support.axeCheck(axePage, 'payments with error');
      await page.bringToFront();
    });

    await check('a payment POST without the csrf field is 403 and records nothing',
                async () => {
      const r = await support.request(base, 'POST', '/ledger/payments', {
        cookie: cookieA,
        form: {payee: `authorities/${kB}`, amount: '5.00', reference: 'no csrf'}});
      assert.equal(r.status, 403);
      assert.equal((await fixture.payments()).length, 1);
    });

    await check('a budget set through the form shows the 75% warning', async () => {
      await page.goto(`${base}/ledger/budget`, {waitUntil: 'load'});
      // Before it is set, the fee committed is over no budget at all.
      const none = await page.$eval('.govuk-warning-text', (e) => e.textContent);
      assert.match(none, /No budget is set for .* fees are committed/, none);
      assert.doesNotMatch(none, /%/, none);
      // A mistake stays on the page, beside the field, with what was typed.
      await page.type('#amount', '-5');
      await Promise.all([page.waitForNavigation({waitUntil: 'load'}),
        page.click('form[action="/ledger/budget"] button[type="submit"]')]);
      const wrong = await page.$eval('#amount-error', (e) => e.textContent);
      assert.match(wrong, /\S/, 'no error beside the amount');
      assert.equal(await page.$eval('#amount', (e) => e.value), '-5');
      await page.$eval('#amount', (e) => { e.value = ''; });
      await page.type('#amount', '30000');
      await Promise.all([page.waitForNavigation({waitUntil: 'load'}),
        page.click('form[action="/ledger/budget"] button[type="submit"]')]);
      const warning = await page.$eval('.govuk-warning-text', (e) => e.textContent);
      assert.match(warning, /90%.*75% or more/, warning);
      assert.match(await text(), /£30,000\.00/);
      await axeAt(new URL(page.url()).pathname + new URL(page.url()).search,
                  'budget with warning');
      // Next year's budget, set before the year starts, from its link.
      const thisYear = await page.$eval('form[action="/ledger/budget"] input[name="year"]',
                                        (e) => Number(e.value));
      await Promise.all([page.waitForNavigation({waitUntil: 'load'}),
        page.click(`#budget-years a[href="/ledger/budget?year=${thisYear + 1}"]`)]);
      assert.match(await page.$eval('h1', (e) => e.textContent),
                   new RegExp(`Budget for ${thisYear + 1}-`));
      await page.type('#amount', '41000');
      await Promise.all([page.waitForNavigation({waitUntil: 'load'}),
        page.click('form[action="/ledger/budget"] button[type="submit"]')]);
      assert.match(await page.$eval('#budget', (e) => e.textContent), /£41,000\.00/);
      // A year the API would read as this one is refused, not shown as
      // "Budget for 0-01" (stop 41's probe).
      for (const year of ['0', '1999', 'abc']) {
        const r = await page.goto(`${base}/ledger/budget?year=${year}`, {waitUntil: 'load'});
        assert.equal(r.status(), 400, year);
        assert.match(await text(), /That year was not accepted/);
      }
    });

    // -- B's finance officer confirms ------------------------------------
    await signInAs(keys.financeB);
    const cookieB = await cookieOf();

    await check('axe: the payments page with a pending payment to confirm', () =>
      axeAt('/ledger/payments', 'payments to confirm'));

    await check('B confirms the payment; the balances change', async () => {
      await page.goto(`${base}/ledger/payments`, {waitUntil: 'load'});
      await fits('payments to confirm');
      // A rejection without a reason is refused beside that payment's
      // reason field, and the payment stays pending.
      await Promise.all([page.waitForNavigation({waitUntil: 'load'}),
        page.click('form:has(input[name="reason"]) button[type="submit"]')]);
      const why = await page.$eval('.govuk-error-summary', (e) => e.textContent);
      assert.match(why, /There is a problem/, why);
      const beside = await page.$$eval('.govuk-form-group--error input[name="reason"]',
                                       (inputs) => inputs.length);
      assert.equal(beside, 1, 'no error beside the reason');
      assert.equal((await fixture.payments())[0].state, 'PAYMENT_STATE_PENDING');
      // Enter in the reason field sends the rejection, never the
      // confirmation: Confirm is in a form of its own.
      const reasonForm = await page.$eval('input[name="reason"]', (e) => ({
        confirm: e.form.querySelector('button[value="confirm"]') !== null,
        action: e.form.querySelector('input[name="action"]').value}));
      assert.deepEqual(reasonForm, {confirm: false, action: 'reject'});
      // A confirmation that carries a reason (an older page's form) is
      // asked again, and nothing is posted.
      const decide = await page.$eval('form[action="/ledger/payments/decide"]', (f) => ({
        csrf: f.querySelector('input[name="csrf"]').value,
        payment: f.querySelector('input[name="payment"]').value}));
      const mixed = await support.request(base, 'POST', '/ledger/payments/decide', {
        cookie: cookieB,
        form: {...decide, action: 'confirm', reason: 'the amount is wrong'}});
      assert.equal(mixed.status, 400);
      assert.match(mixed.body.toString('utf8'), /press Reject to reject the payment/);
      assert.equal((await fixture.payments())[0].state, 'PAYMENT_STATE_PENDING');
      await Promise.all([page.waitForNavigation({waitUntil: 'load'}),
        page.click('button[name="action"][value="confirm"]')]);
      assert.match(await text(), /confirmed/);
      assert.equal((await fixture.payments())[0].state, 'PAYMENT_STATE_POSTED');
      await page.goto(`${base}/ledger`, {waitUntil: 'load'});
      assert.match(await text(), /The others owe you £7,000\.00/);
      const debts = await page.$$eval('#debts tbody tr', (rows) =>
        rows.map((row) => [...row.cells].map((c) => c.textContent.trim())));
      assert.deepEqual(debts, [[kA, kB, '£7,000.00']]);
      assert.match(await text(), /Payments posted £20,000\.00/);
    });

    await check('the balances CSV: an attachment, a BOM, the figures', async () => {
      const r = await support.request(base, 'GET', '/ledger/balances.csv', {cookie: cookieB});
      assert.equal(r.status, 200);
      assert.match(r.headers['content-type'], /^text\/csv/);
      assert.match(r.headers['content-disposition'] || '', /^attachment; filename=/);
      assert.deepEqual([...r.body.subarray(0, 3)], [0xEF, 0xBB, 0xBF]);
      const lines = r.body.toString('utf8').slice(1).split('\r\n');
      assert.equal(lines[0], 'AS OF,KIND,AUTHORITY,COUNTERPARTY,AMOUNT,PENDING OUT,PENDING IN');
      assert.ok(lines.some((l) => /,owes,sheffield,rotherham,7000\.00,,$/.test(l)),
                lines.join('\n'));
      assert.ok(lines.some((l) => /,position,rotherham,,7000\.00,0\.00,0\.00$/.test(l)),
                lines.join('\n'));
      assert.ok(lines.some((l) => /,total payments,,,20000\.00,,$/.test(l)), lines.join('\n'));
    });

    await check('the payments CSV: the confirmed payment with its state', async () => {
      const r = await support.request(base, 'GET', '/ledger/payments.csv', {cookie: cookieB});
      assert.equal(r.status, 200);
      assert.match(r.headers['content-disposition'] || '', /^attachment; filename="payments-/);
      const lines = r.body.toString('utf8').slice(1).split('\r\n');
      assert.equal(lines[0], 'PAYMENT,PAID ON,PAYER,PAYEE,AMOUNT,REFERENCE,STATE,' +
                             'REJECTION REASON');
      assert.ok(lines.some((l) => /^p\d+,[0-9-]+,sheffield,rotherham,20000\.00,.*,posted,$/
          .test(l)), lines.join('\n'));
    });

    await check('the settlement plan: A pays B £7,000.00, with a CSV', async () => {
      await page.goto(`${base}/ledger/settlement`, {waitUntil: 'load'});
      const rows = await page.$$eval('#plan tbody tr', (trs) =>
        trs.map((row) => [...row.cells].map((c) => c.textContent.trim())));
      assert.deepEqual(rows, [[kA, kB, '£7,000.00', 'payer']]);
      const r = await support.request(base, 'GET', '/ledger/settlement.csv', {cookie: cookieB});
      assert.match(r.body.toString('utf8'), /,sheffield,rotherham,7000\.00,payer\r\n/);
    });

    await check('reconcile: B uploads its books; matched, differing, only-in-books and ' +
                'unreadable rows show', async () => {
      const books = path.join(dir, 'books.csv');
      fs.writeFileSync(books, '\uFEFFDate,Counterparty,Reference,Amount\r\n' +
          `${iso(dayFromToday(-5))},${kA},RAA-${fixture.link.split('/')[1]},"27,000.00"\r\n` +
          `${iso(dayFromToday(0))},${kA},BACS 4471,-19000.00\r\n` +
          `${iso(dayFromToday(-2))},${kA},INV-9,-100.00\r\n` +
          `${iso(dayFromToday(-1))},${kA},INV-10,twenty\r\n`);
      await page.goto(`${base}/ledger/reconcile`, {waitUntil: 'load'});
      await page.type('#from', iso(dayFromToday(-30)));
      await page.type('#to', iso(dayFromToday(0)));
      await (await page.$('#books')).uploadFile(books);
      // "Reconcile and download CSV": the same form with format=csv.
      const download = await page.evaluate(async () => {
        const form = document.querySelector('form[action="/ledger/reconcile"]');
        const body = new FormData(form);
        body.set('format', 'csv');
        const answer = await fetch('/ledger/reconcile', {method: 'POST', body});
        return {status: answer.status, type: answer.headers.get('content-type'),
                disposition: answer.headers.get('content-disposition'),
                text: await answer.text()};
      });
      assert.equal(download.status, 200, download.text);
      assert.match(download.type, /^text\/csv/);
      assert.match(download.disposition, /attachment; filename="reconciliation-/);
      const csvLines = download.text.replace(/^\uFEFF/, '').trim().split('\r\n');
      assert.equal(csvLines[0], 'RESULT,ROW,ENTRY,DATE,COUNTERPARTY,REFERENCE,BOOKS,SERVICE,' +
                                'DIFFERENCE,PROBLEM');
      assert.ok(csvLines.some((l) => l.startsWith('differs,') && l.includes('BACS 4471')),
                download.text);
      assert.ok(csvLines.some((l) => l.startsWith('unreadable,5,')), download.text);
      const [r] = await Promise.all([page.waitForNavigation({waitUntil: 'load'}),
        page.click('form[action="/ledger/reconcile"] button[type="submit"]:not([name])')]);
      assert.equal(r.status(), 200, await text());
      const rows = await page.$$eval('#reconcile tbody tr', (trs) =>
        trs.map((row) => [...row.cells].map((c) => c.textContent.trim())));
      const results = rows.map((row) => `${row[0]} ${row[5]}`);
      for (const want of [`matched RAA-${fixture.link.split('/')[1]}`, 'differs BACS 4471',
                          'only in your books INV-9']) {
        assert.ok(results.includes(want), `no "${want}" in ${JSON.stringify(rows)}`);
      }
      const unreadable = await page.$$eval('#unreadable tbody tr', (trs) => trs.length);
      assert.equal(unreadable, 1);
      await fits('reconcile');
    });

    await check('axe: the reconcile page', () => axeAt('/ledger/reconcile', 'reconcile'));

    // -- A's finance officer may not act for B -----------------------------
    await check('a finance officer has no member selector, and another member\'s ' +
                'pages are the API\'s 403', async () => {
      const own = await support.request(base, 'GET', '/ledger/payments', {cookie: cookieA});
      assert.equal(own.status, 200);
      assert.doesNotMatch(own.body.toString('utf8'), /<select[^>]*name="member"/);
      for (const p of ['/ledger/statement', '/ledger/payments', '/ledger/budget',
                       '/ledger/reconcile', '/ledger/payments.csv']) {
        const r = await support.request(base, 'GET', `${p}?member=${kB}`, {cookie: cookieA});
        assert.equal(r.status, 403, p);
        assert.doesNotMatch(r.body.toString('utf8'), /rotherham\/payments|£20,000/, p);
      }
      const bad = await support.request(base, 'GET', '/ledger/statement?member=..%2Fx',
                                        {cookie: cookieA});
      assert.equal(bad.status, 400);
      assert.match(bad.body.toString('utf8'), /That member was not accepted/);
    });

    // -- The manager acts for each member -------------------------------------
    await signInAs(keys.manager);
    await check('the manager chooses a member and records, confirms and budgets for it',
                async () => {
      await page.goto(`${base}/ledger/payments`, {waitUntil: 'load'});
      await page.select('select#member', kA);
      await Promise.all([page.waitForNavigation({waitUntil: 'load'}),
        page.click('form#member-choice button[type="submit"]')]);
      assert.equal(new URL(page.url()).search, `?member=${kA}`);
      assert.match(await text(), new RegExp(`Payments of ${kA}.*Record a payment ${kA} made`));
      assert.equal(await page.$eval('select#member', (e) => e.value), kA);
      // The menu of fees keeps the member.
      const nav = await page.$$eval('.raa-finance-nav a', (as) => as.map((a) => a.getAttribute('href')));
      assert.ok(nav.includes(`/ledger/statement?member=${kA}`), nav.join(' '));
      await fits('payments of a member, as the manager');
      await axeAt(`/ledger/payments?member=${kA}`, 'payments of a member, as the manager');
      // A records the £7,000.00 it still owes B: the payment is A's. Its
      // refused form is shown again for A, its links and fields too.
      const record = 'form[action="/ledger/payments"][method="post"]';
      await page.select('select#payee', `authorities/${kB}`);
      await page.type('#amount', '12.345');
      await page.type('#reference', 'MGR-SETTLE-1');
      await Promise.all([page.waitForNavigation({waitUntil: 'load'}),
        page.click(`${record} button[type="submit"]`)]);
      assert.match(await text(), new RegExp(`There is a problem.*Payments of ${kA}`));
      assert.equal(await page.$eval(`${record} input[name="member"]`, (e) => e.value), kA);
      const sorts = await page.$$eval('#payments thead a', (as) =>
        as.map((a) => a.getAttribute('href')));
      assert.ok(sorts.length > 0 && sorts.every((h) => h.includes(`member=${kA}`)),
                sorts.join(' '));
      await page.$eval('#amount', (e) => { e.value = ''; });
      await page.type('#amount', '7000');
      await Promise.all([page.waitForNavigation({waitUntil: 'load'}),
        page.click(`${record} button[type="submit"]`)]);
      assert.equal(new URL(page.url()).search, `?member=${kA}`);
      assert.match(await text(), /recorded; it counts once the payee confirms it/);
      const recorded = (await fixture.payments()).find((p) => p.reference === 'MGR-SETTLE-1');
      assert.ok(recorded, 'the payment is not in A\'s payments');
      assert.equal(recorded.payer, `authorities/${kA}`);
      assert.equal(recorded.state, 'PAYMENT_STATE_PENDING');
      // B's page: the payment to confirm, confirmed on B's behalf.
      await page.goto(`${base}/ledger/payments?member=${kB}`, {waitUntil: 'load'});
      await Promise.all([page.waitForNavigation({waitUntil: 'load'}),
        page.click(`form:has(input[name="payment"][value="${recorded.name}"]) ` +
                   'button[value="confirm"]')]);
      assert.equal(new URL(page.url()).search, `?member=${kB}`);
      assert.match(await text(), /confirmed: it is in the balances/);
      assert.equal((await fixture.payments()).find((p) => p.name === recorded.name).state,
                   'PAYMENT_STATE_POSTED');
      await page.goto(`${base}/ledger`, {waitUntil: 'load'});
      assert.equal(await page.$$eval('#debts tbody tr', (rows) => rows.length), 0);
      // B's budget, set by the manager, is B's.
      await page.goto(`${base}/ledger/budget?member=${kB}`, {waitUntil: 'load'});
      assert.match(await page.$eval('h1', (e) => e.textContent), new RegExp(`Budget of ${kB}`));
      await page.type('#amount', '12345');
      await Promise.all([page.waitForNavigation({waitUntil: 'load'}),
        page.click('form[action="/ledger/budget"][method="post"] button[type="submit"]')]);
      assert.match(new URL(page.url()).search, new RegExp(`&member=${kB}$`));
      assert.match(await text(), new RegExp(`Budget of ${kB} for .* set to £12,345\\.00`));
      const year = Number(new URL(page.url()).searchParams.get('year'));
      const budget = await api.call('LedgerService', 'GetBudget', keys.financeB,
                                    {authority: `authorities/${kB}`, financial_year: year});
      assert.equal(budget.amount.units, '12345');
      // A's statement and its CSV.
      await page.goto(`${base}/ledger/statement?member=${kA}`, {waitUntil: 'load'});
      assert.match(await page.$eval('h1', (e) => e.textContent), new RegExp(`Statement of ${kA}`));
      const csvHref = await page.$eval('a[download]', (a) => a.getAttribute('href'));
      assert.match(csvHref, new RegExp(`&member=${kA}$`));
      const csv = await support.request(base, 'GET', csvHref, {cookie: await cookieOf()});
      assert.equal(csv.status, 200);
      assert.match(csv.headers['content-disposition'] || '', new RegExp(`statement-${kA}-`));
      assert.match(csv.body.toString('utf8'), /MGR-SETTLE-1/);
    });

    // -- A family finder ---------------------------------------------------
    await signInAs(keys.finderA);
    const cookieFinder = await cookieOf();
    await check('a family finder gets a 403 page on /ledger, without a stack or key',
                async () => {
      const r = await page.goto(`${base}/ledger`, {waitUntil: 'load'});
      assert.equal(r.status(), 403);
      const html = await page.content();
      assert.deepEqual(leaks(html, secrets), []);
      const raw = await support.request(base, 'GET', '/ledger/balances.csv',
                                        {cookie: cookieFinder});
      assert.equal(raw.status, 403);
      assert.doesNotMatch(raw.headers['content-type'] || '', /csv/);
      await axeAt('/ledger', 'ledger 403');
    });

    await check('a payment whose answer is lost is shown with "Send it again", which ' +
                'records it once however often it is sent', async () => {
      // A's payments so far settled B's fee: a second fee to pay.
      await fixture.place();
      // A second console, waiting 2 s for each answer, in a browser context
      // of its own (cookies are per host, not per port).
      const slowDir = path.join(dir, 'slow');
      fs.mkdirSync(slowDir);
      const slow = await support.startWeb(raaWeb, slowDir, server.address,
                                          ['--rpc-deadline-seconds', '2']);
      const context = await browser.createBrowserContext();
      const textOf = async (t) => (await t.evaluate(() => document.body.innerText))
          .replace(/\s+/g, ' ');
      try {
        const tab = await context.newPage();
        await tab.setBypassCSP(true);  // for axe-core
        await support.signIn(tab, slow.base, keys.financeA);
        await tab.goto(`${slow.base}/ledger/payments`, {waitUntil: 'load'});
        await tab.select('#payee', `authorities/${kB}`);
        await tab.type('#amount', '3.21');
        await tab.type('#reference', 'LOST-ANSWER-1');
        const formId = await tab.$eval('form[action="/ledger/payments"] ' +
                                       'input[name="request_id"]', (i) => i.value);
        const ours = async () => (await fixture.payments())
            .filter((p) => p.reference === 'LOST-ANSWER-1');
        // raamatchd stopped (not killed): the write waits past the deadline.
        process.kill(server.proc.pid, 'SIGSTOP');
        let r;
        try {
          [r] = await Promise.all([tab.waitForNavigation({waitUntil: 'load'}),
            tab.click('form[action="/ledger/payments"] button[type="submit"]')]);
        } finally {
          process.kill(server.proc.pid, 'SIGCONT');
        }
        assert.equal(r.status(), 503);
        assert.match(await tab.$eval('h1', (h) => h.textContent),
                     /We cannot tell whether this was done/);
        const sent = await tab.$$eval('main form input[type="hidden"]',
            (is) => Object.fromEntries(is.map((i) => [i.name, i.value])));
        assert.equal(sent.request_id, formId, 'the page changed the request id');
        assert.equal(sent.reference, 'LOST-ANSWER-1');
        assert.equal(sent.amount, '3.21');
        await support.axeCheck(tab, 'the page of a lost answer');
        const [again] = await Promise.all([tab.waitForNavigation({waitUntil: 'load'}),
          tab.click('main form button[type="submit"]')]);
        assert.equal(again.status(), 200, await textOf(tab));
        assert.equal(new URL(tab.url()).pathname, '/ledger/payments');
        assert.match(await textOf(tab), /of £3\.21 to .* recorded/);
        assert.equal((await ours()).length, 1, JSON.stringify(await ours()));
        // The same page sent once more (a second click, the back button):
        // answered as recorded, still one payment.
        const c = (await context.cookies()).find((x) => x.name === 'raa_session');
        const thrice = await support.request(slow.base, 'POST', '/ledger/payments',
            {cookie: `raa_session=${c.value}`, form: sent});
        assert.equal(thrice.status, 303);
        assert.equal((await ours()).length, 1, JSON.stringify(await ours()));
      } finally {
        await context.close();
        await support.stop(slow.proc);
      }
    });

    await check('no finance page is wider than 320 px', () =>
      assert.deepEqual(overflows, []));
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
