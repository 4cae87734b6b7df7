// `npm run test:espruino`: the Espruino upload files (dist/espruino/) on the real interpreter.
// ESPRUINO names an Espruino binary for Linux (2v29; for the ESP8266's memory, a 32-bit build
// with 1 700 variables of 12 bytes). Without it, prints one line saying it skipped, and why.
//
// Against a mosquitto of its own (with a password) behind a fault proxy, with small stand-ins in
// Storage's .boot0: a DS18B20 on OneWire that reads 21.5 °C (Wi-Fi is not used) and M() printing
// process.memory().usage (see STAND_INS):
//   storage  esp8266.js written to Storage as .bootcde, as README says, and run at boot:
//            readings and `online` at a watcher; process.memory().usage after load, connected,
//            with readings queued, while a backlog is sent, with the outbox full, after 20
//            reconnects; the will `offline` after a power cut (SIGKILL)
//   password the same with a wrong password: one line with the code and what to do, no retries
//   ram      esp8266.js, and client.min.js with a small program, sent as plain scripts (what the
//            espruino CLI does without --storage): what they print
// Checks the memory targets of issue 11 and exits non-zero when one is missed.
// ESPRUINO_DIST=dir runs another build's files (e.g. an older one, for a before/after table).
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { Espruino } from './espruino/engine.js';
import { writeSection } from './benchmarks-section.js';
import { distEspruino } from './build/paths.js';
import { FaultProxy } from '../host-sim/fault-proxy.js';
import { freePort, startMosquitto, type MosquittoBroker } from '../test/helpers/brokers.js';
import { ensureEspruinoBuild, withConfig } from '../test/helpers/espruino-sim.js';

// issue 11's targets, on the 1 700-variable build
export const PEAK_TARGET = 664; // variables in use while connected and publishing, at most
export const FREE_TARGET = 1000; // variables left for the user's own code, at least
// "Flat": a full outbox, a backlog or 20 reconnects add nothing. Measured at the console, between
// events, so a reading or a PUBACK in progress can show; this much is allowed for that.
export const FLAT_SLACK = 8;

const bin = process.env.ESPRUINO;
if (!bin) {
  console.log('test:espruino: skipped: ESPRUINO is not set (set it to an Espruino 2v29 binary for Linux, e.g. a 32-bit build with 1 700 variables, to run dist/espruino on the real interpreter)');
  process.exit(0);
}
if (!fs.existsSync(bin)) {
  console.log('test:espruino: ESPRUINO=' + bin + ' does not exist');
  process.exit(1);
}

// A DS18B20 alone on the bus, reading 21.5 °C (read(9), or read() nine times after a reset, gives
// the scratchpad 0x0158 ... and its CRC; the methods are shared, like the native OneWire's), and
// M(), the memory probe (it must be code from Storage: see Espruino.usage()).
const STAND_INS = 'OneWire=function(){};OneWire.prototype={reset:function(){OneWire.i=0;return 1},write:function(){},' +
  'read:function(n){var s=[88,1,75,70,127,255,12,16,194];return n?s:s[OneWire.i++]}};\n' +
  'function M(){print("MEM "+process.memory().usage)}\n';
const PROBE = 'M()';
const USER = 'dev', PASSWORD = 'secret';
const INTERVAL = 300; // ms between readings: the outbox fills in seconds, not minutes

interface Seen { topic: string; text: string; retain: boolean }
let failures = 0;
function check(ok: boolean, what: string): void {
  console.log((ok ? 'ok     ' : 'FAILED ') + what);
  if (!ok) failures++;
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function watch(url: string): Promise<{ seen: Seen[]; close(): Promise<void> }> {
  const c = await mqtt.connectAsync(url, { username: USER, password: PASSWORD, reconnectPeriod: 0, connectTimeout: 5000 });
  const seen: Seen[] = [];
  c.on('message', (topic, payload, packet) => { seen.push({ topic: topic, text: payload.toString('latin1'), retain: packet.retain }); });
  await c.subscribeAsync(['temp', 'temp/status'], { qos: 1 });
  return { seen, close: async () => { await c.endAsync(true); } };
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await sleep(25);
  }
}

/** Lines the app and board printed (readings, errors), without prompts and echoes. */
function lines(e: Espruino, from?: number): string[] {
  return e.output.slice(from || 0).split(/\r?\n/).map((l) => l.replace(/\x1b\[J/g, '').replace(/^>/, '').trim()).filter((l) => l);
}

async function prepare(e: Espruino, program: string): Promise<void> {
  e.eraseStorage();
  await e.start();
  await e.writeStorage('.boot0', STAND_INS);
  await e.writeStorage('.bootcde', program);
  await e.stop();
}

const figures: Array<[string, number]> = [];
let left = -1; // variables left for user code: 1 700 less the board file's highest
function note(what: string, usage: number): void {
  figures.push([what, usage]);
  console.log('       ' + what + ': ' + usage + ' variables in use');
}

/**
 * The broker's address while it is "away": TCP connections are accepted and closed at once, as a
 * chip sees an unreachable broker (an error or a close, later). On Linux, Espruino's connect()
 * to a port where nothing listens throws at once instead, and the first InternalError thrown
 * makes its class for good (~9 variables): that case has a run of its own (unreachableRun).
 */
class Away {
  private server: net.Server | null = null;
  async start(port: number): Promise<void> {
    const srv = net.createServer((s) => { s.destroy(); });
    this.server = srv;
    await new Promise<void>((resolve, reject) => { srv.once('error', reject); srv.listen(port, '127.0.0.1', () => resolve()); });
  }
  async stop(): Promise<void> {
    const srv = this.server;
    this.server = null;
    if (srv) await new Promise<void>((resolve) => srv.close(() => resolve()));
  }
}

async function storageRun(dist: string, broker: MosquittoBroker, work: string): Promise<void> {
  const port = await freePort();
  const proxy = new FaultProxy('127.0.0.1', broker.port);
  const away = new Away();
  const down = async (): Promise<void> => { await proxy.close(); await away.start(port); };
  const up = async (): Promise<void> => { await away.stop(); await proxy.listen(port); };
  const url = 'mqtt://' + USER + ':' + PASSWORD + '@127.0.0.1:' + port;
  const file = withConfig(fs.readFileSync(path.join(dist, 'esp8266.js'), 'latin1'),
    { broker: url, topic: 'temp', statusTopic: 'temp/status', interval: INTERVAL, qos: 1, clientId: 'esp-real-' + process.pid });
  const e = new Espruino(bin as string, path.join(work, 'storage'));
  const w = await watch(broker.url);
  // A build from before issue 11 (ESPRUINO_DIST, for a before/after table) prints no errors and
  // has no mqttApp: it is measured the same way, and reconnects by itself after a cut.
  const legacy = file.indexOf('mqttApp') < 0;
  try {
    await prepare(e, file);
    // Boot with the broker away: the program is loaded and retrying.
    await away.start(port);
    await e.start();
    if (!legacy) await e.waitFor(/mqtt: CONNECTION_LOST[^\n]*/, 10000, 'the CONNECTION_LOST line');
    await sleep(legacy ? 4000 : 2500);
    note('after load (broker away, retrying)', await e.usage(PROBE));
    const lost = lines(e).filter((l) => l.indexOf('mqtt: CONNECTION_LOST') === 0);
    check(lost.length === 1, 'an unreachable broker is one console line, not one per retry: ' + JSON.stringify(lost));

    await away.stop();
    await proxy.listen(port);
    await e.waitFor(/21\.5 sent/, 70000, 'a reading sent');
    await until(() => w.seen.filter((m) => m.topic === 'temp').length >= 3, 10000, 'readings');
    let connected = 0;
    for (let i = 0; i < 8; i++) { await sleep(INTERVAL / 2); connected = Math.max(connected, await e.usage(PROBE)); }
    note('connected, publishing (highest of 8)', connected);
    const readings = w.seen.filter((m) => m.topic === 'temp').map((m) => m.text);
    check(readings.length > 0 && readings.every((r) => r === '21.5'), 'readings at the broker are 21.5: ' + readings.slice(0, 5).join(' '));
    check(w.seen.some((m) => m.topic === 'temp/status' && m.text === 'online'), '`online` on temp/status');

    // The broker goes away: readings wait in the outbox.
    await down();
    const mark = e.output.length;
    await e.waitFor(/(queued[^\n]*\n[^]*){10}/, 20000, '10 queued readings', mark);
    note('10 readings queued, broker unreachable', await e.usage(PROBE));
    // Back, slowly (300 ms each way): the backlog goes out 4 at a time (the ESP8266 window).
    proxy.faults.latency = 300;
    const before = w.seen.filter((m) => m.topic === 'temp').length;
    await up();
    await e.waitFor(/21\.5 sent/, 70000, 'a reconnection (a reading sent)', e.output.length);
    let backlog = 0;
    for (let i = 0; i < 6; i++) { backlog = Math.max(backlog, await e.usage(PROBE)); await sleep(150); }
    note('sending the backlog (highest of 6)', backlog);
    await until(() => w.seen.filter((m) => m.topic === 'temp').length >= before + 10, 30000, 'the backlog at the broker');
    check(true, 'the 10 queued readings reached the broker after the reconnect');
    proxy.faults.latency = 0;

    // Away long enough to fill the outbox.
    await down();
    const mark2 = e.output.length;
    await e.waitFor(/QUEUE_FULL/, 120000, 'QUEUE_FULL', mark2);
    let full = 0;
    for (let i = 0; i < 4; i++) { full = Math.max(full, await e.usage(PROBE)); await sleep(INTERVAL); }
    note('outbox full (QUEUE_FULL, highest of 4)', full);
    await up();
    await e.waitFor(/21\.5 sent/, 70000, 'a reconnection after the outbox filled (a reading sent)', e.output.length);
    await sleep(3000);

    // 20 reconnects: the link is cut; the app's client is told to reconnect at once (instead of
    // waiting out the growing backoff of links that lived less than 30 s).
    for (let i = 0; i < 20; i++) {
      const m = e.output.length;
      proxy.cutAll();
      if (legacy) {
        await e.waitFor(/queued/, 10000, 'the cut seen (a reading queued)', m);
      } else {
        await e.waitFor(/mqtt: CONNECTION_LOST/, 10000, 'the cut seen', m);
        await e.run('mqttApp.client.end();mqttApp.client.connect()');
      }
      await e.waitFor(/21\.5 sent/, 10000, 'reconnect ' + (i + 1) + ' (a reading sent)', e.output.length);
    }
    await sleep(2000);
    let after = 0;
    for (let i = 0; i < 4; i++) { after = Math.max(after, await e.usage(PROBE)); await sleep(INTERVAL); }
    note('after 20 reconnects, publishing (highest of 4)', after);

    const peak = Math.max(connected, backlog, after);
    check(peak <= PEAK_TARGET, 'peak while connected and publishing ' + peak + ' <= ' + PEAK_TARGET);
    left = 1700 - Math.max(peak, full);
    check(1700 - Math.max(peak, full) >= FREE_TARGET, 'left for user code: ' + (1700 - Math.max(peak, full)) + ' >= ' + FREE_TARGET);
    for (const [what, v] of [['outbox full', full], ['backlog', backlog], ['after 20 reconnects', after]] as Array<[string, number]>) {
      check(v <= connected + FLAT_SLACK, 'flat: ' + what + ' ' + v + ' <= connected ' + connected + ' + ' + FLAT_SLACK);
    }

    // A power cut: the broker publishes the will.
    const willFrom = w.seen.length;
    e.kill();
    await until(() => w.seen.slice(willFrom).some((m) => m.topic === 'temp/status' && m.text === 'offline'), 10000, 'the will');
    check(true, 'the will `offline` after a power cut');
  } finally {
    await e.stop();
    await w.close();
    await proxy.close();
    await away.stop();
  }
}

/** Nothing listens where the broker should be: on Linux connect() throws; one line, retries. */
async function unreachableRun(dist: string, work: string): Promise<void> {
  const port = await freePort();
  const file = withConfig(fs.readFileSync(path.join(dist, 'esp8266.js'), 'latin1'),
    { broker: 'mqtt://' + USER + ':' + PASSWORD + '@127.0.0.1:' + port, interval: INTERVAL, qos: 1, clientId: 'esp-down-' + process.pid });
  const e = new Espruino(bin as string, path.join(work, 'unreachable'));
  try {
    await prepare(e, file);
    await e.start();
    await sleep(8000); // attempts at about 0.5-1, 1-2 and 2-4 s
    const said = lines(e).filter((l) => l.indexOf('mqtt:') === 0);
    check(said.length === 1 && /^mqtt: CONNECTION_LOST: cannot reach mqtt:\/\/127\.0\.0\.1:\d+ - /.test(said[0]),
      'nothing listening: one line with the code and what to do (no password in it), not one per retry: ' + JSON.stringify(said));
    const tries = (e.output.match(/Connect failed/g) || []).length;
    check(tries >= 3, 'and it keeps retrying (' + tries + ' attempts in 8 s)');
    note('after load, nothing listening (Linux: connect() throws; its InternalError class stays)', await e.usage(PROBE));
  } finally {
    await e.stop();
  }
}

async function wrongPassword(dist: string, broker: MosquittoBroker, work: string): Promise<void> {
  const proxy = new FaultProxy('127.0.0.1', broker.port);
  const port = await proxy.listen(0);
  const file = withConfig(fs.readFileSync(path.join(dist, 'esp8266.js'), 'latin1'),
    { broker: 'mqtt://' + USER + ':wrong@127.0.0.1:' + port, interval: INTERVAL, qos: 1, clientId: 'esp-pw-' + process.pid });
  const e = new Espruino(bin as string, path.join(work, 'password'));
  try {
    await prepare(e, file);
    await e.start();
    await sleep(8000);
    const said = lines(e).filter((l) => l.indexOf('mqtt:') === 0);
    console.log('       console: ' + JSON.stringify(said));
    check(said.length === 1 && /^mqtt: CONNACK_REFUSED_(NOT_AUTHORIZED|BAD_CREDENTIALS): .*password/.test(said[0]),
      'a wrong password is one line with the code and what to do');
    check(proxy.stats.connections === 1, 'refused once, no retries (' + proxy.stats.connections + ' connection(s) in 8 s)');
  } finally {
    await e.stop();
    await proxy.close();
  }
}

/**
 * client.min.js and a program of one's own, in Storage as .bootcde (README's way for a program of
 * one's own): it connects, subscribes, publishes at QoS 1 and gets its message back.
 */
async function libraryRun(dist: string, broker: MosquittoBroker, work: string): Promise<void> {
  const lib = fs.readFileSync(path.join(dist, 'client.min.js'), 'latin1');
  const program = 'var c=new MQTT.LiteClient({url:"mqtt://' + USER + ':' + PASSWORD + '@127.0.0.1:' + broker.port + '",' +
    'clientId:"esp-lib-' + process.pid + '",outboxSize:512,platform:MQTT.createEspruinoPlatform()});\n' +
    'c.onConnect=function(){c.subscribe("lab/+",1);print("PUB "+c.publish("lab/x","hi",1))};\n' +
    'c.onMessage=function(t,p,i){print("MSG "+t+"="+p+" qos"+i.qos)};\n' +
    'c.onError=function(e){print("mqtt: "+e.code)};\nc.connect();\n';
  const e = new Espruino(bin as string, path.join(work, 'library'));
  try {
    await prepare(e, lib + '\n' + program);
    await e.start();
    await e.waitFor(/MSG lab\/x=hi qos1/, 10000, 'the message back');
    check(/PUB sent/.test(e.output), 'client.min.js and a program in Storage: publish sent, its message back at QoS 1');
    note('client.min.js + a 400-byte program, from Storage, connected', await e.usage(PROBE));
  } finally {
    await e.stop();
  }
}

/** Sends `text` as typed at the console (what the espruino CLI does without --storage). */
async function ramRun(name: string, text: string, work: string): Promise<string> {
  const e = new Espruino(bin as string, path.join(work, 'ram-' + name));
  try {
    e.eraseStorage();
    await e.start();
    await e.run(STAND_INS.replace(/\n/g, ' '));
    const from = e.output.length;
    try {
      await e.send(text + '\n');
    } catch (err) {
      // a raw 0x04 in the text ends the input, and Linux Espruino exits on it
      return 'the interpreter exited while the text was sent';
    }
    await sleep(3000);
    const out = lines(e, from).filter((l) => !/^[:=]/.test(l) && l.length < 300);
    const said = out.filter((l) => /OUT OF MEMORY|Error|^mqtt:|sent$|queued$/.test(l)).slice(0, 3);
    let usage = -1;
    try { usage = await e.usage(PROBE); } catch (err) { /* it may not answer any more */ }
    return (e.running ? '' : 'the interpreter exited; ') + said.join(' | ') + (usage >= 0 ? ' (then ' + usage + ' variables in use)' : '');
  } finally {
    await e.stop();
  }
}

/** BENCHMARKS.md's "Espruino memory" part, from this run's figures. */
function memorySection(binary: string): string {
  return [
    '## Espruino memory (`npm run test:espruino`)', '',
    '_Run ' + new Date().toISOString().replace(/\.\d+Z$/, 'Z') + ', ' + binary + '._', '',
    'On Espruino source text is memory only when it is sent to RAM; run from Storage, as README says to,',
    'what counts is `process.memory().usage`: variables of 12 bytes, 1 700 on an ESP8266. Measured on a',
    'Linux build of Espruino 2v29 with 1 700 variables, `dist/espruino/esp8266.js` in Storage as `.bootcde`',
    'against mosquitto; the figures include ~20 variables of stand-ins for the DS18B20 and the probe.',
    'Targets (issue 11): at most ' + PEAK_TARGET + ' variables while connected and publishing, at least ' + FREE_TARGET + ' left',
    'for user code, and flat: a full outbox, a backlog or 20 reconnects add nothing.', '',
    '**process.memory().usage**', '',
    '| state | variables in use |', '| --- | ---: |',
    ...figures.map(([what, v]) => '| ' + what.replace(/\|/g, '\\|') + ' | ' + v.toLocaleString('en-US').replace(/,/g, ' ') + ' |'),
    '| left for user code (1 700 less the board file\'s highest) | ' + left.toLocaleString('en-US').replace(/,/g, ' ') + ' |',
    '',
    'Before issue 11 (the build of 2026-11-30, run the same way with `ESPRUINO_DIST`): 851 after load,',
    '867 connected, 883 sending a backlog, 1 092 with the outbox full.',
    'Sent as plain scripts (RAM) instead, the board file and `client.min.js` with a small program run',
    'out of memory (this run checks that too): put them in Storage.',
  ].join('\n');
}

async function main(): Promise<void> {
  const dist = process.env.ESPRUINO_DIST || distEspruino;
  if (!process.env.ESPRUINO_DIST) ensureEspruinoBuild();
  console.log('test:espruino: ' + bin + ' with ' + dist);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mcu-mqtt-espruino-'));
  const broker = await startMosquitto({ passwords: { [USER]: PASSWORD } });
  try {
    await storageRun(dist, broker, work);
    await unreachableRun(dist, work);
    await libraryRun(dist, broker, work);
    await wrongPassword(dist, broker, work);
    const ram = await ramRun('esp8266', withConfig(fs.readFileSync(path.join(dist, 'esp8266.js'), 'latin1'),
      { broker: 'mqtt://' + USER + ':' + PASSWORD + '@127.0.0.1:' + broker.port, interval: INTERVAL, qos: 1 }), work);
    console.log('       esp8266.js as a plain script: ' + ram);
    check(/OUT OF MEMORY/.test(ram), 'esp8266.js sent as a plain script (RAM) runs out of memory, as README and the build say');
    const lib = fs.readFileSync(path.join(dist, 'client.min.js'), 'latin1');
    const user = 'var c=new MQTT.LiteClient({url:"mqtt://' + USER + ':' + PASSWORD + '@127.0.0.1:' + broker.port + '",' +
      'platform:MQTT.createEspruinoPlatform()});c.onConnect=function(){print("mqtt: connected",c.publish("lab/x","hi",1))};' +
      'c.onError=function(e){print("mqtt: "+e.code)};c.connect();';
    const lib1 = await ramRun('client', lib + '\n' + user, work);
    console.log('       client.min.js + a 300-byte program as a plain script: ' + lib1);
    check(/OUT OF MEMORY/.test(lib1), 'client.min.js sent as a plain script runs out of memory too, as README says');
  } finally {
    await broker.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
  console.log('\nprocess.memory().usage (of 1 700 variables):');
  for (const [what, v] of figures) console.log('  ' + String(v).padStart(5) + '  ' + what);
  console.log(failures ? 'test:espruino: ' + failures + ' check(s) FAILED' : 'test:espruino: all checks passed');
  // A run of this build that passed is what BENCHMARKS.md (and through it README) shows.
  if (!failures && !process.env.ESPRUINO_DIST) {
    writeSection('espruino', memorySection(path.basename(bin as string)));
    console.log('test:espruino: BENCHMARKS.md section "Espruino memory" written');
  }
  process.exit(failures ? 1 : 0);
}

main().catch((e: unknown) => {
  console.log('test:espruino: FAILED: ' + (e instanceof Error ? e.message : String(e)));
  process.exit(1);
});
