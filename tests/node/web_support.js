// What the browser tests of raa-web (tests/node/web_*_chromium.js) share:
// command-line options, Chromium, named checks, child processes that report
// their port through --port-file, the gRPC API from protos/, raw HTTP
// requests, axe-core in a CSP-bypassing tab, dates, and what a page must
// never show (leaks).
'use strict';

const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

const repo = path.resolve(__dirname, '..', '..');
const kDeadlineMs = 30000;

function option(name, required, usage) {
  const i = process.argv.indexOf(name);
  if (i < 0 || i + 1 >= process.argv.length) {
    if (!required) return undefined;
    console.error(usage || `missing ${name}`);
    process.exit(2);
  }
  return process.argv[i + 1];
}

function requireInstalled(name) {
  try {
    return require(name);
  } catch (e) {
    console.error(`cannot load ${name} (${e.message}).\n` +
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

// Exits 77 (ctest: skipped) without Chromium unless CI is set (then 1).
function chromiumOrSkip(testName) {
  const chromium = findChromium();
  if (chromium) return chromium;
  const message = `${testName}: Chromium is not installed (apt-get install ` +
                  'chromium, or run scripts/install-deps.sh)';
  if (process.env.CI) {
    console.error(`${message}; CI is set, so this is a failure`);
    process.exit(1);
  }
  console.error(`${message}: skipped`);
  process.exit(77);
}

// Named checks: a failure is counted and printed, and the run goes on.
const results = {failures: 0};
async function check(name, fn) {
  try {
    await fn();
    console.log(`ok   ${name}`);
    return true;
  } catch (e) {
    results.failures++;
    console.log(`FAIL ${name}\n     ${String(e.stack || e.message || e)
        .split('\n').slice(0, 12).join('\n     ')}`);
    return false;
  }
}

// Every child started here is killed on exit, pass or fail.
const children = new Set();
process.on('exit', () => {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => process.exit(1));
}

// Starts `program` with `args` (output to `logFile`) and resolves with the
// port it writes to `portFile` once listening: waits on the file (fs.watch,
// with a short poll as a backstop), never a fixed sleep.
function startListening(program, args, portFile, logFile) {
  const log = fs.openSync(logFile, 'w');
  const proc = childProcess.spawn(program, args, {stdio: ['ignore', log, log]});
  fs.closeSync(log);
  children.add(proc);
  return new Promise((resolve, reject) => {
    let done = false;
    let watcher = null;
    let timer = null;
    let deadline = null;
    const finish = (err, value) => {
      if (done) return;
      done = true;
      if (watcher) watcher.close();
      clearInterval(timer);
      clearTimeout(deadline);
      if (err) reject(err); else resolve(value);
    };
    const look = () => {
      let text = '';
      try { text = fs.readFileSync(portFile, 'utf8'); } catch (e) { return; }
      const m = /^(\d+)\n$/.exec(text);
      if (m && Number(m[1]) > 0) finish(null, {proc, port: Number(m[1]), logFile});
    };
    proc.on('exit', (code, signal) => finish(new Error(
        `${path.basename(program)} exited (code ${code}, signal ${signal}) before ` +
        `listening:\n${fs.readFileSync(logFile, 'utf8')}`)));
    watcher = fs.watch(path.dirname(portFile), look);
    timer = setInterval(look, 100);
    deadline = setTimeout(() => finish(new Error(
        `${path.basename(program)} did not write ${portFile} within 30 s:\n` +
        fs.readFileSync(logFile, 'utf8'))), 30000);
    look();
  });
}

// Stops `proc` with SIGTERM; resolves with how it ended, {code, signal}.
async function stop(proc) {
  if (!proc) return null;
  if (proc.exitCode !== null || proc.signalCode !== null) {
    return {code: proc.exitCode, signal: proc.signalCode};
  }
  const done = new Promise((resolve) => proc.on('exit', (code, signal) =>
    resolve({code, signal})));
  proc.kill('SIGTERM');
  return done;
}

// Starts raamatchd on a temp database in `dir` with a bootstrap manager key:
// resolves {proc, address, managerKey}.
async function startServer(raamatchd, dir) {
  const keyFile = path.join(dir, 'manager.key');
  const server = await startListening(raamatchd, [
    '--db', path.join(dir, 'raamatch.db'), '--listen', '127.0.0.1:0',
    '--port-file', path.join(dir, 'port'), '--bootstrap-key-file', keyFile,
  ], path.join(dir, 'port'), path.join(dir, 'raamatchd.log'));
  return {proc: server.proc, address: `127.0.0.1:${server.port}`,
          managerKey: fs.readFileSync(keyFile, 'utf8').trim()};
}

// Starts raa-web in front of `address`, with `extraArgs` if any: resolves
// {proc, base, port, logFile}.
async function startWeb(raaWeb, dir, address, extraArgs = []) {
  const webDir = path.join(dir, 'web');
  fs.mkdirSync(webDir, {recursive: true});
  const web = await startListening(raaWeb, [
    '--server', address, '--listen', '127.0.0.1:0',
    '--port-file', path.join(webDir, 'port'), ...extraArgs,
  ], path.join(webDir, 'port'), path.join(dir, 'raa-web.log'));
  return {proc: web.proc, base: `http://127.0.0.1:${web.port}`, port: web.port,
          logFile: web.logFile};
}

// Stops raa-web and raamatchd (either may be null), counting a stop that is
// not clean as a failure; prints raa-web's log if any check failed; removes
// `dir`.
async function stopAll(dir, web, server) {
  for (const [what, running] of [['raa-web', web], ['raamatchd', server]]) {
    if (!running) continue;
    const exit = await stop(running.proc);
    if (exit.code !== 0) {
      results.failures++;
      console.error(`${what} did not stop cleanly: ${JSON.stringify(exit)}`);
    }
  }
  const webLog = path.join(dir, 'raa-web.log');
  if (results.failures > 0 && fs.existsSync(webLog)) {
    console.error(`--- raa-web log ---\n${fs.readFileSync(webLog, 'utf8')}`);
  }
  fs.rmSync(dir, {recursive: true, force: true});
}

// Says how long test `name` took and whether every check passed, and exits
// (1 if any failed).
function finish(name, started) {
  console.log(`${name}: ${Date.now() - started} ms`);
  if (results.failures > 0) {
    console.error(`${name}: ${results.failures} check(s) failed`);
    process.exit(1);
  }
  console.log(`${name}: every check passed`);
  process.exit(0);
}

// The gRPC API from protos/ (google's protos fetched into `dir`), and a
// call(service, method, key, request) that resolves with the response.
function connectApi(grpc, dir, address, protoFiles) {
  const googleDir = path.join(dir, 'google-protos');
  childProcess.execFileSync(path.join(repo, 'scripts', 'google-protos.sh'), [googleDir],
                            {stdio: 'inherit'});
  const protoLoader = requireInstalled('@grpc/proto-loader');
  const definition = protoLoader.loadSync(protoFiles,
      {includeDirs: [path.join(repo, 'protos'), googleDir], keepCase: true,
       longs: String, enums: String, defaults: false});
  const api = grpc.loadPackageDefinition(definition).raa.v1;
  const credentials = grpc.credentials.createInsecure();
  const clients = {};
  const call = (service, method, key, request) => {
    if (!clients[service]) clients[service] = new api[service](address, credentials);
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${key}`);
    return new Promise((resolve, reject) => {
      clients[service][method](request, metadata, {deadline: Date.now() + kDeadlineMs},
          (err, response) => (err ? reject(new Error(`${method}: ${err.message}`))
                                  : resolve(response)));
    });
  };
  const close = () => Object.values(clients).forEach((c) => c.close());
  return {call, close};
}

// One raw request: resolves {status, headers, body (a Buffer)}.
function request(base, method, pathname, {cookie, form} = {}) {
  const url = new URL(pathname, base);
  const body = form ? new URLSearchParams(form).toString() : null;
  const headers = {};
  if (cookie) headers.cookie = cookie;
  if (body !== null) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    headers['content-length'] = Buffer.byteLength(body);
    headers.origin = base;
  }
  return new Promise((resolve, reject) => {
    const req = http.request(url, {method, headers}, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({status: res.statusCode, headers: res.headers,
                                   body: Buffer.concat(chunks)}));
    });
    req.on('error', reject);
    req.setTimeout(kDeadlineMs, () => req.destroy(new Error(`${method} ${pathname}: timeout`)));
    if (body !== null) req.write(body);
    req.end();
  });
}

// Headless Chromium (no sandbox as root: containers, CI images).
async function launchBrowser(puppeteer, chromium) {
  const args = ['--disable-gpu', '--no-first-run', '--no-default-browser-check',
                '--disable-extensions', '--disable-background-networking',
                '--disable-component-update', '--disable-sync',
                '--disable-dev-shm-usage'];
  if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
  return puppeteer.launch({executablePath: chromium, headless: true, args,
                           timeout: 60000, protocolTimeout: 60000});
}

// Fills the key field of the sign-in form shown in `page` and submits it.
async function signIn(page, base, key) {
  await page.bringToFront();
  await page.goto(`${base}/sign-in`, {waitUntil: 'load'});
  await page.type('form input[name="key"]', key);
  await Promise.all([page.waitForNavigation({waitUntil: 'load'}),
                     page.click('form button[type="submit"]')]);
}

// Runs axe-core (WCAG 2.0/2.1 A and AA) on what `axePage` shows; the tab
// must bypass the CSP (addScriptTag inserts an inline script). Asserts no
// violation.
async function axeCheck(axePage, label) {
  const axePath = require.resolve('axe-core/axe.min.js');
  await axePage.bringToFront();
  await axePage.addScriptTag({path: axePath});
  const result = await axePage.evaluate(() => window.axe.run(document, {
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
  }));
  const violations = result.violations.map((v) => `${label}: ${v.id} (${v.impact}): ` +
      `${v.help}; ${v.nodes.slice(0, 3).map((x) => x.target.join(' ')).join(', ')}`);
  assert.deepEqual(violations, []);
  assert.ok(result.passes.length > 10, `${label}: axe checked almost nothing`);
}

// The date `days` from today (UTC) as a google.type.Date object, and as
// "YYYY-MM-DD".
function dayFromToday(days) {
  const d = new Date(Date.now() + days * 24 * 3600 * 1000);
  return {year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate()};
}

// Opens a link between `child` and `adopter` ten days ago, with `key`,
// and records each step to PLACED on the days after (the placement makes
// the child's member owe the household's the fee): resolves the link.
async function placeLink(call, key, child, adopter, requestId) {
  const link = await call('JourneyService', 'OpenLink', key, {
    child, adopter, opened_on: dayFromToday(-10), request_id: requestId()});
  const steps = ['LINK_STEP_LINKING_MEETING', 'LINK_STEP_PAPERS_TO_PANEL',
                 'LINK_STEP_PANEL_RECOMMENDED', 'LINK_STEP_MATCH_DECIDED',
                 'LINK_STEP_PLACED'];
  for (let i = 0; i < steps.length; i++) {
    await call('JourneyService', 'AdvanceLink', key, {
      name: link.name, step: steps[i], date: dayFromToday(-9 + i),
      request_id: requestId()});
  }
  return link;
}

function iso(d) {
  return `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}

// What a page must never show: any of the API keys in `secrets`, text
// shaped like a key (unless `keyShapes` is false: the page that shows a new
// key's secret once), or a stack or C++ name.
function leaks(html, secrets, {keyShapes = true} = {}) {
  const found = [];
  for (const s of secrets) if (html.includes(s)) found.push('an API key');
  if (keyShapes && /\braa_[A-Za-z0-9_-]{16,}/.test(html)) {
    found.push('something shaped like a key');
  }
  if (/std::|absl::|grpc::|\.cc:\d+|StatusCode/.test(html)) found.push('a stack or C++ name');
  return found;
}

module.exports = {
  dayFromToday, iso, leaks, placeLink,
  repo, kDeadlineMs, option, requireInstalled, findChromium, chromiumOrSkip, check,
  results, children, startListening, stop, stopAll, finish, startServer, startWeb,
  connectApi,
  request, launchBrowser, signIn, axeCheck,
};
