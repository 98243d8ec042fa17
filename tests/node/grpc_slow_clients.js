#!/usr/bin/env node
// Clients of raamatchd's gRPC port that start calls and never finish them
// (docs/operator.md, "Hostile clients"): a real raamatchd on 127.0.0.1, raw
// HTTP/2 frames written by hand, no gRPC library.
//
//   - the server's SETTINGS say how many unfinished calls a connection may
//     hold (100);
//   - a client that starts one more on the same connection, each with its
//     headers only, has the connection closed (gRPC's default had no limit:
//     50,000 such calls on one connection held 850 MB);
//   - meanwhile, and after, a health check on another connection is
//     answered;
//   - calls to a method the server does not have are UNIMPLEMENTED, and
//     the server goes on (its own call contexts once crashed it there);
//   - unfinished calls that send all but the last byte of 4 MB requests, on
//     three connections, are cancelled once gRPC's buffers hold 256 MiB
//     (gRPC held them all, with no key: 400 MB a connection), and a health
//     check elsewhere is answered;
//   - a key whose client asks for large answers and never reads them (a
//     flow control window it keeps shut) has at most 16 MiB of them held:
//     its further large reads are refused (RESOURCE_EXHAUSTED) on any
//     connection, while its small reads and other keys are served, and once
//     the client goes the key is served again (gRPC held each answer until
//     the client went: 1.3 MB for a page of 1,000 households).
//
// Exits 0 if every check passed, 1 otherwise.
//
//   node tests/node/grpc_slow_clients.js --raamatchd build/services/raamatchd
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const http2 = require('node:http2');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const support = require('./web_support');

const {check, option, startServer} = support;

const kName = 'grpc_slow_clients';
const kStreamLimit = 100;
const kUnreadBytes = 16 * 1024 * 1024;
const kMember = 'sheffield';
const kHealthPath = '/grpc.health.v1.Health/Check';

// An approved household, as docs/api.md describes one.
function household() {
  return {
    status: 'ADOPTER_STATUS_APPROVED',
    registered_interest_on: support.dayFromToday(-500),
    applied_on: support.dayFromToday(-450),
    approved_on: support.dayFromToday(-200),
    approved_for: 2, min_age_months: 0, max_age_months: 60,
    sex_preference: 'SEX_PREFERENCE_ANY', heritage: ['HERITAGE_WHITE_BRITISH'],
    religion: 'RELIGION_CHRISTIAN', languages: ['en'],
    region: 'south-yorkshire', max_contact: 'CONTACT_PLAN_LETTERBOX',
    fast_track: 'FAST_TRACK_NONE',
  };
}

// HTTP/2 frame types and flags used here (RFC 9113, section 6).
const kHeaders = 0x1;
const kSettings = 0x4;
const kGoaway = 0x7;
const kEndHeaders = 0x4;
const kSettingsMaxConcurrentStreams = 0x3;

function frame(type, flags, streamId, payload = Buffer.alloc(0)) {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header.writeUInt8(type, 3);
  header.writeUInt8(flags, 4);
  header.writeUInt32BE(streamId, 5);
  return Buffer.concat([header, payload]);
}

// A header block of literal fields, never indexed, without Huffman coding
// (RFC 7541, section 6.2.3): every name and value here is under 127 bytes.
function headerBlock(fields) {
  const parts = [];
  for (const [name, value] of fields) {
    parts.push(Buffer.from([0x10, name.length]), Buffer.from(name),
               Buffer.from([value.length]), Buffer.from(value));
  }
  return Buffer.concat(parts);
}

// A raw HTTP/2 connection: resolves {socket, settings, events} once the
// server's SETTINGS have arrived; `events` collects what follows (GOAWAY,
// close).
function connectRaw(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const events = {goaway: null, closed: false, onClose: null};
    let buffered = Buffer.alloc(0);
    let settings = null;
    socket.on('error', (e) => { if (!settings) reject(e); });
    socket.on('close', () => {
      events.closed = true;
      if (!settings) reject(new Error('closed before SETTINGS'));
      if (events.onClose) events.onClose();
    });
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 9) {
        const length = buffered.readUIntBE(0, 3);
        if (buffered.length < 9 + length) break;
        const type = buffered.readUInt8(3);
        const flags = buffered.readUInt8(4);
        const payload = buffered.subarray(9, 9 + length);
        buffered = buffered.subarray(9 + length);
        if (type === kSettings && !(flags & 0x1) && !settings) {
          settings = new Map();
          for (let i = 0; i + 6 <= payload.length; i += 6) {
            settings.set(payload.readUInt16BE(i), payload.readUInt32BE(i + 2));
          }
          socket.write(frame(kSettings, 0x1, 0));  // ack
          resolve({socket, settings, events});
        } else if (type === kGoaway) {
          events.goaway = payload.length >= 8 ? payload.readUInt32BE(4) : -1;
        }
      }
    });
    socket.write(Buffer.concat([
      Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), frame(kSettings, 0, 0),
    ]));
  });
}

// Starts call number `i` on `socket`: its headers, and nothing more.
function startUnfinishedCall(socket, i, authority) {
  socket.write(frame(kHeaders, kEndHeaders, 2 * i + 1, headerBlock([
    [':method', 'POST'], [':scheme', 'http'], [':path', kHealthPath],
    [':authority', authority], ['content-type', 'application/grpc'],
    ['te', 'trailers'],
  ])));
}

// A unary call's request frame: the message `bytes` behind gRPC's 5-byte
// prefix.
function grpcFrame(bytes) {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(bytes.length, 1);
  return Buffer.concat([prefix, bytes]);
}

// A gRPC call's request headers, with `key` unless it is null.
function grpcHeaders(method, key) {
  const headers = {
    ':method': 'POST', ':path': method, 'content-type': 'application/grpc',
    'te': 'trailers',
  };
  if (key !== null) headers['authorization'] = `Bearer ${key}`;
  return headers;
}

// Starts `method` with `key` and `message` on `session` and never reads the
// answer: resolves with the grpc-status of its first headers, or null when
// they carry none (an answer is coming, in DATA frames).
function startUnread(session, method, key, message) {
  return new Promise((resolve, reject) => {
    const stream = session.request(grpcHeaders(method, key));
    stream.setTimeout(20000, () => reject(new Error('no headers in 20 s')));
    stream.on('response', (headers) => {
      stream.setTimeout(0);
      resolve(headers['grpc-status'] === undefined ? null
                                                  : headers['grpc-status']);
    });
    stream.on('error', () => {});  // the session's end resets held streams
    stream.end(grpcFrame(message));
  });
}

// `method` with `key` (null: no key) and `message` on a connection of its
// own, read to the end: resolves {status, bytes} (grpc-status, and the
// answer's size without its prefix).
function callAndRead(port, method, key, message) {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const stream = session.request(grpcHeaders(method, key));
    stream.setTimeout(20000, () => reject(new Error('no answer in 20 s')));
    let status = null;
    let bytes = 0;
    stream.on('response', (headers) => {
      if (headers['grpc-status'] !== undefined) status = headers['grpc-status'];
    });
    stream.on('trailers', (trailers) => { status = trailers['grpc-status']; });
    stream.on('data', (chunk) => { bytes += chunk.length; });
    stream.on('end', () => {
      session.close();
      resolve({status, bytes: Math.max(0, bytes - 5)});
    });
    stream.on('error', reject);
    stream.end(grpcFrame(message));
  });
}

// A ListAdoptersRequest for a page of 1,000 of `member`'s households
// (parent = 1, page_size = 2), encoded by hand.
function listAdoptersRequest(member) {
  const parent = Buffer.from(`authorities/${member}`);
  return Buffer.concat([Buffer.from([0x0a, parent.length]), parent,
                        Buffer.from([0x10, 0xe8, 0x07])]);
}

// A health check on a connection of its own: resolves with its grpc-status.
function healthCheck(port) {
  return callAndRead(port, kHealthPath, null, Buffer.alloc(0))
      .then((r) => r.status);
}

// The health check's status, asked every 50 ms for up to `ms`: while gRPC's
// memory quota is full it may refuse a new connection (ENHANCE_YOUR_CALM)
// until the calls it cancels have given their memory back.
async function healthCheckWithin(port, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await healthCheck(port);
    } catch (e) {
      if (Date.now() >= deadline) throw e;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function main() {
  const started = Date.now();
  const raamatchd = option('--raamatchd', true,
                           'usage: grpc_slow_clients.js --raamatchd PATH');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raa-grpc-slow-'));
  let server = null;
  const raw = [];
  try {
    server = await startServer(raamatchd, dir);
    const port = Number(server.address.split(':')[1]);

    await check(`the server's SETTINGS allow ${kStreamLimit} calls a connection`,
                async () => {
      const conn = await connectRaw(port);
      raw.push(conn);
      assert.equal(conn.settings.get(kSettingsMaxConcurrentStreams),
                   kStreamLimit);
    });

    await check(`${kStreamLimit} unfinished calls are held, and a health check ` +
                'elsewhere is answered', async () => {
      const conn = await connectRaw(port);
      raw.push(conn);
      for (let i = 0; i < kStreamLimit; i++) {
        startUnfinishedCall(conn.socket, i, server.address);
      }
      assert.equal(await healthCheck(port), '0');
      assert.equal(conn.events.closed, false);
    });

    await check('one unfinished call past the limit closes that connection',
                async () => {
      const conn = await connectRaw(port);
      raw.push(conn);
      const closed = new Promise((resolve, reject) => {
        const timer = setTimeout(
            () => reject(new Error('still open 20 s after call 101')), 20000);
        conn.events.onClose = () => { clearTimeout(timer); resolve(); };
      });
      for (let i = 0; i <= kStreamLimit; i++) {
        startUnfinishedCall(conn.socket, i, server.address);
      }
      await closed;
      assert.equal(await healthCheck(port), '0');
    });

    await check('calls to a method the server does not have are ' +
                'UNIMPLEMENTED, and it goes on', async () => {
      for (let round = 0; round < 4; round++) {
        const statuses = await Promise.all(Array.from({length: 50}, () =>
          callAndRead(port, '/raa.v1.NoSuchService/NoSuchMethod', 'none',
                      Buffer.alloc(0)).then((r) => r.status)));
        assert.deepEqual(new Set(statuses), new Set(['12']));
      }
      assert.equal(await healthCheck(port), '0');
    });

    await check('unfinished calls that send all but the last byte of 4 MB ' +
                'requests are cancelled once they hold 256 MiB, and a health ' +
                'check elsewhere is answered', async () => {
      // gRPC held each such request, with no key: 400 MB a connection, as
      // many connections as a client opened.
      const declared = 4000000;
      const prefix = Buffer.alloc(5);
      prefix.writeUInt32BE(declared, 1);
      const body = Buffer.alloc(declared - 1);  // shared by every call
      let cancelled = 0;
      let onCancel = null;
      const sessions = [0, 1, 2].map(() => {
        const session = http2.connect(`http://127.0.0.1:${port}`);
        session.on('error', () => {});
        for (let i = 0; i < kStreamLimit; i++) {
          const stream = session.request(grpcHeaders(kHealthPath, null));
          stream.on('error', () => {});
          // Any end before the client ends the call is the server's.
          stream.on('close', () => { cancelled++; if (onCancel) onCancel(); });
          stream.write(prefix);
          stream.write(body);
        }
        return session;
      });
      try {
        await new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(
              'no call cancelled in 60 s: 300 requests of 4 MB held')), 60000);
          onCancel = () => { clearTimeout(timer); resolve(); };
          if (cancelled > 0) onCancel();
        });
        assert.equal(await healthCheckWithin(port, 20000), '0');
      } finally {
        onCancel = null;
        await Promise.all(sessions.map((session) => {
          const gone = new Promise((resolve) => session.on('close', resolve));
          session.destroy();
          return gone;
        }));
      }
      // What they held is given back once the client has gone: every call is
      // served again (until then, one needing gRPC's memory may be refused,
      // RESOURCE_EXHAUSTED). Asked every 50 ms for up to 20 s.
      const deadline = Date.now() + 20000;
      const ask = () => callAndRead(port, '/raa.v1.RegistryService/ListAuthorities',
                                    null, Buffer.alloc(0)).then((r) => r.status);
      let status = await ask();
      while (status === '8' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        status = await ask();
      }
      assert.equal(status, '16', 'no key: UNAUTHENTICATED, once served');
    });

    await check('a key has at most 16 MiB of large answers held for a client ' +
                'that does not read them', async () => {
      const api = support.connectApi(
          support.requireInstalled('@grpc/grpc-js'), dir, server.address,
          ['raa/v1/registry.proto', 'raa/v1/access.proto']);
      let n = 0;
      const requestId = () => `${kName}-${process.pid}-${++n}`;
      await api.call('RegistryService', 'CreateAuthority', server.managerKey, {
        authority_id: kMember, request_id: requestId(),
        authority: {display_name: 'Sheffield City Council',
                    region: 'south-yorkshire',
                    kind: 'AUTHORITY_KIND_LOCAL_AUTHORITY'}});
      const registrar = async () => (await api.call(
          'AccessService', 'CreateApiKey', server.managerKey,
          {api_key: {authority: `authorities/${kMember}`,
                     roles: ['ROLE_REGISTRAR'], display_name: kName},
           request_id: requestId()})).secret;
      const key = await registrar();
      const other = await registrar();
      const batch = await api.call('RegistryService', 'BatchCreateAdopters', key, {
        parent: `authorities/${kMember}`, request_id: requestId(),
        requests: Array.from({length: 1000}, () => ({
          parent: `authorities/${kMember}`, adopter: household(),
          request_id: requestId()}))});
      assert.equal(batch.adopters.length, 1000);
      api.close();

      const list = '/raa.v1.RegistryService/ListAdopters';
      const page = listAdoptersRequest(kMember);
      // The page's size, read with the other key: this key's count starts
      // at nothing (gRPC may release a call a little after its client has
      // the answer).
      const read = await callAndRead(port, list, other, page);
      assert.equal(read.status, '0');
      assert.ok(read.bytes >= 64 * 1024, `a page of ${read.bytes} bytes`);
      const fits = Math.floor(kUnreadBytes / read.bytes);
      // Two connections, their windows shut, of 100 calls each (the most a
      // connection may hold).
      const shut = [0, 1].map(() => {
        const session = http2.connect(`http://127.0.0.1:${port}`,
                                      {settings: {initialWindowSize: 0}});
        session.on('error', () => {});
        return session;
      });
      const statuses = await Promise.all(shut.flatMap((session) =>
          Array.from({length: kStreamLimit},
                     () => startUnread(session, list, key, page))));
      assert.equal(statuses.filter((s) => s === null).length, fits,
                   `${read.bytes} bytes a page: ${JSON.stringify(statuses)}`);
      assert.equal(statuses.filter((s) => s === '8').length,
                   2 * kStreamLimit - fits);
      assert.equal((await callAndRead(port, list, key, page)).status, '8');
      assert.equal((await callAndRead(port, list, other, page)).status, '0');
      // A small answer is not counted: the key's other reads are served.
      assert.equal((await callAndRead(
          port, '/raa.v1.RegistryService/ListAuthorities', key,
          Buffer.alloc(0))).status, '0');
      await Promise.all(shut.map((session) => {
        const gone = new Promise((resolve) => session.on('close', resolve));
        session.destroy();
        return gone;
      }));
      // The server sees the connections end and drops the held answers:
      // the key is served again as soon as it does (asked again every 50 ms
      // for up to 20 s).
      const deadline = Date.now() + 20000;
      let status = (await callAndRead(port, list, key, page)).status;
      while (status !== '0' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        status = (await callAndRead(port, list, key, page)).status;
      }
      assert.equal(status, '0');
    });
  } catch (e) {
    support.results.failures++;
    console.log(`FAIL set-up\n     ${e.stack || e}`);
  } finally {
    for (const conn of raw) conn.socket.destroy();
    await support.stopAll(dir, null, server);
  }
  support.finish(kName, started);
}

main();
