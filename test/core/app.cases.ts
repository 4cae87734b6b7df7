// The temperature-sensor app over the scripted platform with a scripted sensor: what a broker
// (and so a dashboard) sees. XS-safe: these run under ava and inside XS.
import { test } from './harness.js';
import type { Assert } from './harness.js';
import { startTempSensor } from '../../src/apps/temp-sensor.js';
import { MqttClient } from '../../src/client.js';
import type { TempSensorApp, TempSensorConfig } from '../../src/apps/temp-sensor.js';
import { formatCelsius } from '../../src/apps/sensor.js';
import { DS18B20, crc8, scratchpadCelsius } from '../../src/drivers/ds18b20.js';
import { SimulatedSensor } from '../../boards/host.js';
import {
  ScriptedPlatform, ScriptedLink, connack, puback, parseConnect, parsePublish, splitPackets,
} from '../helpers/scripted-platform.js';
import type { PublishInfo } from '../helpers/scripted-platform.js';

/** A sensor the test scripts: numbers are returned, the string 'throw' makes read() throw. */
class ScriptedSensor {
  values: (number | string)[];
  reads: number;
  constructor(values: (number | string)[]) { this.values = values; this.reads = 0; }
  read(): number {
    const v = this.values.length ? this.values.shift() : 20;
    this.reads++;
    if (v === 'throw') throw new Error('1-Wire: no presence pulse');
    return v as number;
  }
}

interface Rig { p: ScriptedPlatform; app: TempSensorApp<MqttClient>; sensor: ScriptedSensor; readings: string[] }

function rig(values: (number | string)[], extra?: Partial<TempSensorConfig>): Rig {
  const p = new ScriptedPlatform('a1b2c3');
  const cfg: TempSensorConfig = { broker: 'mqtt://broker.test', interval: 1000 };
  if (extra) {
    const e = extra as Record<string, unknown>, t = cfg as unknown as Record<string, unknown>;
    for (const k in e) t[k] = e[k];
  }
  const sensor = new ScriptedSensor(values);
  const app = startTempSensor(cfg, sensor, p, MqttClient);
  const readings: string[] = [];
  app.onReading = function (v, r) { readings.push(v + ' ' + r); };
  return { p: p, app: app, sensor: sensor, readings: readings };
}

/** Opens the link the app asked for and answers CONNACK; returns the publishes written so far. */
function online(r: Rig): { link: ScriptedLink; pubs: PublishInfo[] } {
  const link = r.p.last();
  link.open();
  link.feed(connack(false));
  r.p.advance(0);
  return { link: link, pubs: publishes(link) };
}

function publishes(link: ScriptedLink): PublishInfo[] {
  const out: PublishInfo[] = [];
  const ps = link.packets();
  for (let i = 0; i < ps.length; i++) if ((ps[i][0] >> 4) === 3) out.push(parsePublish(ps[i]));
  return out;
}

function show(ps: PublishInfo[]): string[] {
  const r: string[] = [];
  for (let i = 0; i < ps.length; i++) r.push(ps[i].topic + '=' + ps[i].payload + (ps[i].retain ? ' retained' : '') + ' q' + ps[i].qos);
  return r;
}

/** Waits (in scripted time) for the client's next connection attempt; backoff may be up to 60 s. */
function nextLink(r: Rig): void {
  for (let i = 0; i < 700 && !r.p.last().isOpen; i++) r.p.advance(100);
}

/** Plays a broker that acknowledges everything until the client has nothing more to send. */
function drain(link: ScriptedLink, p: ScriptedPlatform, first: PublishInfo[]): PublishInfo[] {
  const all: PublishInfo[] = [];
  let ps = first;
  for (let round = 0; round < 100 && ps.length > 0; round++) {
    for (let i = 0; i < ps.length; i++) all.push(ps[i]);
    ack(link, ps);
    p.advance(0);
    ps = publishes(link);
  }
  return all;
}

/** Acknowledge every QoS 1 publish, as a broker would. */
function ack(link: ScriptedLink, ps: PublishInfo[]): void {
  for (let i = 0; i < ps.length; i++) if (ps[i].qos === 1) link.feed(puback(ps[i].id));
}

test('app: CONNECT carries the will `offline`, retained, QoS 1, on the status topic, and a per-chip client id', (t) => {
  const r = rig([]);
  const link = r.p.last();
  t.is(link.host, 'broker.test');
  link.open();
  const ps = splitPackets(link.take());
  t.is(ps.length, 1);
  const ci = parseConnect(ps[0]);
  t.is(ci.clientId, 'temp-a1b2c3');
  t.deepEqual(ci.will, { topic: 'temp/status', payload: 'offline', qos: 1, retain: true });
  r.app.stop();
});

test('app: after CONNACK it publishes `online` retained on the status topic (configurable topics)', (t) => {
  const r = rig([], { topic: 'house/kitchen', statusTopic: 'house/kitchen/status' });
  const o = online(r);
  t.deepEqual(show(o.pubs), ['house/kitchen/status=online retained q1']);
  r.app.stop();
});

test('app: every interval it publishes the reading as a one-decimal string to `temp` at QoS 1, not retained', (t) => {
  const r = rig([21.5, 21.5625, -0.03125, -10.0625, 100]);
  const o = online(r);
  ack(o.link, o.pubs);
  const seen: PublishInfo[] = [];
  for (let i = 0; i < 5; i++) {
    r.p.advance(1000);
    const ps = publishes(o.link);
    ack(o.link, ps);
    for (let j = 0; j < ps.length; j++) seen.push(ps[j]);
  }
  t.deepEqual(show(seen), ['temp=21.5 q1', 'temp=21.6 q1', 'temp=0.0 q1', 'temp=-10.1 q1', 'temp=100.0 q1']);
  t.is(r.app.stats.samples, 5);
  t.is(r.app.stats.published, 5);
  r.p.advance(999);
  t.is(r.sensor.reads, 5, 'no read before the next interval is due');
  r.app.stop();
});

test('app: qos 0 is honoured when configured', (t) => {
  const r = rig([22], { qos: 0 });
  online(r);
  r.p.advance(1000);
  t.deepEqual(show(publishes(r.p.last())), ['temp=22.0 q0']);
  r.app.stop();
});

test('app: formatCelsius gives one decimal without toFixed quirks', (t) => {
  const cases: [number, string][] = [[21.5, '21.5'], [21.45, '21.5'], [21.449, '21.4'], [1.005, '1.0'], [0.05, '0.1'],
    [-0.04, '0.0'], [-0.05, '-0.1'], [-2.25, '-2.3'], [-55, '-55.0'], [125, '125.0'], [19.9999, '20.0'], [1e-7, '0.0']];
  for (let i = 0; i < cases.length; i++) t.is(formatCelsius(cases[i][0]), cases[i][1], String(cases[i][0]));
});

test('app: a failing sensor publishes `sensor-error` retained once, never a number, and `online` when it reads again', (t) => {
  const r = rig(['throw', NaN, 85, 126, -56, 'throw', 23.25]);
  const o = online(r);
  ack(o.link, o.pubs);
  const seen: PublishInfo[] = [];
  for (let i = 0; i < 7; i++) {
    r.p.advance(1000);
    const ps = publishes(o.link);
    ack(o.link, ps);
    for (let j = 0; j < ps.length; j++) seen.push(ps[j]);
  }
  t.deepEqual(show(seen), ['temp/status=sensor-error retained q1', 'temp/status=online retained q1', 'temp=23.3 q1']);
  t.is(r.app.stats.sensorErrors, 6);
  t.is(r.app.stats.published, 1);
  t.is(r.readings[0], 'NaN sensor-error');
  r.app.stop();
});

test('app: a reconnect while the sensor is failing re-publishes `sensor-error`, not `online`', (t) => {
  const r = rig(['throw', 'throw', 'throw']);
  const o = online(r);
  r.p.advance(1000);
  o.link.drop('reset');
  for (let i = 0; i < 10 && r.p.links.length < 2; i++) r.p.advance(1000);
  t.is(r.p.links.length, 2, 'the client reconnected');
  const o2 = online(r);
  const statuses = show(o2.pubs).filter(function (s) { return s.indexOf('temp/status') === 0; });
  t.is(statuses[statuses.length - 1], 'temp/status=sensor-error retained q1');
  r.app.stop();
});

test('app: readings taken while the broker is unreachable are queued and sent in order after reconnect', (t) => {
  const r = rig([20, 20.5, 21, 21.5, 22]);
  const o = online(r);
  ack(o.link, o.pubs);
  o.link.drop('connection reset');
  // The broker stays unreachable for a while: every new link is refused at once.
  for (let i = 0; i < 5; i++) {
    r.p.advance(1000);
    const l = r.p.last();
    if (l !== o.link && l.isOpen) l.drop('refused');
  }
  t.is(r.app.stats.queued, 5);
  t.is(r.app.stats.published, 0);
  const queued = r.app.stats.queued;
  nextLink(r);
  const o2 = online(r);
  const all = drain(o2.link, r.p, o2.pubs);
  const vals: string[] = [];
  let statusAt = -1;
  for (let i = 0; i < all.length; i++) {
    if (all[i].topic === 'temp') vals.push(all[i].payload);
    else if (all[i].payload === 'online') statusAt = vals.length;
  }
  t.is(vals.length, r.app.stats.queued, 'everything queued (also while waiting for the reconnect) is sent');
  t.deepEqual(vals.slice(0, 5), ['20.0', '20.5', '21.0', '21.5', '22.0'], 'in the order they were taken');
  t.true(statusAt >= queued, 'status `online` follows the backlog from before the reconnect');
  r.app.stop();
});

test('app: when the offline queue is full the reading is dropped, counted and reported as QUEUE_FULL', (t) => {
  const values: number[] = [];
  for (let i = 0; i < 40; i++) values.push(20 + i / 10);
  const r = rig(values, { outboxSize: 128 });
  const o = online(r);
  ack(o.link, o.pubs);
  o.link.drop('gone');
  for (let i = 0; i < 40; i++) {
    r.p.advance(1000);
    const l = r.p.last();
    if (l.isOpen) l.drop('refused');
  }
  const s = r.app.stats;
  t.is(s.samples, 40);
  t.true(s.dropped > 0, 'some readings were dropped');
  t.true(s.queued > 0, 'some readings were queued');
  t.is(s.queued + s.dropped, 40);
  t.is(r.readings[39], '23.9 QUEUE_FULL', 'the last reading was reported as dropped');
  nextLink(r);
  const o2 = online(r);
  const temps = drain(o2.link, r.p, o2.pubs).filter(function (p) { return p.topic === 'temp'; });
  t.is(temps.length, s.queued, 'every queued reading is sent after reconnect, and nothing else');
  t.is(temps[0].payload, '20.0', 'the oldest readings were kept');
  r.app.stop();
});

test('app: stop() leaves `offline` retained, disconnects, and stops sampling', (t) => {
  const r = rig([20, 21]);
  const o = online(r);
  ack(o.link, o.pubs);
  r.app.stop();
  r.p.advance(0);
  const ps = splitPackets(o.link.take());
  const kinds: string[] = [];
  for (let i = 0; i < ps.length; i++) kinds.push((ps[i][0] >> 4) === 3 ? 'publish ' + parsePublish(ps[i]).payload : 'type ' + (ps[i][0] >> 4));
  t.deepEqual(kinds, ['publish offline', 'type 14']);
  r.p.advance(5000);
  t.is(r.sensor.reads, 0);
});

// The DS18B20 power-on scratchpad from the datasheet: 0x0550 = 85 °C, CRC 0x1C.
const POWER_ON = [0x50, 0x05, 0x4b, 0x46, 0x7f, 0xff, 0x0c, 0x10, 0x1c];

function withCrc(b: number[]): Uint8Array {
  const u = new Uint8Array(9);
  for (let i = 0; i < 8; i++) u[i] = b[i];
  u[8] = crc8(u, 8);
  return u;
}

test('app: DS18B20 scratchpad decoding checks the CRC and the fixed bits, and reads negative values', (t) => {
  t.is(crc8(new Uint8Array(POWER_ON), 8), 0x1c);
  t.is(scratchpadCelsius(new Uint8Array(POWER_ON)), 85);
  t.is(scratchpadCelsius(withCrc([0x91, 0x01, 0x4b, 0x46, 0x7f, 0xff, 0x0f, 0x10])), 25.0625);
  t.is(scratchpadCelsius(withCrc([0x5e, 0xff, 0x4b, 0x46, 0x7f, 0xff, 0x02, 0x10])), -10.125);
  const bad = new Uint8Array(POWER_ON); bad[0] ^= 1;
  let threw = false;
  try { scratchpadCelsius(bad); } catch (e) { threw = true; }
  t.true(threw, 'a flipped bit fails the CRC');
  threw = false;
  try { scratchpadCelsius(new Uint8Array(9)); } catch (e) { threw = true; }
  t.true(threw, 'an all-zero read (bus stuck low) is not 0 °C');
});

test('app: DS18B20 driver speaks SKIP ROM / CONVERT T / READ SCRATCHPAD and fails without a presence pulse', (t) => {
  const written: number[] = [];
  let present = true, cursor = 0;
  const pad = withCrc([0x50, 0x01, 0x4b, 0x46, 0x7f, 0xff, 0x0c, 0x10]); // 21 °C
  const bus = {
    reset: function () { cursor = 0; return present; },
    write: function (b: number) { written.push(b); },
    read: function () { return pad[cursor++]; },
  };
  const d = new DS18B20(bus);
  t.deepEqual(written, [0xcc, 0x44], 'the constructor starts the first conversion');
  written.length = 0;
  t.is(d.read(), 21);
  t.deepEqual(written, [0xcc, 0xbe, 0xcc, 0x44], 'read the scratchpad, then start the next conversion');
  present = false;
  let threw = false;
  try { d.read(); } catch (e) { threw = true; }
  t.true(threw);
});

test('app: the host board simulated sensor wanders near 21 °C and can be told to fail', (t) => {
  let seed = 1;
  const s = new SimulatedSensor({ random: function () { seed = (seed * 16807) % 2147483647; return seed / 2147483647; } });
  for (let i = 0; i < 1000; i++) {
    const v = s.read();
    t.true(v > 15 && v < 27, 'plausible: ' + v);
    t.is(v * 16, Math.round(v * 16), 'DS18B20 resolution');
  }
  s.failReads = 1;
  let threw = false;
  try { s.read(); } catch (e) { threw = true; }
  t.true(threw);
  s.bogusReads = 1; s.bogusValue = 85;
  t.is(s.read(), 85);
});

void (null as unknown as Assert);
