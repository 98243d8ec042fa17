#!/usr/bin/env node
// Hostile input to the web console (raa-web, docs/web.md) that once took it
// down or showed a form it should not: a real raamatchd and a real raa-web
// on 127.0.0.1, raw HTTP, no browser.
//
//   - keys holding a character an HTTP header cannot carry (an accent, a
//     tab, a control character, a non-breaking space pasted with the key,
//     an emoji) are "not accepted" on the sign-in form, and the console goes
//     on answering (gRPC aborted the whole process on such a header value);
//   - a registrar's upload of a JSON file nested 50,000 levels deep is
//     refused with a 400 saying so, and the console goes on answering
//     (printing the parsed document recursed once a level);
//   - a family finder's POSTs to the manager's and the finance officer's
//     forms get the 403 page before the form is read, even with a mistake
//     in the form (they showed the form again, with a 400).
//
// Exits 0 if every check passed, 1 otherwise.
//
//   node tests/node/web_hostile_input.js --raamatchd build/services/raamatchd \
//       --raa-web build/clients/web/raa-web
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');

const support = require('./web_support');

const {check, option, request, startServer, startWeb, stop} = support;

const kName = 'web_hostile_input';
const kMember = 'sheffield';

// The value of the first `name="csrf"` field in `html`.
function csrfIn(html) {
  const m = /name="csrf" value="([0-9a-f]+)"/.exec(html);
  assert.ok(m, 'no csrf field on the page');
  return m[1];
}

// The `name=value` of cookie `name` among `res`'s Set-Cookie headers.
function cookieFrom(res, name) {
  for (const c of res.headers['set-cookie'] || []) {
    if (c.startsWith(`${name}=`)) return c.split(';')[0];
  }
  return null;
}

// Sends `key` on the sign-in form: resolves {res, session} (the session
// cookie, or null).
async function signIn(base, key) {
  const form = await request(base, 'GET', '/sign-in');
  assert.equal(form.status, 200);
  const res = await request(base, 'POST', '/sign-in', {
    cookie: cookieFrom(form, 'raa_signin'),
    form: {csrf: csrfIn(form.body.toString()), key},
  });
  return {res, session: cookieFrom(res, 'raa_session')};
}

// A multipart POST of `fields` and one file: resolves {status, body}.
function upload(base, pathname, cookie, fields, file) {
  const boundary = `----raa-hostile-${process.pid}`;
  const parts = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; ` +
                           `name="${name}"\r\n\r\n${value}\r\n`));
  }
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; ` +
                         `name="file"; filename="${file.name}"\r\n` +
                         'Content-Type: application/json\r\n\r\n'));
  parts.push(file.content, Buffer.from(`\r\n--${boundary}--\r\n`));
  const body = Buffer.concat(parts);
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(pathname, base), {
      method: 'POST',
      headers: {
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': body.length, cookie, origin: base,
      },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({status: res.statusCode,
                                   body: Buffer.concat(chunks).toString()}));
    });
    req.on('error', reject);
    req.setTimeout(support.kDeadlineMs, () => req.destroy(new Error('upload: timeout')));
    req.end(body);
  });
}

async function main() {
  const raamatchd = option('--raamatchd', true);
  const raaWeb = option('--raa-web', true);
  const grpc = support.requireInstalled('@grpc/grpc-js');

  const started = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raa-web-hostile-'));
  let server = null;
  let web = null;
  let api = null;
  try {
    server = await startServer(raamatchd, dir);
    api = support.connectApi(grpc, dir, server.address,
        ['raa/v1/registry.proto', 'raa/v1/access.proto']);
    let n = 0;
    const requestId = () => `${kName}-${process.pid}-${++n}`;
    await api.call('RegistryService', 'CreateAuthority', server.managerKey, {
      authority_id: kMember, request_id: requestId(),
      authority: {display_name: 'Sheffield City Council', region: 'south-yorkshire',
                  kind: 'AUTHORITY_KIND_LOCAL_AUTHORITY'}});
    const key = async (roles) => (await api.call('AccessService', 'CreateApiKey',
        server.managerKey, {api_key: {authority: `authorities/${kMember}`, roles,
                                      display_name: `${kName} ${roles}`},
                            request_id: requestId()})).secret;
    const registrar = await key(['ROLE_REGISTRAR']);
    const finder = await key(['ROLE_FAMILY_FINDER']);
    web = await startWeb(raaWeb, dir, server.address);
    const {base} = web;

    await check('a second console on the port in use is refused, and the first goes on',
                async () => {
      // Outside probe: with SO_REUSEPORT both served, and the kernel split
      // browsers between them (sessions live in one process).
      const second = require('node:child_process').spawnSync(raaWeb, [
        '--server', server.address, '--listen', `127.0.0.1:${web.port}`,
        '--port-file', path.join(dir, 'second.port')], {timeout: 20000, encoding: 'utf8'});
      assert.equal(second.status, 1, `exit ${second.status}: ${second.stdout}`);
      assert.match(second.stderr, /cannot listen on 127\.0\.0\.1:/);
      assert.equal(fs.existsSync(path.join(dir, 'second.port')), false);
      const r = await request(web.base, 'GET', '/sign-in');
      assert.equal(r.status, 200);
    });
    await check('keys a header cannot carry are not accepted, and the console goes on',
                async () => {
      // Four: the fifth refusal from one address in a minute would be 429.
      for (const bad of [`${registrar}\u00e9`, `${registrar}\u00a0`,
                         `raa_\u0001${registrar.slice(4)}`, `${registrar}\u{1F511}`]) {
        const {res, session} = await signIn(base, bad);
        assert.equal(res.status, 200, JSON.stringify(bad));
        assert.match(res.body.toString(), /That key was not accepted/);
        assert.equal(session, null);
        assert.equal(web.proc.exitCode, null, 'raa-web exited');
        assert.equal(web.proc.signalCode, null, 'raa-web was killed');
      }
      const {session} = await signIn(base, registrar);
      assert.ok(session, 'the registrar\'s own key is still accepted');
    });

    await check('a JSON upload nested 50,000 deep is refused with a 400, and the console goes on',
                async () => {
      const {session} = await signIn(base, registrar);
      assert.ok(session);
      const form = await request(base, 'GET', '/registry/upload', {cookie: session});
      assert.equal(form.status, 200);
      const depth = 50000;
      const res = await upload(base, '/registry/upload', session,
          {csrf: csrfIn(form.body.toString()), kind: 'children'},
          {name: 'deep.json',
           content: Buffer.concat([Buffer.alloc(depth, '['), Buffer.alloc(depth, ']')])});
      assert.equal(res.status, 400);
      assert.match(res.body, /deep\.json is not a JSON array of profiles: it nests deeper than 64 levels/);
      assert.equal(web.proc.exitCode, null, 'raa-web exited');
      assert.equal(web.proc.signalCode, null, 'raa-web was killed');
      const again = await request(base, 'GET', '/registry/upload', {cookie: session});
      assert.equal(again.status, 200);
    });

    await check('a family finder\'s POSTs to manager and finance forms get 403 before the form is read',
                async () => {
      const {session} = await signIn(base, finder);
      assert.ok(session);
      const page = await request(base, 'GET', '/follows', {cookie: session});
      assert.equal(page.status, 200);
      const csrf = csrfIn(page.body.toString());
      const posts = [
        ['/members', {authority_id: 'x', display_name: 'X', kind: 'not-a-kind'},
         /consortium manager/],
        ['/keys', {member: kMember, roles: 'not-a-role'}, /consortium manager/],
        ['/policy', {'weight-needs_margin': '150'}, /consortium manager/],
        [`/members/${kMember}/withdraw`, {}, /consortium manager/],
        [`/members/${kMember}/reinstate`, {}, /consortium manager/],
        ['/keys/0123456789abcdef/revoke', {}, /consortium manager/],
        ['/ledger/payments', {payee: 'x', amount: 'x'}, /finance officers/],
        ['/ledger/payments/decide', {}, /finance officers/],
        ['/ledger/budget', {amount: 'x'}, /finance officers/],
        ['/ledger/reconcile', {from: 'x'}, /finance officers/],
      ];
      for (const [pathname, fields, says] of posts) {
        const res = await request(base, 'POST', pathname, {
          cookie: session, form: {...fields, csrf, request_id: requestId()}});
        assert.equal(res.status, 403, pathname);
        const html = res.body.toString();
        assert.match(html, says, pathname);
        assert.doesNotMatch(html, /govuk-error-summary/, `${pathname} showed its form`);
      }
    });
  } catch (e) {
    support.results.failures++;
    console.log(`FAIL set-up\n     ${e.stack || e}`);
  } finally {
    if (api) api.close();
    await support.stopAll(dir, web, server);
  }
  support.finish(kName, started);
}

main();
