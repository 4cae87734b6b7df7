// The Espruino upload file, as built (messages stripped, property names mangled), still works:
// the real dist/espruino/esp8266.js text runs in a simulated Espruino (test/helpers/espruino-sim.ts)
// against an aedes broker, watched by MQTT.js. Mangling can break a file silently (a renamed
// field read from the config, an engine method renamed), so this checks what a user would see.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import { startAedes, type AedesBroker } from './helpers/brokers.js';
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

async function session(t: import('ava').ExecutionContext, code: string, storage: boolean, flatStringLimit?: number): Promise<{ broker: AedesBroker; sim: EspruinoSim; cleanup(): Promise<void> }> {
  const broker = await startAedes();
  const cfg = { ssid: storage ? 'lab-wifi' : '', password: 'x', broker: broker.url, topic: 'temp', statusTopic: 'temp/status', interval: 250, qos: 1, clientId: 'esp-sim-' + process.pid };
  const sim = storage
    ? runEspruinoFile(code, { storage: cfg, flatStringLimit: flatStringLimit })
    : runEspruinoFile(withConfig(code, cfg), { flatStringLimit: flatStringLimit }); // nothing in Storage: the file's own MQTT_CONFIG
  const cleanup = async (): Promise<void> => { sim.stop(); await broker.close(); };
  t.teardown(cleanup);
  return { broker, sim, cleanup };
}

async function readingsStatusAndWill(t: import('ava').ExecutionContext, code: string, storage: boolean, flatStringLimit?: number): Promise<void> {
  const { broker, sim } = await session(t, code, storage, flatStringLimit);
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
  t.true(uploadFile.indexOf('remainingLength') < 0, 'this is the mangled build');
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

// On a fragmented heap E.toString cannot make a flat string and returns undefined; the bytes must
// still reach the broker intact (here it fails for everything longer than 8 bytes, CONNECT included).
test.serial('esp8266.js as built: writes still work when E.toString cannot allocate a flat string', async (t) => {
  await readingsStatusAndWill(t, uploadFile, false, 8);
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
// survive property mangling (options, callbacks, publish/subscribe, the info object).
test.serial('client.min.js: a user program connects, subscribes, publishes QoS 1 and gets its message and PUBACK', async (t) => {
  const broker = await startAedes();
  const lib = fs.readFileSync(path.join(distEspruino, 'client.min.js'), 'latin1');
  const user = `
    var got = [];
    var c = new MQTT.MqttClient({ url: ${JSON.stringify(broker.url)}, clientId: 'lib-user', keepalive: 30,
      outboxSize: 1024, platform: MQTT.createEspruinoPlatform() });
    c.onConnect = function (present) {
      c.subscribe('lab/+', 1, function (topic, payload, info) {
        got.push(topic + '=' + E.toString(payload) + ' qos' + info.qos);
        console.log('MSG ' + got.join(','));
      });
      console.log('PUB ' + c.publish('lab/x', 'hello', 1) + ' id' + c.lastPacketId);
    };
    c.onPublished = function (id) { console.log('ACK ' + id); };
    c.onError = function (e) { console.log('ERR ' + e.code); };
    c.connect();`;
  const sim = runEspruinoFile(lib + '\n' + user);
  t.teardown(async () => { sim.stop(); await broker.close(); });
  await waitFor(() => sim.logs.some((l) => l.indexOf('MSG lab/x=hello qos1') >= 0), 8000, 'the message back at its handler');
  await waitFor(() => sim.logs.some((l) => /^ACK \d+/.test(l)), 8000, 'the PUBACK');
  t.true(sim.logs.some((l) => /^PUB (sent|queued) id\d+/.test(l)), sim.logs.join(' | '));
  t.false(sim.logs.some((l) => l.indexOf('ERR') === 0), sim.logs.join(' | '));
  t.deepEqual(sim.errors, []);
});

// The harness itself: the same checks pass on the file built without stripping or mangling.
test.serial('the same flow works on the build without message stripping or property mangling', async (t) => {
  const stage = await toEs5("import './boards/espruino-esp8266.ts';", NO_REDUCTIONS);
  t.true(stage.code.indexOf('remainingLength') >= 0, 'this is the unmangled build');
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
