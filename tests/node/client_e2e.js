#!/usr/bin/env node
// An independent client of the raamatch API, as a third party writes one:
// Node's @grpc/grpc-js and @grpc/proto-loader, the .proto files in protos/,
// and the google/rpc, google/type and google/protobuf protos put in a
// directory by scripts/google-protos.sh (docs/api.md). No code of the
// project's own clients is used.
//
// It starts a real raamatchd on 127.0.0.1 with a port the server picks and a
// database in a fresh temporary directory, then, through the API only:
// registers an authority and a key for it, a child and a household; ranks
// households for the child (the compact view, its coded reasons put into
// words from GetReasonCatalog by a renderer written here from the .proto's
// description alone, equal to the server's own words) and explains the
// pair; decodes the
// google.rpc.BadRequest in the grpc-status-details-bin trailer of a refused
// request (bad input, and bytes that are not valid UTF-8); and retries a
// write with the same request_id, getting the same answer. Exits 0 if every
// check passed, 1 otherwise (ctest: node_client_e2e).
//
//   node tests/node/client_e2e.js --raamatchd build/services/raamatchd
'use strict';

const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const repo = path.resolve(__dirname, '..', '..');

function requireInstalled(name) {
  try {
    return require(name);
  } catch (e) {
    console.error(`node_client_e2e: cannot load ${name} (${e.message}).\n` +
                  'Run scripts/install-deps.sh: it runs `npm ci` in tests/node.');
    process.exit(1);
  }
}
const grpc = requireInstalled('@grpc/grpc-js');
const protoLoader = requireInstalled('@grpc/proto-loader');
const protobuf = requireInstalled('protobufjs');

function argument(name) {
  const i = process.argv.indexOf(name);
  if (i < 0 || i + 1 >= process.argv.length) {
    console.error(`usage: node ${path.basename(__filename)} --raamatchd PATH`);
    process.exit(2);
  }
  return process.argv[i + 1];
}

const kDeadlineMs = 30000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// A date `days` from today, as a google.type.Date.
function dayFromToday(days) {
  const d = new Date(Date.now() + days * 24 * 3600 * 1000);
  return {year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate()};
}

// The documented step: the google protos the API imports, into `dir`.
function extractGoogleProtos(dir) {
  childProcess.execFileSync(path.join(repo, 'scripts', 'google-protos.sh'), [dir],
                            {stdio: 'inherit'});
}

function loadApi(googleDir) {
  const includeDirs = [path.join(repo, 'protos'), googleDir];
  const definition = protoLoader.loadSync(
      ['raa/v1/registry.proto', 'raa/v1/access.proto', 'raa/v1/matching.proto'],
      {includeDirs, keepCase: true, longs: String, enums: String, defaults: false});
  const api = grpc.loadPackageDefinition(definition).raa.v1;

  // Error details: google.rpc.Status holding Any-packed google.rpc.BadRequest.
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) => {
    for (const dir of includeDirs) {
      const candidate = path.join(dir, target);
      if (fs.existsSync(candidate)) return candidate;
    }
    return target;
  };
  root.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto'],
                {keepCase: true});
  return {
    api,
    Status: root.lookupType('google.rpc.Status'),
    BadRequest: root.lookupType('google.rpc.BadRequest'),
  };
}

// Starts raamatchd; resolves once it has written its port file.
async function startServer(raamatchd, dir) {
  const portFile = path.join(dir, 'port');
  const keyFile = path.join(dir, 'manager.key');
  const logFile = path.join(dir, 'server.log');
  const log = fs.openSync(logFile, 'w');
  const server = childProcess.spawn(
      raamatchd,
      ['--db', path.join(dir, 'raamatch.db'), '--listen', '127.0.0.1:0',
       '--port-file', portFile, '--bootstrap-key-file', keyFile],
      {stdio: ['ignore', log, log]});
  let exited = null;
  server.on('exit', (code, signal) => { exited = {code, signal}; });
  for (let i = 0; i < 600; ++i) {
    if (exited) {
      throw new Error(`raamatchd exited (${JSON.stringify(exited)}):\n` +
                      fs.readFileSync(logFile, 'utf8'));
    }
    const text = fs.existsSync(portFile) ? fs.readFileSync(portFile, 'utf8') : '';
    if (text.endsWith('\n')) {
      return {
        server,
        logFile,
        address: `127.0.0.1:${text.trim()}`,
        managerKey: fs.readFileSync(keyFile, 'utf8').trim(),
        exited: () => exited,
      };
    }
    await sleep(50);
  }
  server.kill('SIGKILL');
  throw new Error('raamatchd did not start within 30 s');
}

async function stopServer(running) {
  if (!running.exited()) {
    const done = new Promise((resolve) => running.server.on('exit', resolve));
    running.server.kill('SIGTERM');
    await done;
  }
  return running.exited();
}

// One unary call with a deadline and the key as `authorization: Bearer`.
function call(client, method, key, request) {
  const metadata = new grpc.Metadata();
  if (key) metadata.set('authorization', `Bearer ${key}`);
  return new Promise((resolve, reject) => {
    client[method](request, metadata, {deadline: Date.now() + kDeadlineMs},
                   (err, response) => (err ? reject(err) : resolve(response)));
  });
}

// Resolves to the error a call fails with; rejects if it succeeds.
async function failure(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('the call succeeded; it should have failed');
}

// The field violations of a failed call, from its grpc-status-details-bin
// trailer: [{field, description}].
function violationsOf(err, types) {
  const [details] = err.metadata.get('grpc-status-details-bin');
  assert.ok(details, `no grpc-status-details-bin trailer on: ${err.message}`);
  const status = types.Status.decode(details);
  assert.equal(status.code, err.code);
  const out = [];
  for (const any of status.details) {
    assert.equal(any.type_url, 'type.googleapis.com/google.rpc.BadRequest');
    const bad = types.BadRequest.decode(any.value);
    for (const v of bad.field_violations) {
      out.push({field: v.field, description: v.description});
    }
  }
  return out;
}

// A coded reason in words, from the reason catalogue alone, as the
// comments of matching.proto (ReasonPhrase) describe: each phrase takes the
// next `arity` numbers and `text_arity` strings; phrases are joined with
// "; " unless one `continues`; {N}, {N|one|other}, {N:table}, {sN}.
function renderReason(catalog, codes = [], args = [], texts = []) {
  const phrases = new Map((catalog.phrases || []).map((p) => [p.code, p]));
  const tables = new Map((catalog.tables || []).map((t) => [t.name, t.entries || []]));
  let out = '';
  let nextArg = 0;
  let nextText = 0;
  codes.forEach((code, i) => {
    const phrase = phrases.get(code);
    assert.ok(phrase, `reason code ${code} is not in the catalogue`);
    if (i > 0 && !phrase.continues) out += '; ';
    out += phrase.text.replace(
        /\{(s?)(\d+)(?:\|([^|}]*)\|([^}]*)|:([a-z_]+))?\}/g,
        (_, string, n, one, other, table) => {
          if (string) return texts[nextText + Number(n)] ?? '';
          const value = args[nextArg + Number(n)];
          if (one !== undefined) return value === 1 ? one : other;
          if (table) return tables.get(table)[value];
          return String(value);
        });
    nextArg += phrase.arity || 0;
    nextText += phrase.text_arity || 0;
  });
  return out;
}

function validChild() {
  return {
    members: [{
      age_months: 36,
      sex: 'SEX_FEMALE',
      heritage: 'HERITAGE_WHITE_BRITISH',
      religion: 'RELIGION_NO_RELIGION',
      first_language: 'en',
    }],
    ages_as_of: dayFromToday(-10),
    contact_plan: 'CONTACT_PLAN_LETTERBOX',
    early_permanence: 'EARLY_PERMANENCE_NONE',
    summary: 'A cheerful three year old who loves music and the park',
    journey: {
      entered_care: dayFromToday(-400),
      plan_for_adoption: dayFromToday(-300),
      shobpa_decision: dayFromToday(-250),
    },
  };
}

function validAdopter() {
  return {
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
  };
}

async function run(types, address, managerKey) {
  const {api} = types;
  const credentials = grpc.credentials.createInsecure();
  const registry = new api.RegistryService(address, credentials);
  const access = new api.AccessService(address, credentials);
  const matching = new api.MatchingService(address, credentials);
  let requestNumber = 0;
  const requestId = () => `node-client-${process.pid}-${++requestNumber}`;

  // A member and a key for its registrar and family finder.
  const authority = await call(registry, 'CreateAuthority', managerKey, {
    authority_id: 'sheffield',
    authority: {display_name: 'Sheffield City Council', kind: 'AUTHORITY_KIND_LOCAL_AUTHORITY',
                region: 'south-yorkshire'},
    request_id: requestId(),
  });
  assert.equal(authority.name, 'authorities/sheffield');
  const created = await call(access, 'CreateApiKey', managerKey, {
    api_key: {authority: 'authorities/sheffield', roles: ['ROLE_REGISTRAR', 'ROLE_FAMILY_FINDER'],
              display_name: 'node client'},
    request_id: requestId(),
  });
  const key = created.secret;
  assert.match(key, /^raa_/);
  console.log('registered authorities/sheffield and a key for it');

  // A child, then the same write retried with the same request_id.
  const childRequest = {parent: 'authorities/sheffield', child: validChild(),
                        request_id: requestId()};
  const child = await call(registry, 'CreateChild', key, childRequest);
  assert.match(child.name, /^authorities\/sheffield\/children\//);
  assert.equal(child.status, 'CHILD_STATUS_WAITING');
  const retried = await call(registry, 'CreateChild', key, childRequest);
  assert.deepEqual(retried, child, 'a retry must return the first answer');
  const listed = await call(registry, 'ListChildren', key, {parent: 'authorities/sheffield'});
  assert.equal(listed.children.length, 1, 'a retry must store nothing new');
  console.log(`registered ${child.name}; its retry returned the same profile`);

  const adopter = await call(registry, 'CreateAdopter', key, {
    parent: 'authorities/sheffield', adopter: validAdopter(), request_id: requestId(),
  });
  assert.match(adopter.name, /^authorities\/sheffield\/adopters\//);
  console.log(`registered ${adopter.name}`);

  // Ranking and explanation.
  const ranked = await call(matching, 'RankAdopters', key, {child: child.name, view: 'RANK_VIEW_FULL'});
  assert.equal(ranked.child, child.name);
  assert.equal(ranked.adopters.length, 1, JSON.stringify(ranked));
  assert.equal(ranked.adopters[0].adopter, adopter.name);
  assert.ok(ranked.adopters[0].components.length > 0);
  // The compact view's codes, in words from the catalogue, are the server's
  // own words (RANK_VIEW_FULL_TEXT).
  const catalog = await call(matching, 'GetReasonCatalog', key, {});
  const worded = await call(matching, 'RankAdopters', key,
                            {child: child.name, view: 'RANK_VIEW_FULL_TEXT'});
  const names = new Map(catalog.components.map((c) => [c.id, c.key]));
  ranked.adopters[0].components.forEach((c, i) => {
    const want = worded.adopters[0].components[i];
    assert.equal(c.reason, undefined, 'RANK_VIEW_FULL sent words');
    assert.ok(want.reason, `${want.component} has no words`);
    assert.equal(names.get(c.id), want.component);
    assert.equal(renderReason(catalog, c.reason_codes, c.reason_args, c.reason_text_args),
                 want.reason);
  });
  console.log(`rendered ${ranked.adopters[0].components.length} coded reasons from ` +
              `reason catalogue ${catalog.version} as the server words them`);
  const explained = await call(matching, 'ExplainPair', key, {child: child.name, adopter: adopter.name});
  assert.equal(explained.eligible, true);
  assert.equal(explained.score, ranked.adopters[0].score);
  assert.ok(explained.constraints.every((c) => c.passed && c.reason));
  console.log(`ranked ${adopter.name} first for ${child.name} ` +
              `(score ${explained.score}) and explained it`);

  // Bad input: INVALID_ARGUMENT with a BadRequest naming each field.
  const bad = validChild();
  bad.summary = 'Call her foster carer on 07700 900123';
  bad.members[0].age_months = -1;
  const refused = await failure(call(registry, 'CreateChild', key, {
    parent: 'authorities/sheffield', child: bad, request_id: requestId(),
  }));
  assert.equal(refused.code, grpc.status.INVALID_ARGUMENT, refused.message);
  const fields = violationsOf(refused, types).map((v) => v.field);
  assert.ok(fields.includes('child.summary'), JSON.stringify(fields));
  assert.ok(fields.includes('child.members[0].age_months'), JSON.stringify(fields));
  console.log(`a bad profile was refused: ${refused.details}`);

  // Bytes that are not valid UTF-8, which protobufjs never writes: encode a
  // request, then corrupt one byte of its summary (same length).
  const method = api.RegistryService.service.CreateChild;
  const probe = validChild();
  probe.summary = 'Zoe likes painting';
  const bytes = method.requestSerialize({parent: 'authorities/sheffield', child: probe,
                                         request_id: requestId()});
  const at = bytes.indexOf(Buffer.from('Zoe'));
  assert.ok(at >= 0);
  bytes[at + 2] = 0xeb;  // 'e' -> a lone lead byte
  const raw = new grpc.Client(address, credentials);
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${key}`);
  const malformed = await failure(new Promise((resolve, reject) => {
    raw.makeUnaryRequest(method.path, (b) => b, (b) => b, bytes, metadata,
                         {deadline: Date.now() + kDeadlineMs},
                         (err, response) => (err ? reject(err) : resolve(response)));
  }));
  assert.equal(malformed.code, grpc.status.INVALID_ARGUMENT, malformed.message);
  assert.deepEqual(violationsOf(malformed, types),
                   [{field: 'child.summary', description: 'is not valid UTF-8'}]);
  console.log(`bytes that are not UTF-8 were refused: ${malformed.details}`);

  for (const client of [registry, access, matching, raw]) client.close();
}

async function main() {
  const raamatchd = argument('--raamatchd');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raa-node-client-'));
  let running = null;
  let failed = false;
  try {
    const googleDir = path.join(dir, 'google-protos');
    extractGoogleProtos(googleDir);
    const types = loadApi(googleDir);
    running = await startServer(raamatchd, dir);
    await run(types, running.address, running.managerKey);
  } catch (err) {
    failed = true;
    console.error(`node_client_e2e: FAILED: ${err.stack || err}`);
  } finally {
    if (running) {
      const exit = await stopServer(running);
      const log = fs.readFileSync(running.logFile, 'utf8');
      if (exit.code !== 0) {
        failed = true;
        console.error(`raamatchd did not stop cleanly: ${JSON.stringify(exit)}`);
      }
      if (/libprotobuf/.test(log)) {
        failed = true;
        console.error('raamatchd logged a libprotobuf error');
      }
      if (failed) console.error(`--- raamatchd log ---\n${log}`);
    }
    fs.rmSync(dir, {recursive: true, force: true});
  }
  process.exit(failed ? 1 : 0);
}

main();
