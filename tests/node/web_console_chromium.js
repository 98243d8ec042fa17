#!/usr/bin/env node
// The web console (raa-web, docs/web.md) used by a family finder in a real
// browser: Debian's headless Chromium driven by puppeteer-core, against a
// real raamatchd and a real raa-web, both started here on 127.0.0.1 with
// ports they pick (--port-file).
//
// Set-up, through the gRPC API alone (@grpc/grpc-js and protos/, as
// client_e2e.js): two members (a local authority A and an agency B), a
// family finder key and a registrar key for A, a registrar key for B; three
// approved households of B (two that fit A's child, one excluded by its age
// range); a waiting child of A whose summary holds
// `<script>alert(1)</script>`; and a child of B hidden from A.
//
// In the browser:
//   - GET / redirects (303) to /sign-in; a wrong key re-shows the form with
//     a GOV.UK error summary linked to the field, and the key is not echoed;
//   - the family finder key signs in; the session cookie raa_session is
//     HttpOnly, SameSite=Strict, Path=/, 32 random bytes, and holds no key;
//   - the home page links the waiting child (and not B's hidden one);
//   - the child page shows the summary's <script> as text (no dialog, no
//     inline script element), each ranked household with its score and every
//     component's reason text exactly as RankAdopters gives it in words
//     (RANK_VIEW_FULL_TEXT; the console renders the coded view from the
//     reason catalogue), and the exclusion texts; "Open a link" opens the link (checked with ListLinks)
//     and the page says so;
//   - sign-out ends the session: the old cookie is sent back to /sign-in;
//   - every page fits 1280 and 320 px wide without scrolling sideways.
// Security, with raw HTTP requests beside the browser:
//   - every response (pages, redirects, errors, static files) has the
//     Content-Security-Policy of the contract (frame-ancestors 'none', no
//     'unsafe-inline'), X-Content-Type-Options: nosniff and
//     Referrer-Policy: no-referrer; HTML pages Cache-Control: no-store;
//     static files a long max-age; the browser reports no CSP violation;
//   - a POST /links without the csrf field, or with a wrong one, is 403 and
//     opens no link; a POST /sign-in without it sets no session; a POST
//     /sign-out without it leaves the session working;
//   - the page of B's hidden child and of a child that does not exist are
//     error pages (404 or 403, the same for both) with no stack and no key;
//   - a registrar's key signs in too (a home page with the command-line
//     guidance); revoking the key through the API ends its session;
//   - after a few wrong keys from one address, sign-in answers 429 with
//     Retry-After, even to the right key;
//   - raa-web refuses to start serving plain HTTP on a non-loopback address
//     or speaking plain gRPC to a non-loopback raamatchd; served over HTTPS
//     (certificates from scripts/make-certs.sh) its cookies are Secure.
// axe-core finds no WCAG 2.0/2.1 A or AA violation on the sign-in page
// (also with its error), the home page and the child page. Screenshots of
// sign-in, home and the child page at 1280 and 320 px wide go to
// --screenshots DIR.
//
// Exits 0 if every check passed, 1 otherwise; 77 (ctest: skipped) only when
// no Chromium is installed and CI is not set. In CI a missing Chromium fails.
//
//   node tests/node/web_console_chromium.js --raamatchd build/services/raamatchd \
//       --raa-web build/clients/web/raa-web [--chromium PATH] [--screenshots DIR]
'use strict';

const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const https = require('node:https');
const os = require('node:os');
const path = require('node:path');
const support = require('./web_support');

const kName = 'web_console_chromium';
const repo = path.resolve(__dirname, '..', '..');
const kDeadlineMs = 30000;
// A page wider than 320 px fails the run (WCAG 2.1 1.4.10 reflows at 320:
// the console's wide tables scroll inside their own box instead).
const kReflowRequired = true;

function option(name, required) {
  const i = process.argv.indexOf(name);
  if (i < 0 || i + 1 >= process.argv.length) {
    if (!required) return undefined;
    console.error(`usage: node ${path.basename(__filename)} --raamatchd PATH ` +
                  '--raa-web PATH [--chromium PATH] [--screenshots DIR]');
    process.exit(2);
  }
  return process.argv[i + 1];
}

const {findChromium, children, startListening, stop} = support;

function requireInstalled(name) {
  try {
    return require(name);
  } catch (e) {
    console.error(`${kName}: cannot load ${name} (${e.message}).\n` +
                  'Run scripts/install-deps.sh: it runs `npm ci` in tests/node.');
    process.exit(1);
  }
}

let failures = 0;
// Runs one named check; a failure is counted and printed, and the run goes
// on. Returns whether it passed.
async function check(name, fn) {
  try {
    await fn();
    console.log(`ok   ${name}`);
    return true;
  } catch (e) {
    failures++;
    console.log(`FAIL ${name}\n     ${String(e.stack || e.message || e)
        .split('\n').slice(0, 12).join('\n     ')}`);
    return false;
  }
}

// Processes (children, startListening, stop) come from web_support.js:
// every child started is killed on exit, pass or fail.

// ---------------------------------------------------------------------------
// The gRPC API, from protos/ alone.

function loadApi(grpc, googleDir) {
  const protoLoader = requireInstalled('@grpc/proto-loader');
  const definition = protoLoader.loadSync(
      ['raa/v1/registry.proto', 'raa/v1/access.proto', 'raa/v1/matching.proto',
       'raa/v1/journey.proto'],
      {includeDirs: [path.join(repo, 'protos'), googleDir], keepCase: true,
       longs: String, enums: String, defaults: false});
  return grpc.loadPackageDefinition(definition).raa.v1;
}

function dayFromToday(days) {
  const d = new Date(Date.now() + days * 24 * 3600 * 1000);
  return {year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate()};
}

const kA = 'sheffield';
const kB = 'southyorks-vaa';
const kScriptSummary = 'Loves music and the park <script>alert(1)</script>';

function child(summary, hiddenFrom) {
  return {
    members: [{age_months: 36, sex: 'SEX_FEMALE', heritage: 'HERITAGE_WHITE_BRITISH',
               religion: 'RELIGION_NO_RELIGION', first_language: 'en'}],
    ages_as_of: dayFromToday(-10),
    contact_plan: 'CONTACT_PLAN_LETTERBOX',
    early_permanence: 'EARLY_PERMANENCE_NONE',
    summary,
    hidden_from: hiddenFrom,
    journey: {entered_care: dayFromToday(-400), plan_for_adoption: dayFromToday(-300),
              shobpa_decision: dayFromToday(-250)},
  };
}

function household(overrides) {
  return Object.assign({
    status: 'ADOPTER_STATUS_APPROVED',
    registered_interest_on: dayFromToday(-500),
    applied_on: dayFromToday(-450),
    approved_on: dayFromToday(-200),
    approved_for: 2,
    min_age_months: 0,
    max_age_months: 60,
    sex_preference: 'SEX_PREFERENCE_ANY',
    heritage: ['HERITAGE_WHITE_BRITISH'],
    religion: 'RELIGION_CHRISTIAN',
    languages: ['en'],
    region: 'south-yorkshire',
    max_contact: 'CONTACT_PLAN_LETTERBOX',
    fast_track: 'FAST_TRACK_NONE',
  }, overrides);
}

// Registers the consortium the browser will see. Returns the keys, names and
// the ranking RankAdopters gives A's family finder for A's child.
async function setUp(grpc, api, address, managerKey) {
  const credentials = grpc.credentials.createInsecure();
  const clients = {
    registry: new api.RegistryService(address, credentials),
    access: new api.AccessService(address, credentials),
    matching: new api.MatchingService(address, credentials),
    journey: new api.JourneyService(address, credentials),
  };
  let n = 0;
  const requestId = () => `web-console-${process.pid}-${++n}`;
  const call = (client, method, key, request) => {
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${key}`);
    return new Promise((resolve, reject) => {
      clients[client][method](request, metadata, {deadline: Date.now() + kDeadlineMs},
          (err, response) => (err ? reject(new Error(`${method}: ${err.message}`))
                                  : resolve(response)));
    });
  };
  const keyNames = {};
  const key = async (authority, roles) => {
    const created = await call('access', 'CreateApiKey', managerKey, {
      api_key: {authority: `authorities/${authority}`, roles,
                display_name: `web test ${roles}`},
      request_id: requestId(),
    });
    keyNames[created.secret] = created.api_key.name;
    return created.secret;
  };
  const revoke = (secret) => call('access', 'RevokeApiKey', managerKey, {
    name: keyNames[secret], request_id: requestId()});

  await call('registry', 'CreateAuthority', managerKey, {
    authority_id: kA, request_id: requestId(),
    authority: {display_name: 'Sheffield City Council', region: 'south-yorkshire',
                kind: 'AUTHORITY_KIND_LOCAL_AUTHORITY'},
  });
  await call('registry', 'CreateAuthority', managerKey, {
    authority_id: kB, request_id: requestId(),
    authority: {display_name: 'South Yorkshire Adoption Agency', region: 'south-yorkshire',
                kind: 'AUTHORITY_KIND_VOLUNTARY_ADOPTION_AGENCY'},
  });
  const finderA = await key(kA, ['ROLE_FAMILY_FINDER']);
  const registrarA = await key(kA, ['ROLE_REGISTRAR']);
  const registrarB = await key(kB, ['ROLE_REGISTRAR']);

  const households = [];
  for (const overrides of [{}, {min_age_months: 24, max_age_months: 96, approved_for: 1,
                                heritage: ['HERITAGE_WHITE_OTHER'], dual_approved: true},
                           {max_age_months: 12}]) {
    households.push((await call('registry', 'CreateAdopter', registrarB, {
      parent: `authorities/${kB}`, adopter: household(overrides), request_id: requestId(),
    })).name);
  }
  // The summary must reach the page as text. The API's free-text check
  // refuses dates, NHS numbers, postcodes, emails and phone numbers, not '<'.
  const waiting = (await call('registry', 'CreateChild', registrarA, {
    parent: `authorities/${kA}`, child: child(kScriptSummary, []), request_id: requestId(),
  }));
  assert.equal(waiting.summary, kScriptSummary, 'the API changed the summary');
  const hidden = (await call('registry', 'CreateChild', registrarB, {
    parent: `authorities/${kB}`, child: child('Likes drawing', [kA]), request_id: requestId(),
  })).name;
  // The server's own words (FULL_TEXT): the console asks for the compact,
  // coded view and must render exactly these from the reason catalogue.
  const ranking = await call('matching', 'RankAdopters', finderA,
                             {child: waiting.name, view: 'RANK_VIEW_FULL_TEXT'});
  assert.ok(ranking.adopters.length >= 2, `ranking: ${JSON.stringify(ranking)}`);
  assert.ok((ranking.exclusions || []).length >= 1, `no exclusion: ${JSON.stringify(ranking)}`);
  const overdue = (await call('journey', 'ListOverdue', finderA, {
    authority: `authorities/${kA}`, within_days: 14})).items || [];
  const links = async () => (await call('journey', 'ListLinks', finderA,
                                        {child: waiting.name})).links || [];
  return {
    finderA, registrarA, registrarB, managerKey, households, child: waiting.name,
    hidden, ranking, overdue, links, revoke,
    close: () => Object.values(clients).forEach((c) => c.close()),
  };
}

// ---------------------------------------------------------------------------
// HTTP.

// One raw request to raa-web: resolves {status, headers, body}.
function request(base, method, pathname, {cookie, form, ca} = {}) {
  const url = new URL(pathname, base);
  const body = form ? new URLSearchParams(form).toString() : null;
  const headers = {};
  if (cookie) headers.cookie = cookie;
  if (body !== null) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    headers['content-length'] = Buffer.byteLength(body);
    headers.origin = base;  // as a browser sends: the check must be the token
  }
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const req = client.request(url, {method, headers, ca}, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({status: res.statusCode, headers: res.headers,
                                   body: Buffer.concat(chunks).toString('utf8')}));
    });
    req.on('error', reject);
    req.setTimeout(kDeadlineMs, () => req.destroy(new Error(`${method} ${pathname}: timeout`)));
    if (body !== null) req.write(body);
    req.end();
  });
}

// The contract's policy, directive by directive.
const kCsp = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'"],
  'frame-ancestors': ["'none'"],
  'form-action': ["'self'"],
  'base-uri': ["'none'"],
};

// What is wrong with the security headers of one response ([] if nothing).
function headerProblems(status, headers, pathname) {
  const problems = [];
  const csp = headers['content-security-policy'];
  if (!csp) {
    problems.push('no Content-Security-Policy');
  } else {
    if (/unsafe-inline|unsafe-eval/.test(csp)) problems.push(`CSP allows unsafe: ${csp}`);
    const got = {};
    for (const part of csp.split(';')) {
      const [name, ...values] = part.trim().split(/\s+/);
      if (name) got[name.toLowerCase()] = values;
    }
    for (const [name, values] of Object.entries(kCsp)) {
      const have = (got[name] || []).slice().sort().join(' ');
      if (have !== values.slice().sort().join(' ')) {
        problems.push(`CSP ${name} is "${have}", want "${values.join(' ')}"`);
      }
    }
  }
  if ((headers['x-content-type-options'] || '').toLowerCase() !== 'nosniff') {
    problems.push(`X-Content-Type-Options: ${headers['x-content-type-options']}`);
  }
  // Not in the contract, but docs/web.md promises it (old browsers).
  if ((headers['x-frame-options'] || '').toUpperCase() !== 'DENY') {
    problems.push(`X-Frame-Options: ${headers['x-frame-options']}`);
  }
  if ((headers['referrer-policy'] || '').toLowerCase() !== 'no-referrer') {
    problems.push(`Referrer-Policy: ${headers['referrer-policy']}`);
  }
  const type = headers['content-type'] || '';
  const cache = headers['cache-control'] || '';
  if (pathname.startsWith('/static/') || pathname.startsWith('/assets/')) {
    const maxAge = /max-age=(\d+)/.exec(cache);
    if (status === 200 && !(maxAge && Number(maxAge[1]) >= 86400)) {
      problems.push(`a static file with Cache-Control: "${cache}"`);
    }
  } else if (/text\/html/.test(type) && !/no-store/.test(cache)) {
    problems.push(`a page with Cache-Control: "${cache}"`);
  }
  return problems.map((p) => `${status} ${pathname}: ${p}`);
}

// What in an error page gives too much away ([] if nothing).
function leaks(html, secrets) {
  const found = [];
  for (const s of secrets) if (html.includes(s)) found.push('an API key');
  if (/\braa_[A-Za-z0-9_-]{16,}/.test(html)) found.push('something shaped like a key');
  for (const [what, re] of [['a stack frame', /\bat \S+ \(|#\d+\s+0x[0-9a-f]+|\.cc:\d+|\.h:\d+/],
                            ['a C++ name', /std::|absl::|grpc::|terminate called/],
                            ['a gRPC status', /StatusCode|grpc_status|DEADLINE_EXCEEDED/]]) {
    if (re.test(html)) found.push(what);
  }
  return found;
}

// ---------------------------------------------------------------------------
// The browser.

async function main() {
  const raamatchd = option('--raamatchd', true);
  const raaWeb = option('--raa-web', true);
  const screenshots = option('--screenshots', false);
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
  const grpc = requireInstalled('@grpc/grpc-js');
  const puppeteer = requireInstalled('puppeteer-core');
  const axePath = require.resolve('axe-core/axe.min.js');

  const started = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raa-web-console-'));
  let server = null;
  let web = null;
  let browser = null;
  let api = null;
  try {
    const googleDir = path.join(dir, 'google-protos');
    childProcess.execFileSync(path.join(repo, 'scripts', 'google-protos.sh'), [googleDir],
                              {stdio: 'inherit'});
    const keyFile = path.join(dir, 'manager.key');
    server = await startListening(raamatchd, [
      '--db', path.join(dir, 'raamatch.db'), '--listen', '127.0.0.1:0',
      '--port-file', path.join(dir, 'port'), '--bootstrap-key-file', keyFile,
    ], path.join(dir, 'port'), path.join(dir, 'raamatchd.log'));
    const address = `127.0.0.1:${server.port}`;
    api = await setUp(grpc, loadApi(grpc, googleDir), address,
                      fs.readFileSync(keyFile, 'utf8').trim());
    const keys = [api.finderA, api.registrarA, api.registrarB, api.managerKey];
    console.log(`raamatchd on ${address}: ${api.child} ranked ` +
                `${api.ranking.adopters.length} households, ` +
                `${api.ranking.exclusions.length} exclusion(s); ` +
                `${api.overdue.length} overdue item(s)`);

    await check('raa-web refuses plain HTTP on a public address and plain gRPC to a ' +
                'remote raamatchd', async () => {
      for (const args of [['--server', address, '--listen', '0.0.0.0:0'],
                          ['--server', '192.0.2.1:50051', '--listen', '127.0.0.1:0']]) {
        const proc = childProcess.spawn(raaWeb, args, {stdio: ['ignore', 'ignore', 'pipe']});
        children.add(proc);
        let stderr = '';
        proc.stderr.on('data', (d) => { stderr += d; });
        const exit = await new Promise((resolve) => {
          const timer = setTimeout(() => { proc.kill('SIGKILL'); resolve('still running'); },
                                   10000);
          proc.on('exit', (code) => { clearTimeout(timer); resolve(code); });
        });
        assert.ok(typeof exit === 'number' && exit !== 0,
                  `raa-web ${args.join(' ')}: ${exit}`);
        assert.match(stderr, /loopback/, `${args.join(' ')}: ${stderr}`);
      }
    });

    const webDir = path.join(dir, 'web');
    fs.mkdirSync(webDir);
    web = await startListening(raaWeb, [
      '--server', address, '--listen', '127.0.0.1:0',
      '--port-file', path.join(webDir, 'port'),
    ], path.join(webDir, 'port'), path.join(dir, 'raa-web.log'));
    const base = `http://127.0.0.1:${web.port}`;
    console.log(`raa-web on ${base} (set-up took ${Date.now() - started} ms)`);

    const [, childAuthority, , childId] = api.child.split('/');
    const childPath = `/children/${childAuthority}/${childId}`;
    const [, hiddenAuthority, , hiddenId] = api.hidden.split('/');
    const hiddenPath = `/children/${hiddenAuthority}/${hiddenId}`;
    const missingPath = `/children/${kA}/c999999`;

    // Every response's headers, from the browser and from raw requests.
    const problems = [];
    const raw = async (method, pathname, options) => {
      const r = await request(base, method, pathname, options);
      problems.push(...headerProblems(r.status, r.headers, pathname));
      return r;
    };

    const args = ['--disable-gpu', '--no-first-run', '--no-default-browser-check',
                  '--disable-extensions', '--disable-background-networking',
                  '--disable-component-update', '--disable-sync',
                  '--disable-dev-shm-usage'];
    // Chromium's sandbox refuses to run as root (containers, CI images).
    if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
    browser = await puppeteer.launch({executablePath: chromium, headless: true, args,
                                      timeout: 60000, protocolTimeout: 60000});

    // The page a user sees, with the console's CSP enforced.
    const page = await browser.newPage();
    const dialogs = [];
    const cspErrors = [];
    const failed = [];
    const seen = new Set();
    page.on('dialog', async (d) => { dialogs.push(d.message()); await d.dismiss(); });
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) cspErrors.push(m.text());
    });
    page.on('pageerror', (e) => cspErrors.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => failed.push(`${r.url()}: ${r.failure().errorText}`));
    page.on('response', (r) => {
      if (!r.url().startsWith(base)) return;
      const pathname = new URL(r.url()).pathname;
      seen.add(`${r.status()} ${pathname}`);
      problems.push(...headerProblems(r.status(), r.headers(), pathname));
      if (/^\/(static|assets)\//.test(pathname) && r.status() !== 200) {
        failed.push(`${r.status()} ${r.url()}`);
      }
    });

    // axe-core runs in a second tab of the same browser (same cookies), with
    // the console's CSP bypassed for that tab only: the CSP forbids the inline
    // script that page.addScriptTag inserts. The pages a user gets are checked
    // in `page`, where the CSP holds.
    const axePage = await browser.newPage();
    await axePage.setBypassCSP(true);
    axePage.on('dialog', async (d) => { dialogs.push(`axe tab: ${d.message()}`); await d.dismiss(); });
    // Each tab is brought to the front before it is used: Chromium does not
    // render a background tab, so a click there would never land.
    const axeRun = async (label) => {
      await axePage.bringToFront();
      await axePage.addScriptTag({path: axePath});
      const result = await axePage.evaluate(() => window.axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
      }));
      await page.bringToFront();
      const violations = result.violations.map((v) => `${label}: ${v.id} (${v.impact}): ` +
          `${v.help}; ${v.nodes.slice(0, 3).map((x) => x.target.join(' ')).join(', ')}`);
      assert.deepEqual(violations, []);
      assert.ok(result.passes.length > 10, `${label}: axe checked almost nothing`);
    };
    const axeAt = async (pathname, label) => {
      await axePage.goto(base + pathname, {waitUntil: 'load'});
      assert.equal(new URL(axePage.url()).pathname, pathname, `${label}: redirected`);
      await axeRun(label);
    };

    // At each width, the page must fit: no scrolling sideways (WCAG 1.4.10,
    // reflow; a wide table may scroll inside its own container). Saves the
    // screenshots when --screenshots is given.
    const overflows = [];
    const shoot = async (name) => {
      await page.bringToFront();
      if (screenshots) fs.mkdirSync(screenshots, {recursive: true});
      for (const width of [1280, 320]) {
        await page.setViewport({width, height: 900});
        const wide = await page.evaluate(() => document.documentElement.scrollWidth);
        if (wide > width) overflows.push(`${name} is ${wide} px wide at ${width} px`);
        if (screenshots) {
          await page.screenshot({path: path.join(screenshots, `${name}-${width}.png`),
                                 fullPage: true});
        }
      }
      await page.setViewport({width: 1280, height: 900});
    };
    await page.setViewport({width: 1280, height: 900});
    await page.bringToFront();

    const html = () => page.content();
    // The text as a reader sees it: whitespace collapsed.
    const flat = (s) => s.replace(/\s+/g, ' ').trim();
    const pathnameOf = (p) => new URL(p.url()).pathname;
    // Fills the key field on the sign-in form shown in `p` and submits it.
    const signIn = async (p, key) => {
      await p.bringToFront();
      const field = await p.$('form input[name="key"]');
      assert.ok(field, 'no field named key');
      await field.type(key);
      const button = await p.$('form button[type="submit"], form button:not([type]), ' +
                               'form input[type="submit"]');
      assert.ok(button, 'no submit button');
      const [response] = await Promise.all([p.waitForNavigation({waitUntil: 'load'}),
                                            button.click()]);
      return response;
    };

    // -- Signed out -------------------------------------------------------
    await check('GET / redirects (303) to /sign-in', async () => {
      const response = await page.goto(`${base}/`, {waitUntil: 'load'});
      assert.equal(pathnameOf(page), '/sign-in');
      const chain = response.request().redirectChain();
      assert.ok(chain.length >= 1, 'no redirect');
      assert.equal(chain[0].response().status(), 303);
      assert.equal(response.status(), 200);
      const r = await raw('GET', childPath);
      assert.equal(r.status, 303, `GET ${childPath} signed out: ${r.status}`);
      assert.match(r.headers.location || '', /\/sign-in$/);
    });

    await check('the sign-in page: lang, skip link, main, a labelled "API key" ' +
                'password field, a "Sign in" button, a csrf field', async () => {
      const got = await page.evaluate(() => {
        const field = document.querySelector('input[name="key"]');
        const label = field && field.id &&
            document.querySelector(`label[for="${CSS.escape(field.id)}"]`);
        const form = field && field.form;
        return {
          lang: document.documentElement.lang,
          skip: !!document.querySelector('a.govuk-skip-link[href="#main-content"]'),
          main: !!document.querySelector('main#main-content'),
          type: field && field.type,
          label: label && label.textContent.trim(),
          method: form && form.method,
          action: form && new URL(form.action).pathname,
          csrf: form && !!form.querySelector('input[type="hidden"][name="csrf"]'),
          button: form && [...form.querySelectorAll('button, input[type="submit"]')]
              .map((b) => (b.textContent || b.value).trim()),
        };
      });
      assert.equal(got.lang.slice(0, 2), 'en');
      assert.ok(got.skip, 'no skip link to #main-content');
      assert.ok(got.main, 'no <main id="main-content">');
      assert.equal(got.type, 'password');
      assert.equal(got.label, 'API key');
      assert.equal(got.method, 'post');
      assert.equal(got.action, '/sign-in');
      assert.ok(got.csrf, 'the sign-in form has no csrf field');
      assert.deepEqual(got.button, ['Sign in']);
      await shoot('sign-in');
    });

    await check('axe: the sign-in page', () => axeAt('/sign-in', 'sign-in'));

    const wrongKey = 'raa_' + 'x'.repeat(40);
    await check('a wrong key re-shows the form with an error summary linked to the field',
                async () => {
      await page.goto(`${base}/sign-in`, {waitUntil: 'load'});
      await signIn(page, wrongKey);
      assert.equal(pathnameOf(page), '/sign-in');
      const got = await page.evaluate(() => {
        const summary = document.querySelector('.govuk-error-summary');
        const field = document.querySelector('input[name="key"]');
        const links = summary ? [...summary.querySelectorAll('a')].map((a) => ({
          href: a.getAttribute('href'), text: a.textContent.trim()})) : [];
        return {summary: summary && summary.textContent, links, id: field && field.id,
                value: field && field.value};
      });
      assert.ok(got.summary, 'no .govuk-error-summary');
      assert.ok(got.links.some((l) => l.href === `#${got.id}` &&
                                      l.text === 'That key was not accepted'),
                `error links: ${JSON.stringify(got.links)} (field id ${got.id})`);
      assert.equal(got.value, '', 'the wrong key is echoed back in the field');
      assert.ok(!(await html()).includes(wrongKey), 'the wrong key is in the page');
      assert.equal((await page.cookies()).filter((c) => c.name === 'raa_session').length, 0,
                   'a wrong key got a session');
    });

    await check('axe: the sign-in page with its error', async () => {
      await axePage.goto(`${base}/sign-in`, {waitUntil: 'load'});
      await signIn(axePage, wrongKey);
      assert.ok(await axePage.$('.govuk-error-summary'), 'no error summary');
      await axeRun('sign-in with error');
    });

    await check('POST /sign-in without the csrf field is 403 and signs nobody in', async () => {
      const r = await raw('POST', '/sign-in', {form: {key: api.finderA}});
      assert.equal(r.status, 403);
      assert.match(r.body, /This form could not be sent/);
      assert.ok(!/raa_session=[^;]/.test(String(r.headers['set-cookie'] || '')),
                `set-cookie: ${r.headers['set-cookie']}`);
      assert.deepEqual(leaks(r.body, keys), []);
    });

    // -- Signed in --------------------------------------------------------
    let session = null;
    const signedIn = await check('the family finder key signs in, to the home page',
                                 async () => {
      await page.goto(`${base}/sign-in`, {waitUntil: 'load'});
      await signIn(page, api.finderA);
      assert.equal(pathnameOf(page), '/');
      session = (await page.cookies()).find((c) => c.name === 'raa_session');
      assert.ok(session, 'no raa_session cookie');
    });
    if (!signedIn) throw new Error('cannot go on without a session');
    const cookie = `raa_session=${session.value}`;

    await check('the session cookie: HttpOnly, SameSite=Strict, Path=/, 32 random ' +
                'bytes, no key in it', async () => {
      assert.equal(session.httpOnly, true, 'not HttpOnly');
      assert.equal(session.sameSite, 'Strict');
      assert.equal(session.path, '/');
      assert.equal(session.secure, false, 'Secure over plain HTTP: the browser drops it');
      for (const k of keys) {
        assert.ok(!session.value.includes(k) && !k.includes(session.value),
                  'the cookie holds a key');
      }
      assert.ok(/^[0-9a-f]{64}$/.test(session.value) ||
                /^[A-Za-z0-9_-]{43}$/.test(session.value),
                `not 32 bytes as hex or base64url: ${session.value.length} characters`);
      assert.equal(await page.evaluate(() => document.cookie.includes('raa_session')), false,
                   'scripts can read the session cookie');
    });

    await check('the home page lists the waiting child, linked, and not B\'s hidden one',
                async () => {
      await page.goto(`${base}/`, {waitUntil: 'load'});
      assert.equal(pathnameOf(page), '/');
      const hrefs = await page.$$eval('main a', (as) => as.map((a) => a.getAttribute('href')));
      assert.ok(hrefs.includes(childPath), `no link to ${childPath} in ${JSON.stringify(hrefs)}`);
      assert.ok(!hrefs.includes(hiddenPath), 'the hidden child is listed');
      const text = await page.$eval('main', (m) => m.textContent);
      assert.ok(!text.includes(api.hidden), 'the hidden child is named');
      // Days waited count from the SHOBPA decision (no placement order yet).
      const row = await page.$eval(`main a[href="${childPath}"]`,
                                   (a) => a.closest('tr') && a.closest('tr').textContent);
      assert.ok(row && /\b250\b/.test(row), `the child's row lacks 250 days waited: ${row}`);
      // What ListOverdue gives the family finder is on the page.
      for (const item of api.overdue) {
        assert.ok(flat(text).includes(flat(item.description)),
                  `overdue "${item.description}" (${item.record}) is not shown`);
      }
      assert.deepEqual(leaks(await html(), keys), []);
      await shoot('home');
    });

    await check('axe: the home page', () => axeAt('/', 'home'));

    await check('the child page shows the <script> summary as text; no dialog, ' +
                'no inline script', async () => {
      await Promise.all([page.waitForNavigation({waitUntil: 'load'}),
                         page.click(`main a[href="${childPath}"]`)]);
      assert.equal(pathnameOf(page), childPath);
      const got = await page.evaluate(() => ({
        text: document.querySelector('main').textContent,
        scripts: [...document.querySelectorAll('script')].map((s) => ({
          src: s.getAttribute('src'), inline: s.textContent.trim().length > 0})),
        inlineHandlers: [...document.querySelectorAll('*')].filter((e) =>
          [...e.attributes].some((a) => /^on/i.test(a.name))).length,
        styled: document.querySelectorAll('[style]').length + document.querySelectorAll(
            'style').length,
      }));
      assert.ok(flat(got.text).includes(kScriptSummary),
                'the summary is not shown as text');
      for (const s of got.scripts) {
        assert.ok(s.src && s.src.startsWith('/static/') && !s.inline,
                  `a script element: ${JSON.stringify(s)}`);
      }
      assert.equal(got.inlineHandlers, 0, 'elements with on* attributes');
      assert.equal(got.styled, 0, 'inline styles');
      assert.deepEqual(dialogs, []);
    });

    await check('the child page: each ranked household with its score and every ' +
                'component\'s reason text as the API words it; the exclusions', async () => {
      const got = await page.evaluate(() => ({
        rows: [...document.querySelectorAll('main table tr')].map((tr) => ({
          text: tr.textContent,
          adopters: [...tr.querySelectorAll('input[name="adopter"]')].map((i) => i.value),
        })),
        text: document.querySelector('main').textContent,
      }));
      const text = flat(got.text);
      const missing = [];
      for (const ranked of api.ranking.adopters) {
        const [, , , id] = ranked.adopter.split('/');
        const row = got.rows.find((r) => r.adopters.includes(ranked.adopter) ||
                                         flat(r.text).includes(ranked.adopter)) ||
                    got.rows.find((r) => new RegExp(`\\b${id}\\b`).test(r.text));
        if (!row) {
          missing.push(`no table row for ${ranked.adopter}`);
        } else if (!new RegExp(`\\b${ranked.score}\\b`).test(row.text)) {
          missing.push(`${ranked.adopter}'s row lacks its score ${ranked.score}`);
        }
        for (const c of ranked.components) {
          if (!c.reason) {
            missing.push(`${ranked.adopter} ${c.component}: the API sent no words`);
          } else if (!text.includes(flat(c.reason))) {
            missing.push(`${ranked.adopter} ${c.component}: reason "${c.reason}"`);
          }
        }
      }
      for (const e of api.ranking.exclusions) {
        if (!e.text) {
          missing.push(`exclusion ${e.constraint}: the API sent no words`);
        } else if (!text.includes(flat(e.text))) {
          missing.push(`exclusion "${e.text}"`);
        }
      }
      assert.deepEqual(missing, []);
      const excluded = api.households[2];
      assert.ok(!api.ranking.adopters.some((a) => a.adopter === excluded),
                'the set-up\'s excluded household is ranked');
      assert.ok(!got.rows.some((r) => r.adopters.includes(excluded)),
                'the excluded household can be linked from the page');
      assert.deepEqual(leaks(await html(), keys), []);
      await shoot('child');
    });

    await check('axe: the child page', () => axeAt(childPath, 'child page'));

    const top = api.ranking.adopters[0].adopter;
    await check('POST /links without the csrf field, or with a wrong one, is 403 and ' +
                'opens no link', async () => {
      const withoutToken = await raw('POST', '/links', {cookie, form: {child: api.child,
                                                                       adopter: top}});
      assert.equal(withoutToken.status, 403);
      const wrongToken = await raw('POST', '/links', {cookie, form: {
        child: api.child, adopter: top, csrf: 'a'.repeat(64)}});
      assert.equal(wrongToken.status, 403);
      // A page of the console saying what happened, not bare text.
      assert.match(wrongToken.body, /<h1[^>]*>This form could not be sent<\/h1>/);
      assert.match(wrongToken.body, /Nothing was changed/);
      assert.deepEqual(leaks(withoutToken.body + wrongToken.body, keys), []);
      assert.deepEqual(await api.links(), [], 'a link was opened');
    });

    await check('POST /sign-out without the csrf field is 403; the session still works',
                async () => {
      const r = await raw('POST', '/sign-out', {cookie, form: {}});
      assert.equal(r.status, 403);
      const home = await raw('GET', '/', {cookie});
      assert.equal(home.status, 200, 'the session ended');
    });

    await check('"Open a link" opens the link and the child page says so', async () => {
      const form = await page.$(`form[action="/links"]:has(input[name="adopter"][value="${top}"])`);
      assert.ok(form, `no "Open a link" form for ${top}`);
      const fields = await form.evaluate((f) => ({
        method: f.method,
        child: (f.querySelector('input[name="child"]') || {}).value,
        csrf: !!f.querySelector('input[type="hidden"][name="csrf"]'),
        button: [...f.querySelectorAll('button, input[type="submit"]')]
            .map((b) => (b.textContent || b.value).trim()),
      }));
      assert.equal(fields.method, 'post');
      assert.equal(fields.child, api.child);
      assert.ok(fields.csrf, 'no csrf field');
      // One button, "Open a link" (with words for screen readers after it,
      // naming the household, as GOV.UK's visually hidden text does).
      assert.equal(fields.button.length, 1, JSON.stringify(fields.button));
      assert.ok(fields.button[0].startsWith('Open a link'), fields.button[0]);
      const button = await form.$('button, input[type="submit"]');
      await Promise.all([page.waitForNavigation({waitUntil: 'load'}), button.click()]);
      assert.equal(pathnameOf(page), childPath);
      const banner = await page.evaluate(() => {
        const b = document.querySelector('.govuk-notification-banner--success');
        return b && b.textContent.replace(/\s+/g, ' ').trim();
      });
      assert.ok(banner, 'no success banner');
      assert.match(banner, /link/i);
      const links = await api.links();
      assert.equal(links.length, 1, JSON.stringify(links));
      assert.equal(links[0].adopter, top);
    });

    await check('the pages of B\'s hidden child and of a missing child are the same ' +
                'error, with no stack or key', async () => {
      const statuses = [];
      for (const pathname of [hiddenPath, missingPath]) {
        const response = await page.goto(base + pathname, {waitUntil: 'load'});
        statuses.push(response.status());
        const body = await html();
        assert.ok([403, 404].includes(response.status()), `${pathname}: ${response.status()}`);
        assert.ok(await page.$('main h1'), `${pathname}: no heading`);
        assert.deepEqual(leaks(body, keys), [], pathname);
        assert.ok(!body.includes('Likes drawing'), 'the hidden profile is shown');
      }
      assert.equal(statuses[0], statuses[1], 'a hidden child can be told from a missing one');
      const odd = await page.goto(`${base}/children/${kA}/%3Cscript%3Ealert(2)%3C%2Fscript%3E`,
                                  {waitUntil: 'load'});
      assert.ok(odd.status() >= 400 && odd.status() < 500, `an odd id: ${odd.status()}`);
      assert.equal(await page.$$eval('script:not([src])', (s) => s.length), 0);
      assert.deepEqual(dialogs, []);
    });

    await check('sign-out ends the session: the old cookie goes to /sign-in', async () => {
      await page.goto(`${base}/`, {waitUntil: 'load'});
      const button = await page.$('form[action="/sign-out"] button, ' +
                                  'form[action="/sign-out"] input[type="submit"]');
      assert.ok(button, 'no sign-out form on the home page');
      await Promise.all([page.waitForNavigation({waitUntil: 'load'}), button.click()]);
      assert.equal(pathnameOf(page), '/sign-in');
      const after = (await page.cookies()).find((c) => c.name === 'raa_session');
      assert.ok(!after || after.value !== session.value, 'the cookie is still set');
      for (const pathname of ['/', childPath]) {
        const r = await raw('GET', pathname, {cookie});
        assert.equal(r.status, 303, `${pathname} with the old cookie: ${r.status}`);
        assert.match(r.headers.location || '', /\/sign-in$/);
      }
      const post = await raw('POST', '/links', {cookie, form: {child: api.child, adopter: top}});
      assert.ok([303, 403].includes(post.status), `POST /links after sign-out: ${post.status}`);
      assert.equal((await api.links()).length, 1);
    });

    // Signs in with raw requests, as a browser would: the sign-in form's
    // cookie and csrf field, then the key. Resolves to the session cookie.
    const rawSignIn = async (key) => {
      const form = await raw('GET', '/sign-in');
      const signinCookie = [].concat(form.headers['set-cookie'] || [])
          .map((c) => c.split(';')[0]).find((c) => c.startsWith('raa_signin='));
      assert.ok(signinCookie, `set-cookie: ${form.headers['set-cookie']}`);
      const csrf = /name="csrf" value="([^"]+)"/.exec(form.body);
      assert.ok(csrf, 'no csrf field');
      const r = await raw('POST', '/sign-in', {cookie: signinCookie,
                                               form: {csrf: csrf[1], key}});
      const sessionCookie = [].concat(r.headers['set-cookie'] || [])
          .map((c) => c.split(';')[0]).find((c) => /^raa_session=[^;]+$/.test(c));
      return {status: r.status, location: r.headers.location, sessionCookie,
              signinCookie, csrf: csrf[1]};
    };

    await check('a registrar signs in to a home page; revoking the key ends the session',
                async () => {
      const signed = await rawSignIn(api.registrarA);
      assert.equal(signed.status, 303);
      assert.ok(signed.sessionCookie, 'no session');
      const home = await raw('GET', '/', {cookie: signed.sessionCookie});
      assert.equal(home.status, 200);
      assert.match(home.body, /<h1[^>]*>/);
      assert.match(home.body, /raa --help/, 'no command-line guidance for a registrar');
      assert.deepEqual(leaks(home.body, keys), []);
      // Forms that show nothing from the API end the session too, each in
      // a session of its own.
      const formPages = ['/registry/children/new', '/registry/households/new',
                         '/registry/upload'];
      const others = [];
      for (const page of formPages) {
        const other = await rawSignIn(api.registrarA);
        assert.ok(other.sessionCookie, 'no second session');
        const form = await raw('GET', page, {cookie: other.sessionCookie});
        assert.equal(form.status, 200, `GET ${page} before the revocation`);
        others.push(other.sessionCookie);
      }
      await api.revoke(api.registrarA);
      const after = await raw('GET', '/', {cookie: signed.sessionCookie});
      assert.equal(after.status, 303, `GET / with a revoked key: ${after.status}`);
      assert.match(after.headers.location || '', /\/sign-in$/);
      const again = await raw('GET', childPath, {cookie: signed.sessionCookie});
      assert.equal(again.status, 303, 'the session outlived its key');
      for (let i = 0; i < formPages.length; ++i) {
        const form = await raw('GET', formPages[i], {cookie: others[i]});
        assert.equal(form.status, 303, `GET ${formPages[i]} with a revoked key`);
        assert.match(form.headers.location || '', /\/sign-in$/);
      }
    });

    // Last, as it holds this address back for a minute: after a few keys
    // that were not accepted, even the right key is refused (429).
    await check('repeated wrong keys from one address are refused with 429, ' +
                'even before a right key', async () => {
      const form = await rawSignIn('');  // an empty key: a failure too
      assert.equal(form.status, 200);
      const attempt = (key) => raw('POST', '/sign-in',
                                   {cookie: form.signinCookie, form: {csrf: form.csrf, key}});
      const statuses = [];
      for (let i = 0; i < 10; ++i) {
        const r = await attempt(wrongKey);
        statuses.push(r.status);
        if (r.status === 429) {
          assert.match(String(r.headers['retry-after'] || ''), /^\d+$/, 'no Retry-After');
          assert.deepEqual(leaks(r.body, keys), []);
          break;
        }
        assert.equal(r.status, 200);
        assert.ok(r.body.includes('That key was not accepted'));
      }
      assert.equal(statuses[statuses.length - 1], 429, `statuses: ${statuses}`);
      const right = await attempt(api.finderA);
      assert.equal(right.status, 429, 'the right key was tried while held back');
      assert.ok(!/raa_session=[^;]/.test(String(right.headers['set-cookie'] || '')));
    });

    await check('over HTTPS (--tls-cert, --tls-key) the cookies are Secure', async () => {
      const tls = path.join(dir, 'tls');
      childProcess.execFileSync(path.join(repo, 'scripts', 'make-certs.sh'), [tls],
                                {stdio: 'ignore'});
      const ca = fs.readFileSync(path.join(tls, 'ca.crt'));
      const httpsDir = path.join(dir, 'web-https');
      fs.mkdirSync(httpsDir);
      const secure = await startListening(raaWeb, [
        '--server', address, '--listen', '127.0.0.1:0',
        '--port-file', path.join(httpsDir, 'port'),
        '--tls-cert', path.join(tls, 'server.crt'), '--tls-key', path.join(tls, 'server.key'),
      ], path.join(httpsDir, 'port'), path.join(dir, 'raa-web-https.log'));
      try {
        const secureBase = `https://localhost:${secure.port}`;
        const get = await request(secureBase, 'GET', '/sign-in', {ca});
        assert.equal(get.status, 200);
        problems.push(...headerProblems(get.status, get.headers, '/sign-in (https)'));
        const signin = [].concat(get.headers['set-cookie'] || [])
            .find((c) => c.startsWith('raa_signin='));
        assert.ok(signin && /;\s*Secure\b/i.test(signin), `set-cookie: ${signin}`);
        const csrf = /name="csrf" value="([^"]+)"/.exec(get.body)[1];
        const post = await request(secureBase, 'POST', '/sign-in', {
          ca, cookie: signin.split(';')[0], form: {csrf, key: api.finderA}});
        assert.equal(post.status, 303);
        const sessionCookie = [].concat(post.headers['set-cookie'] || [])
            .find((c) => /^raa_session=[^;]+/.test(c));
        assert.ok(sessionCookie, `set-cookie: ${post.headers['set-cookie']}`);
        for (const attribute of [/;\s*Secure\b/i, /;\s*HttpOnly\b/i,
                                 /;\s*SameSite=Strict\b/i, /;\s*Path=\/(;|$)/]) {
          assert.match(sessionCookie, attribute);
        }
        const home = await request(secureBase, 'GET', '/',
                                   {ca, cookie: sessionCookie.split(';')[0]});
        assert.equal(home.status, 200);
      } finally {
        const exit = await stop(secure.proc);
        assert.equal(exit.code, 0, `raa-web (https) stopped with ${JSON.stringify(exit)}`);
      }
    });

    await check('every response has the contract\'s security headers', async () => {
      // A static file the browser fetched, if any, plus one not found.
      await raw('GET', '/static/no-such-file.css');
      assert.ok([...seen].some((s) => s.includes('/static/')),
                `the pages loaded nothing from /static/: ${[...seen].join(', ')}`);
      assert.deepEqual([...new Set(problems)], []);
    });

    if (kReflowRequired || overflows.length === 0) {
      await check('sign-in, home and the child page fit 1280 and 320 px wide ' +
                  'without scrolling sideways', async () => {
        assert.deepEqual(overflows, []);
      });
    } else {
      console.log(`NOTE pages scroll sideways (WCAG 1.4.10; not failing while ` +
                  `kReflowRequired is false): ${overflows.join('; ')}`);
    }

    await check('the browser reports no CSP violation, script error or failed load', async () => {
      assert.deepEqual(cspErrors, []);
      assert.deepEqual(failed, []);
      assert.deepEqual(dialogs, []);
    });
  } catch (e) {
    failures++;
    console.error(`${kName}: ${e.stack || e}`);
  } finally {
    if (browser) await browser.close().catch(() => {});
    if (api) api.close();
    for (const [what, running] of [['raa-web', web], ['raamatchd', server]]) {
      if (!running) continue;
      const exit = await stop(running.proc);
      if (exit.code !== 0 || failures > 0) {
        if (exit.code !== 0) {
          failures++;
          console.error(`${what} did not stop cleanly: ${JSON.stringify(exit)}`);
        }
        console.error(`--- ${what} log ---\n${fs.readFileSync(running.logFile, 'utf8')}`);
      }
    }
    fs.rmSync(dir, {recursive: true, force: true});
  }
  console.log(`${kName}: ${Date.now() - started} ms`);
  if (failures > 0) {
    console.error(`${kName}: ${failures} check(s) failed`);
    process.exit(1);
  }
  console.log(`${kName}: every check passed`);
  process.exit(0);
}

main();
