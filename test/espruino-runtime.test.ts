// The Espruino upload file, as built (messages stripped, property names mangled), still works:
// the real dist/espruino/esp8266.js text runs in a simulated Espruino (test/helpers/espruino-sim.ts)
// against an aedes broker, watched by MQTT.js. Mangling can break a file silently (a renamed
// field read from the config, an engine method renamed), so this checks what a user would see.
import test from 'ava';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import mqtt from 'mqtt';
import { freePort, startAedes, type AedesBroker } from './helpers/brokers.js';
import { waitFor } from './helpers/wait.js';
import { ensureEspruinoBuild, runEspruinoFile, withConfig, type EspruinoSim } from './helpers/espruino-sim.js';
import { distEspruino } from '../scripts/build/paths.js';
import { CONFIG_PRELUDE, NO_REDUCTIONS, toEs5 } from '../scripts/build/espruino.js';

interface Seen { topic: string; text: string; retain: boolean }

async function watch(url: string, filters: string[]): Promise<{ seen: Seen[]; close(): Promise<void> }> {
  const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000 });
  const seen: Seen[] = [];
  c.on('message', (topic, payload, packet) => { seen.push({ topic, text: payload.toString('utf8'), retain: packet.retain }); });
  await c.subscribeAsync(filters, { qos: 1 });
  return { seen, close: async () => { await c.endAsync(true); } };
}

let uploadFile = '';
test.before(() => {
  ensureEspruinoBuild();
  uploadFile = fs.readFileSync(path.join(distEspruino, 'esp8266.js'), 'latin1');
});

async function session(t: import('ava').ExecutionContext, code: string, storage: boolean): Promise<{ broker: AedesBroker; sim: EspruinoSim; cleanup(): Promise<void> }> {
  const broker = await startAedes();
  const cfg = { ssid: storage ? 'lab-wifi' : '', password: 'x', broker: broker.url, topic: 'temp', statusTopic: 'temp/status', interval: 250, qos: 1, clientId: 'esp-sim-' + process.pid };
  const sim = storage
    ? runEspruinoFile(code, { storage: cfg })
    : runEspruinoFile(withConfig(code, cfg)); // nothing in Storage: the file's own MQTT_CONFIG
  const cleanup = async (): Promise<void> => { sim.stop(); await broker.close(); };
  t.teardown(cleanup);
  return { broker, sim, cleanup };
}

async function readingsStatusAndWill(t: import('ava').ExecutionContext, code: string, storage: boolean): Promise<void> {
  const { broker, sim } = await session(t, code, storage);
  const w = await watch(broker.url, ['temp', 'temp/status']);
  try {
    sim.sensor.celsius = 21.5;
    await waitFor(() => w.seen.some((m) => m.topic === 'temp'), 8000, 'a reading on temp');
    sim.sensor.celsius = 22.25;
    await waitFor(() => w.seen.some((m) => m.topic === 'temp' && m.text === '22.3'), 8000, 'the new reading 22.3');
    const readings = w.seen.filter((m) => m.topic === 'temp').map((m) => m.text);
    t.true(readings.indexOf('21.5') >= 0, 'readings: ' + readings.join(' '));
    for (const r of readings) t.regex(r, /^-?\d+\.\d$/, 'a plain decimal string');
    if (storage) t.deepEqual(sim.wifiConnects, ['lab-wifi'], 'Wi-Fi brought up with the stored ssid');

    // A dashboard subscribing now still learns the device is online: the status is retained.
    const late = await watch(broker.url, ['temp/status']);
    try {
      await waitFor(() => late.seen.length > 0, 5000, 'the retained status');
      t.deepEqual(late.seen[0], { topic: 'temp/status', text: 'online', retain: true });
    } finally { await late.close(); }

    // The device drops off without a DISCONNECT: the broker publishes the will.
    sim.destroySockets();
    await waitFor(() => w.seen.some((m) => m.topic === 'temp/status' && m.text === 'offline'), 8000, 'the will "offline"');
    t.deepEqual(sim.errors, [], 'nothing thrown out of the upload file');
  } finally { await w.close(); }
}

test.serial('esp8266.js as built: readings on temp, online retained, will offline (config from Storage, Wi-Fi)', async (t) => {
  t.true(uploadFile.indexOf('tickFn') < 0, 'this is the mangled build');
  await readingsStatusAndWill(t, uploadFile, true);
});

test.serial('esp8266.js as built: the MQTT_CONFIG at the top of the file is used when Storage has none; a failing sensor is reported', async (t) => {
  const { broker, sim } = await session(t, uploadFile, false);
  const w = await watch(broker.url, ['temp', 'temp/status']);
  try {
    sim.sensor.celsius = -3.25;
    // The driver is pipelined (each read starts the next conversion), so -3.25 shows one sample late.
    await waitFor(() => w.seen.some((m) => m.topic === 'temp' && m.text === '-3.3'), 8000, 'the reading -3.3');
    sim.sensor.present = false;
    await waitFor(() => w.seen.some((m) => m.topic === 'temp/status' && m.text === 'sensor-error'), 8000, 'sensor-error status');
    const before = w.seen.filter((m) => m.topic === 'temp').length;
    sim.sensor.present = true;
    sim.sensor.celsius = 19;
    await waitFor(() => w.seen.some((m) => m.topic === 'temp' && m.text === '19.0'), 8000, 'readings again after the sensor recovers');
    t.true(w.seen.filter((m) => m.topic === 'temp').length > before);
    t.true(w.seen.filter((m) => m.topic === 'temp/status').map((m) => m.text).indexOf('online') >= 0);
    t.deepEqual(sim.errors, []);
  } finally { await w.close(); }
});

// The link drops: readings taken while offline wait in the client's outbox and reach the broker
// after the reconnect, ahead of the new 'online' (the outbox is resent before onConnect runs).
test.serial('esp8266.js as built: readings taken while offline arrive after the reconnect', async (t) => {
  const { broker, sim } = await session(t, uploadFile, false);
  const w = await watch(broker.url, ['temp', 'temp/status']);
  try {
    sim.sensor.celsius = 20;
    await waitFor(() => w.seen.some((m) => m.topic === 'temp' && m.text === '20.0'), 8000, 'a first reading');
    sim.destroySockets();
    sim.sensor.celsius = 30.5; // sampled every 250 ms; the first reconnect waits 500-1000 ms
    const onlineAgain = (): number => {
      const off = w.seen.findIndex((m) => m.topic === 'temp/status' && m.text === 'offline');
      return off < 0 ? -1 : w.seen.findIndex((m, i) => i > off && m.topic === 'temp/status' && m.text === 'online');
    };
    await waitFor(() => onlineAgain() >= 0, 10000, 'the will, then online again');
    const before = w.seen.slice(0, onlineAgain()).filter((m) => m.topic === 'temp').map((m) => m.text);
    t.true(before.indexOf('30.5') >= 0, 'readings before the new online: ' + before.join(' '));
    t.true(sim.sockets.length >= 2, 'connected again');
    t.deepEqual(sim.errors, []);
  } finally { await w.close(); }
});

test.serial('esp8266.js as shipped (no broker set): says so and connects nowhere', async (t) => {
  const sim = runEspruinoFile(uploadFile);
  t.teardown(() => sim.stop());
  await new Promise((r) => setTimeout(r, 300));
  t.deepEqual(sim.sockets.length, 0, 'no connection attempt');
  t.true(sim.logs.some((l) => l.indexOf('no broker configured') >= 0), sim.logs.join(' | '));
  t.deepEqual(sim.errors, []);
});

// dist/espruino/client.min.js is what users put in front of their own code: the public API must
// survive minification (options, callbacks, publish/subscribe, the info object), and a message
// published at QoS 1 must come back through the broker.
test.serial('client.min.js: a user program connects, subscribes, publishes QoS 1 and gets its message', async (t) => {
  const broker = await startAedes();
  const w = await watch(broker.url, ['lab/#']);
  const lib = fs.readFileSync(path.join(distEspruino, 'client.min.js'), 'latin1');
  const user = `
    var c = new MQTT.LiteClient({ url: ${JSON.stringify(broker.url)}, clientId: 'lib-user', keepalive: 30,
      outboxSize: 1024, platform: MQTT.createEspruinoPlatform() });
    c.onConnect = function (present) {
      console.log('SUB ' + c.subscribe('lab/+', 1));
      console.log('PUB ' + c.publish('lab/x', 'hello', 1, true));
      console.log('BAD ' + c.publish('lab/+', 'x', 1));
    };
    c.onMessage = function (topic, payload, info) { console.log('MSG ' + topic + '=' + payload + ' qos' + info.qos + ' retain' + info.retain); };
    c.onError = function (e) { console.log('ERR ' + e.code); };
    c.connect();`;
  const sim = runEspruinoFile(lib + '\n' + user);
  t.teardown(async () => { sim.stop(); await w.close(); await broker.close(); });
  await waitFor(() => sim.logs.some((l) => l.indexOf('MSG lab/x=hello qos1') >= 0), 8000, 'the message back at onMessage');
  await waitFor(() => w.seen.some((m) => m.topic === 'lab/x' && m.text === 'hello'), 8000, 'the message at a watcher');
  // retained: a subscriber that comes later still gets it, flagged as retained
  const late = await watch(broker.url, ['lab/x']);
  t.teardown(() => late.close());
  await waitFor(() => late.seen.some((m) => m.text === 'hello' && m.retain), 5000, 'the retained message at a late subscriber');
  t.true(sim.logs.indexOf('SUB sent') >= 0 && sim.logs.indexOf('PUB sent') >= 0, sim.logs.join(' | '));
  t.true(sim.logs.indexOf('BAD TOPIC_INVALID') >= 0, sim.logs.join(' | '));
  t.false(sim.logs.some((l) => l.indexOf('ERR') === 0), sim.logs.join(' | '));
  t.deepEqual(sim.errors, []);
});

// The harness itself: the same checks pass on the file built without stripping or mangling.
test.serial('the same flow works on the build without message stripping or property mangling', async (t) => {
  const stage = await toEs5("import './boards/espruino-esp8266.ts';", NO_REDUCTIONS);
  t.true(stage.code.indexOf('tickFn') >= 0, 'this is the unmangled build');
  await readingsStatusAndWill(t, CONFIG_PRELUDE + stage.code, true);
});

test('the simulated Espruino lacks what Espruino lacks, and reports what the file throws', (t) => {
  const sim = runEspruinoFile('var m = new Map();');
  sim.stop();
  t.is(sim.errors.length, 1);
  t.regex(sim.errors[0], /Map is not defined/);
  const probe = runEspruinoFile('if (typeof Symbol !== "undefined" || typeof Set !== "undefined" || typeof TextEncoder !== "undefined" || Array.from) throw "has ES2015";');
  probe.stop();
  t.deepEqual(probe.errors, []);
});

// ---- the simulator behaves like the real Espruino 2v29 (see test/helpers/espruino-sim.ts) ----

test.serial('sim like Espruino: net.connect() to a port nothing listens on throws at once, an InternalError that is not an Error', async (t) => {
  const port = await freePort();
  const sim = runEspruinoFile(`
    try { require('net').connect({ host: '127.0.0.1', port: ${port} }, function () { console.log('OPEN'); }); console.log('NO THROW'); }
    catch (e) { console.log('THREW ' + e.type + ': ' + e.message + ' ' + (e instanceof Error)); }`);
  t.teardown(() => sim.stop());
  t.deepEqual(sim.logs, ['ERROR: Connect failed (err 111)', 'THREW InternalError: Unable to create socket false']);
  t.deepEqual(sim.sockets.length, 0);
});

test.serial('sim like Espruino: the connect callback and the listeners run with this = the socket; close passes a boolean, after end', async (t) => {
  const broker = await startAedes();
  const sim = runEspruinoFile(`
    var s = require('net').connect({ host: '127.0.0.1', port: ${broker.port} }, function (a) {
      console.log('open this=' + (this === s) + ' arg=' + (a === s));
      s.write('\\x10\\x0c\\x00\\x04MQTT\\x04\\x02\\x00\\x3c\\x00\\x00');
    });
    s.on('data', function (d) { console.log('data this=' + (this === s) + ' ' + d.length); s.end(); });
    s.on('end', function () { console.log('end this=' + (this === s) + ' args=' + arguments.length); });
    s.on('close', function (e) { console.log('close this=' + (this === s) + ' ' + typeof e + ' ' + e); });`);
  t.teardown(async () => { sim.stop(); await broker.close(); });
  await waitFor(() => sim.logs.some((l) => l.indexOf('close') === 0), 5000, 'the close event');
  t.deepEqual(sim.logs, ['open this=true arg=true', 'data this=true 4', 'end this=true args=0', 'close this=true boolean false']);
  t.deepEqual(sim.errors, []);
});

test.serial('sim like Espruino: a socket error passes {code, message}, then close passes true', async (t) => {
  // a server that resets the connection while the client still has data queued
  const server = net.createServer((c) => { c.resetAndDestroy(); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  const sim = runEspruinoFile(`
    var s = require('net').connect({ host: '127.0.0.1', port: ${port} }, function () { s.write('x'); });
    s.on('error', function (e) { console.log('error ' + typeof e.code + ' ' + (e.code < 0) + ' ' + typeof e.message); });
    s.on('close', function (e) { console.log('close ' + e); });`);
  t.teardown(async () => { sim.stop(); await new Promise((r) => server.close(r)); });
  await waitFor(() => sim.logs.some((l) => l.indexOf('close') === 0), 5000, 'the close event');
  t.deepEqual(sim.logs, ['error number true string', 'close true']);
});

test('sim like Espruino: Math.random() gives the same sequence on every boot', (t) => {
  const boot = (): string[] => {
    const sim = runEspruinoFile('console.log(Math.random()); console.log(Math.random());');
    sim.stop();
    return sim.logs;
  };
  const first = boot(), second = boot();
  t.deepEqual(first, second);
  t.not(first[0], first[1]);
  t.true(Number(first[0]) >= 0 && Number(first[0]) < 1);
});

// What the real engine does to the board file, in the sim: a broker that cannot be reached at all
// (connect() throws) is one console line with the code and what to do, the retries are silent,
// and nothing escapes into the engine.
test.serial('esp8266.js as built: nothing listening on the broker port → one CONNECTION_LOST line, silent retries', async (t) => {
  const port = await freePort();
  const cfg = { ssid: '', broker: 'mqtt://127.0.0.1:' + port, interval: 200, qos: 1, clientId: 'esp-sim-down-' + process.pid };
  const sim = runEspruinoFile(withConfig(uploadFile, cfg));
  t.teardown(() => sim.stop());
  await waitFor(() => sim.logs.filter((l) => l.indexOf('ERROR: Connect failed') === 0).length >= 3, 8000, 'three refused attempts');
  const said = sim.logs.filter((l) => l.indexOf('mqtt:') === 0);
  t.is(said.length, 1, said.join(' | '));
  t.regex(said[0], /^mqtt: CONNECTION_LOST: cannot reach mqtt:\/\/127\.0\.0\.1:\d+ - check /);
  t.deepEqual(sim.errors, []);
});

test.serial('esp8266.js as built: a wrong password → one line with the code and what to do, and no retry', async (t) => {
  const broker = await startAedes();
  broker.broker.authenticate = (_c: unknown, _u: string, _p: Buffer, done: (e: unknown, ok: boolean) => void) => {
    const err = new Error('bad') as Error & { returnCode: number };
    err.returnCode = 4;
    done(err, false);
  };
  const cfg = { ssid: '', broker: 'mqtt://u:wrong@127.0.0.1:' + broker.port, interval: 200, qos: 1, clientId: 'esp-sim-pw-' + process.pid };
  const sim = runEspruinoFile(withConfig(uploadFile, cfg));
  t.teardown(async () => { sim.stop(); await broker.close(); });
  await waitFor(() => sim.logs.some((l) => l.indexOf('mqtt:') === 0), 5000, 'the error line');
  await new Promise((r) => setTimeout(r, 2500));
  const said = sim.logs.filter((l) => l.indexOf('mqtt:') === 0);
  t.deepEqual(said, ['mqtt: CONNACK_REFUSED_BAD_CREDENTIALS: the broker refused the user name or password - check MQTT_CONFIG.broker (mqtt://user:password@host); not retrying']);
  t.is(sim.sockets.length, 1, 'one connection, no retry');
  t.deepEqual(sim.errors, []);
});
