#!/usr/bin/env node
// The registrar's pages of the web console (raa-web, docs/web.md "Registrar
// pages") in Debian's headless Chromium, against a real raamatchd and
// raa-web started here (tests/node/web_support.js).
//
// Set-up through the gRPC API: two members, A (a local authority) and B (another
// local authority); a registrar key for each, a finance key for A; a child of B.
//
// In the browser, as A's registrar:
//   - registers a child with a mistake (age 300 months): the form comes back
//     (400) with the API's words beside the age field and in a GOV.UK error
//     summary whose link focuses the field, and what was typed is kept;
//     fixed, the profile is registered (checked with GetChild) and listed on
//     /registry/children, which sorts and filters by status in the URL;
//   - changes the profile's summary (only that field changes) and withdraws
//     it: while it has an open link the page names the link instead of the
//     form (a POST is 409); without a reason the API's refusal shows beside
//     the reason field;
//     with one it is WITHDRAWN and listed under that status;
//   - registers a household (the list shows it);
//   - uploads a CSV of three children with one bad row: the report shows
//     each line, the bad one "not stored" with its problem, the others
//     stored (checked with ListChildren); uploaded again, nothing is stored
//     twice;
//   - B's child's change and withdraw forms are 403 pages (and a POST to
//     them changes nothing); a finance key gets 403 on the register form;
//   - the same register form sent twice (its hidden request_id) registers
//     one profile;
//   - POSTs without the csrf field are 403 and change nothing.
// axe-core finds no WCAG 2.0/2.1 A/AA violation on any registrar page (with
// and without errors); none is wider than 320 px; screenshots
// registrar-*-1280.png and -320.png go to --screenshots DIR.
//
//   node tests/node/web_registrar_chromium.js --raamatchd build/services/raamatchd \
//       --raa-web build/clients/web/raa-web [--chromium PATH] [--screenshots DIR]
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const support = require('./web_support');

const {check, dayFromToday, iso} = support;
const kName = 'web_registrar_chromium';
const kA = 'sheffield';
const kB = 'rotherham';
const kUsage = `usage: node ${path.basename(__filename)} --raamatchd PATH ` +
               '--raa-web PATH [--chromium PATH] [--screenshots DIR]';

async function setUp(call, managerKey) {
  let n = 0;
  const requestId = () => `web-registrar-${process.pid}-${++n}`;
  const key = async (authority, roles) => (await call('AccessService', 'CreateApiKey',
      managerKey, {api_key: {authority: `authorities/${authority}`, roles,
                             display_name: `web registrar test ${roles}`},
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
    registrarA: await key(kA, ['ROLE_REGISTRAR']),
    registrarB: await key(kB, ['ROLE_REGISTRAR']),
    financeA: await key(kA, ['ROLE_FINANCE']),
  };
  const childOfB = await call('RegistryService', 'CreateChild', keys.registrarB, {
    parent: `authorities/${kB}`, request_id: requestId(), child: {
      members: [{age_months: 50, sex: 'SEX_MALE'}], ages_as_of: dayFromToday(-3),
      contact_plan: 'CONTACT_PLAN_NONE', summary: 'B child',
      journey: {entered_care: dayFromToday(-500)}}});
  const getChild = (name) => call('RegistryService', 'GetChild', keys.registrarA, {name});
  const childrenOfA = async () => (await call('RegistryService', 'ListChildren',
      keys.registrarA, {parent: `authorities/${kA}`, page_size: 1000})).children || [];
  // A household of B, and a manager opening a link to it.
  const householdOfB = await call('RegistryService', 'CreateAdopter', keys.registrarB, {
    parent: `authorities/${kB}`, request_id: requestId(), adopter: {
      status: 'ADOPTER_STATUS_APPROVED', registered_interest_on: dayFromToday(-500),
      applied_on: dayFromToday(-450), approved_on: dayFromToday(-200), approved_for: 1,
      min_age_months: 0, max_age_months: 60, sex_preference: 'SEX_PREFERENCE_ANY',
      region: 'south-yorkshire', max_contact: 'CONTACT_PLAN_LETTERBOX'}});
  const openLink = (child) => call('JourneyService', 'OpenLink', managerKey, {
    child, adopter: householdOfB.name, opened_on: dayFromToday(-1),
    request_id: requestId()});
  // A child of B linked to A's household by a manager, then hidden from A
  // by B (no link is opened to a member the child is hidden from).
  const hiddenFromA = await call('RegistryService', 'CreateChild', keys.registrarB, {
    parent: `authorities/${kB}`, request_id: requestId(), child: {
      members: [{age_months: 30, sex: 'SEX_FEMALE'}], ages_as_of: dayFromToday(-3),
      contact_plan: 'CONTACT_PLAN_NONE', summary: 'Hidden from A',
      region: 'south-yorkshire', journey: {entered_care: dayFromToday(-400)}}});
  const linkHiddenChild = async (adopter) => {
    const open = {child: hiddenFromA.name, adopter, opened_on: dayFromToday(-1),
                  request_id: requestId()};
    let link;
    try {
      link = await call('JourneyService', 'OpenLink', managerKey, open);
    } catch (e) {
      if (!/FAILED_PRECONDITION/.test(String(e))) throw e;
      link = await call('JourneyService', 'OpenLink', managerKey, Object.assign(open, {
        request_id: requestId(), override_reason: 'Test: a link to a hidden profile'}));
    }
    await call('RegistryService', 'UpdateChild', keys.registrarB, {
      child: {name: hiddenFromA.name, hidden_from: [kA]},
      update_mask: {paths: ['hidden_from']}, request_id: requestId()});
    return link;
  };
  const closeLink = (name) => call('JourneyService', 'CloseLink', managerKey, {
    name, reason: 'CLOSE_REASON_PLAN_CHANGED', request_id: requestId()});
  const householdsOfA = async () => (await call('RegistryService', 'ListAdopters',
      keys.registrarA, {parent: `authorities/${kA}`, page_size: 1000})).adopters || [];
  return {keys, childOfB: childOfB.name,
          getChildOfB: () => call('RegistryService', 'GetChild', keys.registrarB,
                                  {name: childOfB.name}),
          getChild, childrenOfA, householdsOfA, openLink, linkHiddenChild,
          closeLink};
}

async function main() {
  const raamatchd = support.option('--raamatchd', true, kUsage);
  const raaWeb = support.option('--raa-web', true, kUsage);
  const screenshots = support.option('--screenshots', false);
  const chromium = support.chromiumOrSkip(kName);
  const grpc = support.requireInstalled('@grpc/grpc-js');
  const puppeteer = support.requireInstalled('puppeteer-core');

  const started = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raa-web-registrar-'));
  let server = null;
  let web = null;
  let browser = null;
  let api = null;
  try {
    server = await support.startServer(raamatchd, dir);
    api = support.connectApi(grpc, dir, server.address,
        ['raa/v1/registry.proto', 'raa/v1/access.proto', 'raa/v1/journey.proto']);
    const fixture = await setUp(api.call, server.managerKey);
    const {keys} = fixture;
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
    // axe on what `page` shows now (a page after a POST): its HTML, loaded
    // into the axe tab.
    const axeHere = async (label) => {
      const html = await page.content();
      await axePage.bringToFront();
      await axePage.goto(`${base}/registry/children`, {waitUntil: 'load'});
      await axePage.setContent(html, {waitUntil: 'load'});
      await support.axeCheck(axePage, label);
      await page.bringToFront();
    };
    const text = async () => (await page.evaluate(() => document.body.innerText))
        .replace(/\s+/g, ' ');
    const overflows = [];
    const fits = async (name, shoot) => {
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
        if (shoot && screenshots) {
          fs.mkdirSync(screenshots, {recursive: true});
          await page.screenshot({path: path.join(screenshots, `registrar-${shoot}-${width}.png`),
                                 fullPage: true});
        }
      }
      await page.setViewport({width: 1280, height: 900});
    };
    const cookieOf = async () => {
      const c = (await page.cookies()).find((x) => x.name === 'raa_session');
      return c ? `raa_session=${c.value}` : '';
    };
    const csrfOf = async () => page.$eval('input[name="csrf"]', (e) => e.value);
    const signInAs = async (key) => {
      await page.deleteCookie(...(await page.cookies()));
      await support.signIn(page, base, key);
      assert.equal(new URL(page.url()).pathname, '/', 'sign-in did not reach home');
    };
    const submit = async (selector) => {
      const [r] = await Promise.all([page.waitForNavigation({waitUntil: 'load'}),
                                     page.click(selector)]);
      return r;
    };
    const setValue = async (selector, value) => {
      await page.$eval(selector, (e, v) => { e.value = v; }, value);
    };
    const tableRows = (selector) => page.$$eval(`${selector} tbody tr`, (trs) =>
      trs.map((row) => [...row.cells].map((c) => c.textContent.trim())));

    await signInAs(keys.registrarA);
    const cookieA = await cookieOf();

    await check('the menu links the registrar pages; the empty lists say so', async () => {
      const hrefs = await page.$$eval('nav a', (as) => as.map((a) => a.getAttribute('href')));
      for (const p of ['/registry/children', '/registry/households', '/registry/upload']) {
        assert.ok(hrefs.includes(p), `no menu link to ${p}: ${hrefs}`);
      }
      await page.goto(`${base}/registry/children`, {waitUntil: 'load'});
      assert.match(await text(), /0 child profiles/);
      await axeAt('/registry/children', 'children (empty)');
    });

    // -- register a child, with a mistake first --------------------------
    let childName = '';
    const summary = 'Loves music <script>alert(1)</script>';
    await check('a child registered with age 300: the API\'s words beside the field, ' +
                'the summary links and focuses it, the typed values are kept', async () => {
      await page.goto(`${base}/registry/children/new`, {waitUntil: 'load'});
      await fits('new child', 'child-new');
      assert.deepEqual(await page.$$eval('.govuk-form-group--error, .govuk-error-message',
                                         (es) => es.map((e) => e.id || e.className)), [],
                       'a fresh form shows errors');
      // Sent empty: every problem at once, listed in the order of the
      // form's fields (GOV.UK's error summary).
      const empty = await submit('main form button[type="submit"]');
      assert.equal(empty.status(), 400, await text());
      const listed = await page.$$eval('.govuk-error-summary a',
                                       (as) => as.map((a) => a.getAttribute('href').slice(1)));
      const onForm = await page.$$eval('main form input, main form select, main form textarea',
                                       (es) => es.map((e) => e.id).filter((id) => id));
      const positions = listed.map((id) => onForm.indexOf(id));
      assert.ok(listed.length >= 3 && !positions.includes(-1), JSON.stringify({listed, onForm}));
      assert.deepEqual(positions, [...positions].sort((a, b) => a - b),
                       JSON.stringify({listed, onForm}));
      await page.goto(`${base}/registry/children/new`, {waitUntil: 'load'});
      await setValue('#ages_as_of', iso(dayFromToday(-2)));
      await page.type('#age_months', '300');
      await page.type('#sex', 'female');
      await page.type('#first_language', 'en');
      await page.select('#contact_plan', 'letterbox');
      await page.type('#entered_care', iso(dayFromToday(-400)));
      await page.type('#shobpa_decision', iso(dayFromToday(-200)));
      await page.type('#summary', summary);
      const r = await submit('main form button[type="submit"]');
      assert.equal(r.status(), 400, await text());
      const got = await page.evaluate(() => ({
        summary: [...document.querySelectorAll('.govuk-error-summary a')].map((a) => ({
          href: a.getAttribute('href'), text: a.textContent.trim()})),
        beside: (document.querySelector('#age_months-error') || {}).textContent || '',
        describedBy: document.querySelector('#age_months').getAttribute('aria-describedby'),
        age: document.querySelector('#age_months').value,
        sex: document.querySelector('#sex').value,
        contact: document.querySelector('#contact_plan').value,
        summaryText: document.querySelector('#summary').value,
        title: document.title,
      }));
      assert.ok(got.summary.some((s) => s.href === '#age_months'), JSON.stringify(got));
      assert.deepEqual(await page.$$eval('.govuk-form-group--error input',
                                         (es) => es.map((e) => e.id)), ['age_months'],
                       'only the age field is marked');
      assert.match(got.beside, /outside 0-216/, JSON.stringify(got));
      assert.match(got.describedBy, /age_months-error/);
      assert.equal(got.age, '300');
      assert.equal(got.sex, 'female');
      assert.equal(got.contact, 'letterbox');
      assert.equal(got.summaryText, summary);
      assert.match(got.title, /^Error: /);
      assert.deepEqual(await fixture.childrenOfA(), [], 'the mistake stored a profile');
      // GOV.UK Frontend's error summary moves the focus to the field.
      await page.click('.govuk-error-summary a[href="#age_months"]');
      await page.waitForFunction(() => document.activeElement &&
                                       document.activeElement.id === 'age_months');
      await fits('new child with error', 'child-error');
      await axeHere('new child with error');
    });

    await check('fixed, the child is registered and shown on its page', async () => {
      await setValue('#age_months', '36');
      await submit('main form button[type="submit"]');
      const url = new URL(page.url());
      assert.match(url.pathname, new RegExp(`^/children/${kA}/[a-z0-9-]+$`));
      assert.match(await text(), /registered/);
      const children = await fixture.childrenOfA();
      assert.equal(children.length, 1);
      childName = children[0].name;
      assert.equal(url.pathname, `/children/${kA}/${childName.split('/').pop()}`);
      const child = await fixture.getChild(childName);
      assert.equal(child.members[0].age_months, 36);
      assert.equal(child.members[0].sex, 'SEX_FEMALE');
      assert.equal(child.contact_plan, 'CONTACT_PLAN_LETTERBOX');
      assert.equal(child.summary, summary);
      assert.equal(child.status, 'CHILD_STATUS_WAITING');
      // Its page offers its own member's registrar the change and withdraw
      // forms.
      const id = childName.split('/').pop();
      assert.ok(await page.$(`main a[href="/children/${kA}/${id}/edit"]`), 'no change link');
      assert.ok(await page.$(`main a[href="/children/${kA}/${id}/withdraw"]`),
                'no withdraw link');
    });

    await check('a cell that does not read and a date the API refuses are shown at once, ' +
                'not one after the other', async () => {
      await page.goto(`${base}/registry/children/new`, {waitUntil: 'load'});
      await setValue('#ages_as_of', iso(dayFromToday(-2)));
      await page.type('#age_months', 'three');
      await page.type('#sex', 'female');
      await page.type('#first_language', 'en');
      await page.select('#contact_plan', 'letterbox');
      await page.type('#entered_care', iso(dayFromToday(30)));
      await page.type('#shobpa_decision', iso(dayFromToday(-200)));
      await page.type('#summary', summary);
      const r = await submit('main form button[type="submit"]');
      assert.equal(r.status(), 400, await text());
      const marked = await page.$$eval('.govuk-form-group--error input',
                                       (es) => es.map((e) => e.id));
      // The API's check of the dates: entered care in the future, and the SHOBPA
      // decision before it.
      assert.deepEqual(marked.sort(), ['age_months', 'entered_care', 'shobpa_decision'],
                       await text());
      const summaryLinks = await page.$$eval('.govuk-error-summary a',
                                             (as) => as.map((a) => a.getAttribute('href')));
      assert.ok(summaryLinks.includes('#age_months') && summaryLinks.includes('#entered_care'),
                JSON.stringify(summaryLinks));
      // The age that did not read is not also "required".
      assert.doesNotMatch(await page.$eval('#age_months-error', (e) => e.textContent),
                          /required/);
      assert.equal((await fixture.childrenOfA()).length, 1, 'the check stored a profile');
    });

    await check('the children list shows it, sorts and filters in the URL', async () => {
      // Two more profiles through the API, to sort.
      for (const [age, sex] of [[80, 'SEX_MALE'], [12, 'SEX_FEMALE']]) {
        await api.call('RegistryService', 'CreateChild', keys.registrarA, {
          parent: `authorities/${kA}`, request_id: `sort-${age}-${process.pid}`, child: {
            members: [{age_months: age, sex}], ages_as_of: dayFromToday(-1),
            contact_plan: 'CONTACT_PLAN_NONE', journey: {entered_care: dayFromToday(-300)}}});
      }
      await page.goto(`${base}/registry/children`, {waitUntil: 'load'});
      let rows = await tableRows('#records');
      assert.equal(rows.length, 3, JSON.stringify(rows));
      assert.ok(rows.some((r) => r[0] === childName.split('/').pop() && r[1] === 'waiting'),
                JSON.stringify(rows));
      await page.goto(`${base}/registry/children?sort=ages&dir=asc`, {waitUntil: 'load'});
      rows = await tableRows('#records');
      assert.match(rows[0][3], /^1 year/, JSON.stringify(rows));
      assert.match(rows[2][3], /^6 years/, JSON.stringify(rows));
      assert.equal(await page.$eval('th[aria-sort="ascending"]', (e) => e.textContent.trim()),
                   'Ages today');
      await page.goto(`${base}/registry/children?status=withdrawn`, {waitUntil: 'load'});
      assert.match(await text(), /0 child profiles with this status/);
      await page.goto(`${base}/registry/children`, {waitUntil: 'load'});
      await fits('children', 'children');
      await axeAt('/registry/children?sort=ages&dir=asc', 'children (sorted)');
    });

    await check('a sibling group\'s mistake names the child it is about', async () => {
      await page.goto(`${base}/registry/children/new`, {waitUntil: 'load'});
      await page.type('#age_months', '30;300');
      await page.type('#sex', 'male;female');
      await page.select('#contact_plan', 'direct');
      await page.type('#entered_care', iso(dayFromToday(-300)));
      const r = await submit('main form button[type="submit"]');
      assert.equal(r.status(), 400);
      const beside = await page.$eval('#age_months-error', (e) => e.textContent);
      assert.match(beside, /child 2: 300 is outside 0-216/, beside);
      assert.equal(await page.$eval('#sex', (e) => e.value), 'male;female');
    });

    await check('a change of the summary changes only the summary', async () => {
      const id = childName.split('/').pop();
      await page.goto(`${base}/registry/children`, {waitUntil: 'load'});
      await submit(`a[href="/children/${kA}/${id}/edit"]`);
      assert.equal(await page.$eval('#age_months', (e) => e.value), '36');
      assert.equal(await page.$eval('#summary', (e) => e.value), summary);
      await fits('change child', 'child-edit');
      await axeAt(`/children/${kA}/${id}/edit`, 'change child');
      const before = await fixture.getChild(childName);
      await setValue('#summary', 'Loves drawing');
      await submit('main form button[type="submit"]');
      assert.equal(new URL(page.url()).pathname, `/children/${kA}/${id}`);
      assert.match(await text(), /changed: summary/);
      const after = await fixture.getChild(childName);
      assert.equal(after.summary, 'Loves drawing');
      assert.deepEqual(after.members, before.members);
      assert.deepEqual(after.journey, before.journey);
    });

    await check('a change the API refuses (entered care in the future) comes back ' +
                'beside the field', async () => {
      const id = childName.split('/').pop();
      await page.goto(`${base}/children/${kA}/${id}/edit`, {waitUntil: 'load'});
      await setValue('#entered_care', iso(dayFromToday(30)));
      const r = await submit('main form button[type="submit"]');
      assert.equal(r.status(), 400);
      const beside = await page.$eval('#entered_care-error', (e) => e.textContent);
      assert.ok(beside.length > 8, beside);
      assert.ok(await page.$('.govuk-error-summary a[href="#entered_care"]'));
      assert.equal(await page.$eval('#entered_care', (e) => e.value),
                   iso(dayFromToday(30)));
      await axeHere('change child with error');
    });

    await check('on the change form too, a cell that does not read and a date the API ' +
                'refuses are shown at once, and nothing is changed', async () => {
      const id = childName.split('/').pop();
      const before = await fixture.getChild(childName);
      await page.goto(`${base}/children/${kA}/${id}/edit`, {waitUntil: 'load'});
      await setValue('#age_months', 'three');
      await setValue('#entered_care', iso(dayFromToday(30)));
      const r = await submit('main form button[type="submit"]');
      assert.equal(r.status(), 400, await text());
      const marked = await page.$$eval('.govuk-form-group--error input',
                                       (es) => es.map((e) => e.id));
      // The API's check of the changed dates: entered care in the future, and
      // the stored SHOBPA decision now before it.
      assert.deepEqual(marked.sort(), ['age_months', 'entered_care', 'shobpa_decision'],
                       await text());
      assert.deepEqual(await fixture.getChild(childName), before, 'the check changed the profile');
    });

    await check('withdraw with an open link: the page names the link instead of the ' +
                'form, a POST is 409 with the API\'s words; closed from the link\'s page, the ' +
                'form is back',
                async () => {
      const id = childName.split('/').pop();
      const link = await fixture.openLink(childName);
      const linkId = link.name.split('/').pop();
      const pathname = `/children/${kA}/${id}/withdraw`;
      await page.goto(base + pathname, {waitUntil: 'load'});
      assert.match(await text(), /Close its open links first/);
      assert.ok(await page.$(`#open-links a[href="/links/${linkId}"]`), 'no link to the link');
      assert.equal(await page.$('#reason'), null, 'the withdraw form is shown');
      await fits('withdraw with an open link', 'child-withdraw-linked');
      await axeAt(pathname, 'withdraw with an open link');
      // A form loaded before the link was opened.
      await page.goto(`${base}/registry/children`, {waitUntil: 'load'});
      const csrf = await csrfOf();
      const r = await support.request(base, 'POST', pathname, {
        cookie: cookieA, form: {csrf, reason: 'Plan changed at review', request_id: 'w-1'}});
      assert.equal(r.status, 409);
      const body = String(r.body);
      assert.match(body, /has an open link \(links(\/|&#x2F;)l\d+\): close it first/);
      assert.match(body, /href="#open-links"/);
      assert.equal((await fixture.getChild(childName)).status, 'CHILD_STATUS_LINKED');
      // The registrar follows the page's link and closes it there.
      await page.goto(base + pathname, {waitUntil: 'load'});
      await submit(`#open-links a[href="/links/${linkId}"]`);
      const planChanged = await page.$$eval('#close-reason option', (os) =>
        (os.find((o) => /plan changed/i.test(o.textContent)) || {}).value);
      assert.ok(planChanged, 'no "plan changed" reason on the link page');
      await page.select('#close-reason', planChanged);
      await submit('#close-form button[type="submit"]');
      assert.equal((await fixture.getChild(childName)).status, 'CHILD_STATUS_WAITING');
      await page.goto(base + pathname, {waitUntil: 'load'});
      assert.ok(await page.$('#reason'), 'no withdraw form once the link is closed');
      assert.equal(await page.$('#open-links'), null);
    });

    await check('withdraw: no reason is refused beside the field; with one the ' +
                'profile is withdrawn and listed so', async () => {
      const id = childName.split('/').pop();
      await page.goto(`${base}/registry/children`, {waitUntil: 'load'});
      await submit(`a[href="/children/${kA}/${id}/withdraw"]`);
      assert.match(await text(), /Withdraw child profile/);
      await fits('withdraw child', 'child-withdraw');
      await axeAt(`/children/${kA}/${id}/withdraw`, 'withdraw child');
      let r = await submit('main form button[type="submit"]');
      assert.equal(r.status(), 400);
      assert.ok(await page.$('.govuk-error-summary a[href="#reason"]'));
      const beside = await page.$eval('#reason-error', (e) => e.textContent);
      assert.ok(beside.length > 8, beside);
      assert.equal((await fixture.getChild(childName)).status, 'CHILD_STATUS_WAITING');
      await axeHere('withdraw with error');
      await page.type('#reason', 'Placed with relatives under a special guardianship order');
      r = await submit('main form button[type="submit"]');
      assert.equal(new URL(page.url()).pathname, '/registry/children');
      assert.match(await text(), /withdrawn/);
      assert.equal((await fixture.getChild(childName)).status, 'CHILD_STATUS_WITHDRAWN');
      await page.goto(`${base}/registry/children?status=withdrawn`, {waitUntil: 'load'});
      const rows = await tableRows('#records');
      assert.deepEqual(rows.map((row) => row[0]), [id]);
      assert.equal(rows[0][rows[0].length - 1], '', 'a withdrawn profile offers changes');
    });

    // -- a household -----------------------------------------------------
    await check('a household registered through the form is listed', async () => {
      await page.goto(`${base}/registry/households/new`, {waitUntil: 'load'});
      await fits('new household', 'household-new');
      await axeAt('/registry/households/new', 'new household');
      await page.select('#status', 'approved');
      await page.type('#registered_interest_on', iso(dayFromToday(-500)));
      await page.type('#applied_on', iso(dayFromToday(-450)));
      await page.type('#approved_on', iso(dayFromToday(-100)));
      await page.type('#approved_for', '2');
      await page.type('#min_age_months', '0');
      await page.type('#max_age_months', '60');
      await page.type('#region', 'south-yorkshire');
      await page.select('#max_contact', 'letterbox');
      await submit('main form button[type="submit"]');
      assert.equal(new URL(page.url()).pathname, '/registry/households', await text());
      assert.match(await text(), /registered/);
      const households = await fixture.householdsOfA();
      assert.equal(households.length, 1);
      assert.equal(households[0].approved_for, 2);
      assert.equal(households[0].status, 'ADOPTER_STATUS_APPROVED');
      const rows = await tableRows('#records');
      assert.equal(rows.length, 1);
      assert.equal(rows[0][0], households[0].name.split('/').pop());
      assert.equal(await page.$eval('#records tbody a', (a) => a.getAttribute('href')),
                   `/households/${kA}/${households[0].name.split('/').pop()}`);
      await fits('households', 'households');
      await axeAt('/registry/households', 'households');
    });

    await check('a household linked to a child hidden from A: the withdraw form is shown, ' +
                'and the POST is 409 saying who closes the link, naming none', async () => {
      const h = (await fixture.householdsOfA())[0].name;
      const id = h.split('/').pop();
      const link = await fixture.linkHiddenChild(h);
      const pathname = `/households/${kA}/${id}/withdraw`;
      await page.goto(base + pathname, {waitUntil: 'load'});
      assert.equal(await page.$('#open-links'), null, 'a hidden link is listed');
      await page.type('#reason', 'Household moved abroad for work');
      const r = await submit('main form button[type="submit"]');
      assert.equal(r.status(), 409, await text());
      const summary = await page.$eval('.govuk-error-summary', (e) => e.innerText);
      assert.match(summary, /hidden from your authority, which the child's authority or a consortium manager closes/);
      assert.doesNotMatch(summary, new RegExp(link.name.split('/').pop() + '\\b'));
      assert.equal(await page.$('.govuk-error-summary a'), null, 'the summary links nowhere useful');
      await axeHere('withdraw household refused');
      assert.equal((await fixture.householdsOfA())[0].status, 'ADOPTER_STATUS_LINKED');
      await fixture.closeLink(link.name);
    });

    await check('a household\'s status change needs its reason (beside the field)',
                async () => {
      const h = (await fixture.householdsOfA())[0].name;
      const id = h.split('/').pop();
      await page.goto(`${base}/households/${kA}/${id}/edit`, {waitUntil: 'load'});
      await page.select('#status', 'on_hold');
      let r = await submit('main form button[type="submit"]');
      assert.equal(r.status(), 400, await text());
      assert.ok(await page.$('#status_reason-error'), await text());
      await page.type('#status_reason', 'The family asked for a pause');
      r = await submit('main form button[type="submit"]');
      assert.equal(new URL(page.url()).pathname, '/registry/households', await text());
      assert.equal((await fixture.householdsOfA())[0].status, 'ADOPTER_STATUS_ON_HOLD');
      // Only what was changed is sent: the fields left as shown are not.
      assert.match(await text(), new RegExp(`Household ${id} changed: status `), await text());
    });

    // -- upload ----------------------------------------------------------
    await check('a CSV with one bad row: the report shows each line; the good rows ' +
                'are stored, once even when sent twice', async () => {
      const file = path.join(dir, 'children.csv');
      const asOf = iso(dayFromToday(-5));
      fs.writeFileSync(file, '\uFEFFages_as_of,age_months,sex,contact_plan,entered_care,summary\r\n' +
          `${asOf},24,female,letterbox,${iso(dayFromToday(-300))},Bright and curious\r\n` +
          `${asOf},300,male,none,${iso(dayFromToday(-300))},Too old\r\n` +
          `${asOf},30;60,male;female,Face to face,${iso(dayFromToday(-600))},Brother and sister\r\n`);
      const before = (await fixture.childrenOfA()).length;
      await page.goto(`${base}/registry/upload`, {waitUntil: 'load'});
      await fits('upload', 'upload');
      await axeAt('/registry/upload', 'upload');
      await (await page.$('#file')).uploadFile(file);
      const r = await submit('main form button[type="submit"]');
      assert.equal(r.status(), 200, await text());
      const rows = await tableRows('#upload-report');
      assert.deepEqual(rows.map((row) => [row[0], row[1]]),
                       [['2', 'stored'], ['3', 'not stored'], ['4', 'stored']],
                       JSON.stringify(rows));
      assert.match(rows[1][3], /column age_months: .*outside 0-216/, rows[1][3]);
      assert.match(await page.$eval('#upload-summary', (e) => e.textContent),
                   /2 child profiles stored; 1 row not stored/);
      assert.equal((await fixture.childrenOfA()).length, before + 2);
      await fits('upload report', 'upload-report');
      await axeHere('upload report');
      // The same file again: found, not stored twice.
      await (await page.$('#file')).uploadFile(file);
      await submit('main form button[type="submit"]');
      const again = await tableRows('#upload-report');
      assert.deepEqual(again.map((row) => row[1]),
                       ['already stored', 'not stored', 'already stored']);
      assert.equal((await fixture.childrenOfA()).length, before + 2);
    });

    await check('a JSON file of households with one bad row: the report shows it',
                async () => {
      const file = path.join(dir, 'households.json');
      const household = (approvedFor) => ({
        status: 'ADOPTER_STATUS_APPROVED', registered_interest_on: dayFromToday(-400),
        applied_on: dayFromToday(-350), approved_on: dayFromToday(-60),
        approved_for: approvedFor, min_age_months: 0, max_age_months: 48,
        region: 'south-yorkshire', max_contact: 'CONTACT_PLAN_LETTERBOX'});
      fs.writeFileSync(file, `[\n${JSON.stringify(household(1))},\n` +
                             `${JSON.stringify(household(9))}\n]\n`);
      const before = (await fixture.householdsOfA()).length;
      await page.goto(`${base}/registry/upload?kind=households`, {waitUntil: 'load'});
      assert.equal(await page.$eval('#kind-households', (e) => e.checked), true);
      await (await page.$('#file')).uploadFile(file);
      const r = await submit('main form button[type="submit"]');
      assert.equal(r.status(), 200, await text());
      const rows = await tableRows('#upload-report');
      // A JSON array's rows by their place in it, and the line each starts on.
      assert.equal(await page.$eval('#upload-report thead th', (e) => e.textContent.trim()),
                   'Element (line)');
      assert.deepEqual(rows.map((row) => [row[0], row[1]]),
                       [['1 (line 2)', 'stored'], ['2 (line 3)', 'not stored']],
                       JSON.stringify(rows));
      assert.match(rows[1][3], /approved_for/, rows[1][3]);
      assert.equal((await fixture.householdsOfA()).length, before + 1);
    });

    await check('a file with a wrong header: every bad column beside the file field, ' +
                'nothing stored', async () => {
      const file = path.join(dir, 'bad-header.csv');
      fs.writeFileSync(file, 'ages_as_of,agee_months,sex\n2026-01-01,1,male\n');
      const before = (await fixture.childrenOfA()).length;
      await page.goto(`${base}/registry/upload`, {waitUntil: 'load'});
      await (await page.$('#file')).uploadFile(file);
      const r = await submit('main form button[type="submit"]');
      assert.equal(r.status(), 400);
      const beside = await page.$eval('#file-error', (e) => e.textContent);
      assert.match(beside, /agee_months.*did you mean age_months/, beside);
      assert.ok(await page.$('.govuk-error-summary a[href="#file"]'));
      assert.equal((await fixture.childrenOfA()).length, before);
      await axeHere('upload with error');
    });

    // -- permissions and CSRF ----------------------------------------------
    await check('B\'s child: A\'s registrar gets 403 on its change and withdraw forms, ' +
                'and a POST changes nothing', async () => {
      const id = fixture.childOfB.split('/').pop();
      for (const p of [`/children/${kB}/${id}/edit`, `/children/${kB}/${id}/withdraw`]) {
        const r = await page.goto(base + p, {waitUntil: 'load'});
        assert.equal(r.status(), 403, p);
        assert.equal(await page.$('main form[method="post"]'), null, `${p} shows a form`);
        assert.match(await text(), /belongs to rotherham: only its own registrars/);
      }
      // B's child's own page (read-only for A) offers no change link.
      await page.goto(`${base}/children/${kB}/${id}`, {waitUntil: 'load'});
      assert.equal(await page.$(`main a[href$="/edit"]`), null, 'a change link on B\'s child');
      await fits('403', 'forbidden');
      await axeAt(`/children/${kB}/${id}/edit`, '403');
      await page.goto(`${base}/registry/children`, {waitUntil: 'load'});
      const csrf = await csrfOf();
      const r = await support.request(base, 'POST', `/children/${kB}/${id}/withdraw`, {
        cookie: cookieA, form: {csrf, reason: 'not ours', request_id: 'x-1'}});
      assert.equal(r.status, 403);
      assert.equal((await fixture.getChildOfB()).status, 'CHILD_STATUS_WAITING');
    });

    await check('the same register form sent twice (its request_id) registers once',
                async () => {
      await page.goto(`${base}/registry/children/new`, {waitUntil: 'load'});
      const csrf = await csrfOf();
      const requestId = await page.$eval('input[name="request_id"]', (e) => e.value);
      assert.ok(requestId.length >= 8, requestId);
      const form = {csrf, request_id: requestId, ages_as_of: iso(dayFromToday(-1)),
                    age_months: '20', sex: 'male', contact_plan: 'none',
                    entered_care: iso(dayFromToday(-100)), summary: 'Sent twice'};
      const before = (await fixture.childrenOfA()).length;
      const first = await support.request(base, 'POST', '/registry/children/new',
                                          {cookie: cookieA, form});
      const second = await support.request(base, 'POST', '/registry/children/new',
                                           {cookie: cookieA, form});
      assert.equal(first.status, 303);
      assert.equal(second.status, 303);
      assert.equal(second.headers.location, first.headers.location);
      assert.equal((await fixture.childrenOfA()).length, before + 1);
    });

    await check('POSTs without the csrf field are 403 and change nothing', async () => {
      const before = (await fixture.childrenOfA()).length;
      let r = await support.request(base, 'POST', '/registry/children/new', {
        cookie: cookieA, form: {ages_as_of: iso(dayFromToday(-1)), age_months: '20',
                                sex: 'male', contact_plan: 'none',
                                entered_care: iso(dayFromToday(-100))}});
      assert.equal(r.status, 403);
      assert.equal((await fixture.childrenOfA()).length, before);
      const waiting = (await fixture.childrenOfA()).find(
          (c) => c.status === 'CHILD_STATUS_WAITING');
      const id = waiting.name.split('/').pop();
      r = await support.request(base, 'POST', `/children/${kA}/${id}/withdraw`, {
        cookie: cookieA, form: {reason: 'no csrf'}});
      assert.equal(r.status, 403);
      r = await support.request(base, 'POST', `/children/${kA}/${id}/edit`, {
        cookie: cookieA, form: {summary: 'no csrf', csrf: 'f'.repeat(64)}});
      assert.equal(r.status, 403);
      const after = await fixture.getChild(waiting.name);
      assert.equal(after.status, 'CHILD_STATUS_WAITING');
      assert.notEqual(after.summary, 'no csrf');
    });

    await check('a finance key gets 403 on the register form and the upload page', async () => {
      await signInAs(keys.financeA);
      for (const p of ['/registry/children/new', '/registry/households/new',
                       '/registry/upload']) {
        const r = await page.goto(base + p, {waitUntil: 'load'});
        assert.equal(r.status(), 403, p);
      }
      const hrefs = await page.$$eval('nav a', (as) => as.map((a) => a.getAttribute('href')));
      assert.ok(!hrefs.includes('/registry/upload'), 'a finance key sees the registrar menu');
    });

    await check('no registrar page is wider than 320 px', () =>
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
