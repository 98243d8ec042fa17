#!/usr/bin/env node
// Many slow clients against the web console (raa-web, docs/web.md): a real
// raamatchd and a real raa-web on 127.0.0.1, raa-web with only 2 workers
// kept ready (--threads 2, --max-threads 64).
//
//   - 24 connections each send the start of a request and then one more
//     header byte a second, each within raa-web's 5 s read timeout, so none
//     of them ever finishes its request (a "slowloris");
//   - meanwhile a browser's GET /sign-in and GET / are answered (200, and
//     303 to /sign-in), and the slow connections are all still open: each
//     holds a worker of its own, and raa-web started more for the browser;
//   - once they close, raa-web still answers;
//   - with 24 more holding their requests open, SIGTERM stops raa-web (exit
//     code 0) once its grace period (--stop-grace-seconds 1) is over, rather
//     than waiting for them.
// With a fixed pool of workers (the console before ConnectionThreads, or
// --max-threads equal to --threads) the browser's requests wait behind the
// slow connections until the request deadline, and the test fails.
//
// Exits 0 if every check passed, 1 otherwise. No browser: raw HTTP.
//
//   node tests/node/web_slow_clients.js --raamatchd build/services/raamatchd \
//       --raa-web build/clients/web/raa-web [--max-threads N]
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const support = require('./web_support');

const {check, option, request, startServer, startWeb, stop} = support;

const kName = 'web_slow_clients';
const kSlowClients = 24;

// Opens `count` connections to `port` that each send a request line and a
// header, then one byte of a never-ending header every second. Resolves once
// every one is connected and has sent its start; stop() ends them.
async function slowClients(port, count) {
  const sockets = [];
  const closed = new Set();
  await Promise.all(Array.from({length: count}, (_, i) => new Promise(
      (resolve, reject) => {
        const s = net.connect(port, '127.0.0.1', () => {
          s.write(`GET /sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow-${i}: `, resolve);
        });
        s.on('error', reject);
        s.on('close', () => closed.add(i));
        sockets.push(s);
      })));
  const trickle = setInterval(() => {
    for (const s of sockets) if (!s.destroyed) s.write('a');
  }, 1000);
  return {
    openCount: () => count - closed.size,
    stop: () => {
      clearInterval(trickle);
      for (const s of sockets) s.destroy();
    },
  };
}

async function main() {
  const raamatchd = option('--raamatchd', true);
  const raaWeb = option('--raa-web', true);
  const maxThreads = option('--max-threads', false) || '64';

  const started = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raa-web-slow-'));
  let server = null;
  let web = null;
  let slow = null;
  try {
    server = await startServer(raamatchd, dir);
    web = await startWeb(raaWeb, dir, server.address,
                         ['--threads', '2', '--max-threads', maxThreads,
                          '--stop-grace-seconds', '1']);

    await check(`${kSlowClients} slow connections leave the console answering`, async () => {
      slow = await slowClients(web.port, kSlowClients);
      const signIn = await request(web.base, 'GET', '/sign-in');
      assert.equal(signIn.status, 200);
      assert.match(signIn.body.toString(), /<form/);
      const home = await request(web.base, 'GET', '/');
      assert.equal(home.status, 303);
      assert.equal(home.headers.location, '/sign-in');
      assert.equal(slow.openCount(), kSlowClients,
                   'raa-web closed slow connections rather than serving beside them');
    });

    await check('once the slow connections close, the console still answers', async () => {
      if (slow) slow.stop();
      slow = null;
      const signIn = await request(web.base, 'GET', '/sign-in');
      assert.equal(signIn.status, 200);
    });

    await check('SIGTERM stops raa-web while slow connections stay open', async () => {
      slow = await slowClients(web.port, kSlowClients);
      const proc = web.proc;
      web = null;  // stopped here, not again below
      let timer = null;
      const exit = await Promise.race([
        stop(proc),
        new Promise((resolve) => {
          timer = setTimeout(() => resolve('still running after 30 s'), 30000);
        }),
      ]);
      clearTimeout(timer);
      if (typeof exit === 'string') proc.kill('SIGKILL');
      assert.deepEqual(exit, {code: 0, signal: null});
    });
  } catch (e) {
    support.results.failures++;
    console.log(`FAIL set-up\n     ${e.stack || e}`);
  } finally {
    if (slow) slow.stop();
    await support.stopAll(dir, web, server);
  }
  support.finish(kName, started);
}

main();
