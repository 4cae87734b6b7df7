// The temperature-sensor app (src/apps/temp-sensor.ts) on LiteClient, as the Espruino boards run
// it, over the scripted byte-string platform and a scripted sensor: what a broker (and so a
// dashboard) sees. test/core/app.cases.ts checks the same app on MqttClient; this file mirrors
// those promises for the other client, whose outbox, window and backoff are its own.
// Written packets are read back by mqtt-packet; the clock moves only when a test advances it.
import anyTest from 'ava';
import type { TestFn, ExecutionContext } from 'ava';
import type { Packet, IPublishPacket, IConnectPacket } from 'mqtt-packet';
import { startTempSensor } from '../src/apps/temp-sensor.js';
import type { TempSensorApp, TempSensorConfig } from '../src/apps/temp-sensor.js';
import { LiteClient } from '../src/lite/client.js';
import {
  ScriptedLitePlatform, ScriptedLiteLink, connack, puback, payloadOf,
} from './helpers/scripted-lite-platform.js';

interface Ctx { rigs: Rig[] }
const test = anyTest as TestFn<Ctx>;
type T = ExecutionContext<Ctx>;

test.beforeEach((t) => { t.context.rigs = []; });
// Whatever a test did, the client must never write on a link it closed or that died.
test.afterEach.always((t) => {
  for (const r of t.context.rigs) {
    t.is(r.p.lateWrites, 0, 'writes on a closed or dropped link');
    r.app.stop();
  }
});

/** Makes read() throw, as a DS18B20 without a presence pulse or with a bad CRC does. */
const THROW = { throws: true };
type Step = number | typeof THROW | { value: unknown };

/** A sensor the test scripts; after the script it reads 20 °C. */
class ScriptedSensor {
  steps: Step[];
  reads: number;
  /** called inside every read(), e.g. to note when the app sampled */
  onRead: (() => void) | null;
  constructor(steps: Step[]) { this.steps = steps; this.reads = 0; this.onRead = null; }
  read(): number {
    const s = this.steps.length ? this.steps.shift() as Step : 20;
    this.reads++;
    if (this.onRead) this.onRead();
    if (s === THROW) throw new Error('1-Wire: no presence pulse');
    // a driver written in JS could hand back anything; the app must not trust the type
    return (typeof s === 'number' ? s : (s as { value: unknown }).value) as number;
  }
}

interface Rig {
  p: ScriptedLitePlatform;
  app: TempSensorApp<LiteClient>;
  sensor: ScriptedSensor;
  /** every onReading call as 'value result' */
  readings: string[];
}

const INTERVAL = 1000;

function rig(t: T, steps: Step[], extra?: Partial<TempSensorConfig>): Rig {
  const p = new ScriptedLitePlatform('a1b2c3');
  const cfg: TempSensorConfig = { broker: 'mqtt://broker.test', interval: INTERVAL, ...extra };
  const sensor = new ScriptedSensor(steps);
  const app = startTempSensor(cfg, sensor, p, LiteClient);
  const readings: string[] = [];
  app.onReading = (v, result) => { readings.push(v + ' ' + result); };
  const r = { p, app, sensor, readings };
  t.context.rigs.push(r);
  return r;
}

function pubsOf(ps: Packet[]): IPublishPacket[] {
  return ps.filter((p): p is IPublishPacket => p.cmd === 'publish');
}

/** What a dashboard would read off a PUBLISH, plus the delivery flags. */
function show(p: IPublishPacket): string {
  return p.topic + '=' + payloadOf(p) + ' q' + p.qos + (p.retain ? ' retained' : '') + (p.dup ? ' dup' : '');
}

/** Acknowledges every QoS 1 PUBLISH among `ps`, as a broker would. */
function ack(link: ScriptedLiteLink, ps: IPublishPacket[]): void {
  for (const p of ps) if (p.qos === 1) link.feed(puback(p.messageId as number));
}

/** Opens the app's latest link and answers CONNACK; returns what it wrote after CONNECT, unacked. */
function online(r: Rig): { link: ScriptedLiteLink; pubs: IPublishPacket[] } {
  const link = r.p.last();
  link.open();
  const connect = link.packets();
  if (connect.length !== 1 || connect[0].cmd !== 'connect') throw new Error('expected only CONNECT before CONNACK');
  link.feed(connack(0));
  return { link, pubs: pubsOf(link.packets()) };
}

/** Plays a broker that acknowledges everything until the client writes nothing more. */
function drain(link: ScriptedLiteLink, first: IPublishPacket[]): IPublishPacket[] {
  const all: IPublishPacket[] = [];
  let ps = first;
  for (let round = 0; round < 1000 && ps.length > 0; round++) {
    all.push(...ps);
    ack(link, ps);
    ps = pubsOf(link.packets());
  }
  return all;
}

/** Advances one interval at a time, acknowledging everything; returns what the broker saw. */
function run(r: Rig, link: ScriptedLiteLink, intervals: number): IPublishPacket[] {
  const seen: IPublishPacket[] = [];
  for (let i = 0; i < intervals; i++) {
    r.p.advance(INTERVAL);
    seen.push(...drain(link, pubsOf(link.packets())));
  }
  return seen;
}

/** Runs the clock until the client asks for its next link (backoff has jitter, up to 60 s). */
function nextLink(r: Rig): ScriptedLiteLink {
  if (r.p.untilNextLink(61000) < 0) throw new Error('no reconnect attempt within 61 s');
  return r.p.last();
}

/**
 * The broker is unreachable for `n` intervals after `old` died: the client's next attempt (made
 * within the first 1 s of backoff) hangs unanswered, and its 10 s CONNACK deadline is longer than
 * the outage, so exactly `n` samples fall into it whatever the backoff jitter. Returns that link.
 */
function outage(r: Rig, old: ScriptedLiteLink, n: number): ScriptedLiteLink {
  if (n * INTERVAL >= 10000) throw new Error('outage() is for less than the 10 s CONNACK deadline');
  old.drop('connection reset');
  r.p.advance(n * INTERVAL);
  const l = r.p.last();
  if (l === old || !l.isOpen || l.allWritten !== '') throw new Error('expected one unanswered reconnect attempt');
  return l;
}

/** n readings 20.0, 20.5, 21.0 ...: distinct, and each exact in one decimal. */
function series(n: number): number[] {
  const v: number[] = [];
  for (let i = 0; i < n; i++) v.push(20 + i / 2);
  return v;
}
function temps(vs: number[]): string[] { return vs.map((v) => 'temp=' + v.toFixed(1) + ' q1'); }

// ---- CONNECT ----

test('lite app: CONNECT carries the will `offline` retained QoS 1 on the status topic and client id temp-<chip id>', (t) => {
  const r = rig(t, []);
  const link = r.p.last();
  t.deepEqual([link.host, link.port, link.secure], ['broker.test', 1883, false]);
  t.is(link.take(), '', 'nothing written before the link opens');
  link.open();
  const ps = link.packets();
  t.is(ps.length, 1);
  const c = ps[0] as IConnectPacket;
  t.is(c.cmd, 'connect');
  t.is(c.clientId, 'temp-a1b2c3');
  t.truthy(c.will);
  t.deepEqual(c.will && [c.will.topic, Buffer.from(c.will.payload).toString('latin1'), c.will.qos, c.will.retain],
    ['temp/status', 'offline', 1, true]);
  t.false(r.app.client.connected, 'not connected before CONNACK');
});

test('lite app: the will follows a configured statusTopic; clientId and keepalive reach CONNECT', (t) => {
  const r = rig(t, [], { statusTopic: 'house/kitchen/status', clientId: 'kitchen', keepalive: 30 });
  const link = r.p.last();
  link.open();
  const c = link.packets()[0] as IConnectPacket;
  t.is(c.clientId, 'kitchen');
  t.is(c.keepalive, 30);
  t.deepEqual(c.will && [c.will.topic, Buffer.from(c.will.payload).toString('latin1'), c.will.qos, c.will.retain],
    ['house/kitchen/status', 'offline', 1, true]);
});

// ---- online and readings ----

test('lite app: after CONNACK `online` retained QoS 1 on the status topic (configurable topics)', (t) => {
  const r = rig(t, [22], { topic: 'house/kitchen', statusTopic: 'house/kitchen/status' });
  const o = online(r);
  t.deepEqual(o.pubs.map(show), ['house/kitchen/status=online q1 retained']);
  t.true(r.app.client.connected);
  ack(o.link, o.pubs);
  t.deepEqual(run(r, o.link, 1).map(show), ['house/kitchen=22.0 q1'], 'readings go to the configured topic');
});

test('lite app: every interval a reading on `temp` as a plain one-decimal string, QoS 1, not retained', (t) => {
  const r = rig(t, [21.5, 21.5625, -0.03125, -10.0625, 100]);
  const o = online(r);
  ack(o.link, o.pubs);
  r.p.advance(INTERVAL - 1);
  t.is(r.sensor.reads, 0, 'no read before the first interval');
  t.deepEqual(pubsOf(o.link.packets()), []);
  r.p.advance(1);
  t.is(r.sensor.reads, 1, 'the first read exactly one interval after start');
  const seen = drain(o.link, pubsOf(o.link.packets()));
  seen.push(...run(r, o.link, 4));
  t.deepEqual(seen.map(show), ['temp=21.5 q1', 'temp=21.6 q1', 'temp=0.0 q1', 'temp=-10.1 q1', 'temp=100.0 q1']);
  t.deepEqual(r.readings, ['21.5 sent', '21.5625 sent', '-0.03125 sent', '-10.0625 sent', '100 sent']);
  t.deepEqual(r.app.stats, { samples: 5, published: 5, queued: 0, dropped: 0, sensorErrors: 0 });
  r.p.advance(INTERVAL - 1);
  t.is(r.sensor.reads, 5, 'no read before the next interval is due');
});

test('lite app: qos 0 when configured: readings at QoS 0, status still QoS 1 retained', (t) => {
  const r = rig(t, [22, 22.5], { qos: 0 });
  const o = online(r);
  t.deepEqual(o.pubs.map(show), ['temp/status=online q1 retained']);
  ack(o.link, o.pubs);
  t.deepEqual(run(r, o.link, 2).map(show), ['temp=22.0 q0', 'temp=22.5 q0']);
  t.deepEqual(r.readings, ['22 sent', '22.5 sent']);
});

test('lite app: QoS 0 readings while offline are dropped and counted as NOT_CONNECTED, not queued', (t) => {
  const r = rig(t, [22, 22.5, 23], { qos: 0 });
  const o = online(r);
  ack(o.link, o.pubs);
  outage(r, o.link, 1);
  t.deepEqual(r.readings, ['22 NOT_CONNECTED']);
  t.is(r.app.stats.dropped, 1);
  t.is(r.app.stats.queued, 0);
  const o2 = online(r);
  const after = drain(o2.link, o2.pubs);
  t.false(after.some((p) => p.topic === 'temp'), 'a dropped QoS 0 reading never turns up later');
});

test('lite app: after the engine stalls past a sample, one late sample, then the period again (no burst)', (t) => {
  const r = rig(t, []);
  const o = online(r);
  ack(o.link, o.pubs);
  const start = r.p.time;
  const at: number[] = [];
  r.sensor.onRead = () => { at.push(r.p.time - start); };
  run(r, o.link, 2);
  // The engine was busy for 2.5 s (a long flash write, say): the timer due at 3000 fires late.
  r.p.time += 2500;
  r.p.advance(0);
  r.p.advance(2000);
  t.deepEqual(at, [1000, 2000, 4500, 5500, 6500]);
  t.is(r.app.stats.samples, 5);
});

// ---- a failing sensor ----

test('lite app: each kind of failed read (throw, NaN, out of range, 85 °C, not a number) gives `sensor-error`, never a number', (t) => {
  const bad: Array<[string, Step]> = [
    ['throws', THROW], ['NaN', NaN], ['126', 126], ['-56', -56], ['85 power-on', 85],
    ['Infinity', Infinity], ['string', { value: '21.5' }], ['undefined', { value: undefined }],
  ];
  for (const [name, step] of bad) {
    const r = rig(t, [step, 21]);
    const o = online(r);
    ack(o.link, o.pubs);
    t.deepEqual(run(r, o.link, 2).map(show),
      ['temp/status=sensor-error q1 retained', 'temp/status=online q1 retained', 'temp=21.0 q1'], name);
    t.deepEqual(r.readings, ['NaN sensor-error', '21 sent'], name);
    t.is(r.app.stats.sensorErrors, 1, name);
  }
});

test('lite app: the range edges -55 and 125 are readings, and 84.9375 / 85.0625 are not the power-on value', (t) => {
  const r = rig(t, [-55, 125, 84.9375, 85.0625]);
  const o = online(r);
  ack(o.link, o.pubs);
  t.deepEqual(run(r, o.link, 4).map(show), ['temp=-55.0 q1', 'temp=125.0 q1', 'temp=84.9 q1', 'temp=85.1 q1']);
});

test('lite app: a failing sensor publishes `sensor-error` once, then `online` and readings when it reads again', (t) => {
  const r = rig(t, [THROW, NaN, 85, 126, -56, THROW, 23.25, 23.5]);
  const o = online(r);
  ack(o.link, o.pubs);
  t.deepEqual(run(r, o.link, 8).map(show), [
    'temp/status=sensor-error q1 retained',
    'temp/status=online q1 retained', 'temp=23.3 q1', 'temp=23.5 q1',
  ]);
  t.is(r.app.stats.sensorErrors, 6);
  t.is(r.app.stats.published, 2);
  t.deepEqual(r.readings.slice(0, 6), Array(6).fill('NaN sensor-error'));
});

test('lite app: a reconnect while the sensor is failing re-publishes `sensor-error`, not `online`', (t) => {
  const r = rig(t, [THROW, THROW, THROW, THROW, THROW]);
  const o = online(r);
  ack(o.link, o.pubs);
  t.deepEqual(run(r, o.link, 1).map(show), ['temp/status=sensor-error q1 retained']);
  o.link.drop('reset');
  nextLink(r);
  const o2 = online(r);
  t.deepEqual(drain(o2.link, o2.pubs).map(show), ['temp/status=sensor-error q1 retained']);
});

// A newer retained status replaces an older unsent one (docs/CONTRACTS.md, issue 12): the broker
// keeps only the last retained message of a topic anyway, so the older ones were noise.
test('lite app: the sensor failing and recovering while offline: only the latest status goes out, after the readings', (t) => {
  const r = rig(t, [20, THROW, 21]);
  const o = online(r);
  ack(o.link, o.pubs);
  outage(r, o.link, 3);
  t.is(r.sensor.reads, 3);
  const o2 = online(r);
  t.deepEqual(drain(o2.link, o2.pubs).map(show), ['temp=20.0 q1', 'temp=21.0 q1', 'temp/status=online q1 retained']);
});

// Issue 12: a broker that accepts and then fails at once. Each link gets `online` (the will may
// have fired); none is acknowledged; the next `online`, published in onConnect before the outbox
// goes out, replaces the unacknowledged one. So the first good link carries one `online`, not one
// per failed link, behind the readings taken meanwhile.
test('lite app: a storm of accept-then-fail links leaves one `online` in the outbox, not one per link', (t) => {
  const r = rig(t, []);
  let links = 0;
  for (let i = 0; i < 8; i++) {
    const link = r.p.last();
    link.open();
    link.feed(connack(0));
    link.feed('\xc0\x00'); // a server PINGREQ: PROTOCOL_ERROR, the link closes
    links++;
    if (r.p.untilNextLink(61000) < 0) throw new Error('no reconnect');
  }
  const o = online(r);
  const seen = drain(o.link, o.pubs).map(show);
  t.is(links, 8);
  t.is(seen.filter((s) => s.startsWith('temp/status=')).length, 1, seen.join(', '));
  t.is(seen[seen.length - 1], 'temp/status=online q1 retained', 'the status is last, after the readings');
  t.true(seen.filter((s) => s.startsWith('temp=')).length > 0, 'readings taken during the storm are kept');
});

// ---- broker unreachable ----

test('lite app: broker unreachable: readings go to the outbox, then out in order before the new `online`, all PUBACKed', (t) => {
  const values = series(60);
  const r = rig(t, values.slice());
  const o = online(r);
  ack(o.link, o.pubs);
  t.deepEqual(run(r, o.link, 1).map(show), ['temp=20.0 q1']);
  o.link.drop('connection reset');
  const failed: ScriptedLiteLink[] = [];
  // Three failed attempts, each a different way: TCP refused; CONNACK 3 (server unavailable),
  // which is worth retrying; and a broker that accepts TCP but never answers (10 s CONNACK timeout).
  let l = nextLink(r);
  l.drop('ECONNREFUSED');
  failed.push(l);
  l = nextLink(r);
  l.open();
  l.feed(connack(3));
  failed.push(l);
  l = nextLink(r);
  l.open();
  failed.push(l);
  l = nextLink(r);
  t.true(failed[2].closedByClient, 'the silent broker was given up on');
  // the jittered backoff makes the clock fractional
  t.true(Math.abs(failed[2].closedAt - failed[2].createdAt - 10000) < 1e-6, '10 s after the attempt began');
  for (const f of failed) {
    t.deepEqual(f.packets().map((p) => p.cmd), f === failed[0] ? [] : ['connect'], 'nothing but CONNECT before a CONNACK');
  }
  t.false(r.app.client.connected);
  const queued = r.readings.filter((s) => / queued$/.test(s)).length;
  t.true(queued >= 10, 'sampling went on through the outage (' + queued + ' readings)');
  t.is(r.app.stats.queued, queued);
  t.is(r.app.stats.published, 1);
  t.is(r.app.stats.dropped, 0);
  t.is(r.app.stats.samples, 1 + queued);

  const o2 = online(r);
  const all = drain(o2.link, o2.pubs);
  t.deepEqual(all.map(show), [...temps(values.slice(1, 1 + queued)), 'temp/status=online q1 retained'],
    'the backlog, oldest first, each once, then the status');
  // each packet id once: a repeated id would make the broker treat a reading as a duplicate
  t.is(new Set(all.map((p) => p.messageId)).size, all.length);

  // Every one was PUBACKed and left the outbox: after another loss nothing is resent (a reading
  // sampled while this reconnect waits is new, with its own value).
  o2.link.drop('reset');
  nextLink(r);
  const o3 = online(r);
  const again = drain(o3.link, o3.pubs);
  const before = new Set(all.map(show));
  t.deepEqual(again.filter((p) => p.dup || before.has(show(p)) && p.topic === 'temp').map(show), []);
  t.is(again[again.length - 1] && show(again[again.length - 1]), 'temp/status=online q1 retained');
});

test('lite app: a reading in flight when the link dies is resent first, with DUP, and not lost', (t) => {
  const r = rig(t, [20, 21, 22]);
  const o = online(r);
  ack(o.link, o.pubs);
  r.p.advance(INTERVAL);
  const inflight = pubsOf(o.link.packets());
  t.deepEqual(inflight.map(show), ['temp=20.0 q1']);
  outage(r, o.link, 1); // before the PUBACK; 21 is sampled offline
  const o2 = online(r);
  const all = drain(o2.link, o2.pubs);
  t.deepEqual(all.slice(0, 3).map(show), ['temp=20.0 q1 dup', 'temp=21.0 q1', 'temp/status=online q1 retained']);
  t.is(all[0].messageId, inflight[0].messageId, 'the resend keeps its packet id');
});

test('lite app: with an ESP8266 window (maxInflight 4) a long backlog still goes out whole and in order', (t) => {
  const values = series(9);
  const r = rig(t, values.slice(), { maxInflight: 4 });
  const o = online(r);
  ack(o.link, o.pubs);
  outage(r, o.link, 9);
  t.is(r.app.stats.queued, 9);
  const o2 = online(r);
  t.deepEqual(o2.pubs.map(show), temps(values.slice(0, 4)), 'no more than the window before the first PUBACK');
  const all = drain(o2.link, o2.pubs);
  t.deepEqual(all.map(show), [...temps(values), 'temp/status=online q1 retained']);
});

// ---- a small outbox ----

// On the wire (and in the outbox) a reading '2x.y' on `temp` is 14 bytes, `online` on temp/status 23.
test('lite app: outbox full while offline: readings dropped as QUEUE_FULL and counted; later ones go out', (t) => {
  const r = rig(t, [20, 20.5, 21, 21.5, 22, 22.5, 23, 23.5], { outboxSize: 64 });
  const o = online(r);
  ack(o.link, o.pubs);
  outage(r, o.link, 6);
  t.deepEqual(r.readings, ['20 queued', '20.5 queued', '21 queued', '21.5 queued', '22 QUEUE_FULL', '22.5 QUEUE_FULL']);
  t.deepEqual(r.app.stats, { samples: 6, published: 0, queued: 4, dropped: 2, sensorErrors: 0 });
  const o2 = online(r);
  const backlog = drain(o2.link, o2.pubs).filter((p) => p.topic === 'temp');
  t.deepEqual(backlog.map(show), ['temp=20.0 q1', 'temp=20.5 q1', 'temp=21.0 q1', 'temp=21.5 q1'],
    'the oldest readings were kept, the dropped ones never appear');
  // once the backlog is acknowledged there is room again: first for the `online` the full outbox
  // refused at the reconnect, then for the readings
  t.deepEqual(run(r, o2.link, 2).map(show), ['temp/status=online q1 retained', 'temp=23.0 q1', 'temp=23.5 q1']);
  t.deepEqual(r.readings.slice(6), ['23 sent', '23.5 sent']);
  t.is(r.app.stats.dropped, 2);
});

test('lite app: outbox full while connected (broker slow to PUBACK): QUEUE_FULL, then readings resume after the acks', (t) => {
  const r = rig(t, [20, 20.5, 21, 21.5, 22, 22.5], { outboxSize: 40 });
  const o = online(r);
  ack(o.link, o.pubs);
  r.p.advance(3 * INTERVAL); // the broker says nothing
  const unacked = pubsOf(o.link.packets());
  t.deepEqual(unacked.map(show), ['temp=20.0 q1', 'temp=20.5 q1']);
  t.deepEqual(r.readings, ['20 sent', '20.5 sent', '21 QUEUE_FULL']);
  t.true(r.app.client.connected, 'a full outbox is not a connection problem');
  ack(o.link, unacked);
  t.deepEqual(run(r, o.link, 2).map(show), ['temp=21.5 q1', 'temp=22.0 q1']);
  t.deepEqual(r.app.stats, { samples: 5, published: 4, queued: 0, dropped: 1, sensorErrors: 0 });
});

// ---- stop() ----

test('lite app: stop() while connected: `offline` retained (QoS 0, written at once), then DISCONNECT; no more samples or links', (t) => {
  const r = rig(t, [20, 21]);
  const o = online(r);
  ack(o.link, o.pubs);
  t.deepEqual(run(r, o.link, 1).map(show), ['temp=20.0 q1']);
  r.app.stop();
  const ps = o.link.packets();
  t.deepEqual(ps.map((p) => p.cmd === 'publish' ? show(p) : p.cmd), ['temp/status=offline q0 retained', 'disconnect']);
  t.true(o.link.closedByClient);
  t.false(r.app.client.connected);
  t.is(r.p.pendingTimers, 0, 'no sampling or reconnect timer left behind');
  r.p.advance(120000);
  t.is(r.sensor.reads, 1);
  t.is(r.p.links.length, 1);
  r.app.stop(); // twice is harmless
  t.is(o.link.take(), '');
});

test('lite app: stop() while offline writes nothing (the will speaks) and stops reconnecting and sampling', (t) => {
  const r = rig(t, [20, 21]);
  const o = online(r);
  ack(o.link, o.pubs);
  o.link.drop('reset');
  r.app.stop();
  t.is(o.link.take(), '');
  r.p.advance(120000);
  t.is(r.p.links.length, 1, 'no reconnect after stop()');
  t.is(r.sensor.reads, 0);
  t.is(r.p.pendingTimers, 0);
});

// ---- statuses the client could not take at once ----
// The app retries a status the outbox had no room for, and says `offline` at QoS 0 on stop() so it
// is written ahead of the DISCONNECT; otherwise a dashboard's retained status could stay wrong.

test('lite app: after a reconnect with a full outbox, `online` still reaches the broker', (t) => {
  const r = rig(t, series(20), { outboxSize: 64 });
  const o = online(r);
  ack(o.link, o.pubs);
  outage(r, o.link, 6); // 4 readings fill the outbox; the broker has published the will `offline`
  const o2 = online(r);
  const seen = drain(o2.link, o2.pubs);
  seen.push(...run(r, o2.link, 5));
  t.true(seen.some((p) => p.topic === 'temp'), 'readings flow again');
  t.true(seen.map(show).includes('temp/status=online q1 retained'),
    'otherwise the retained status stays `offline` while readings arrive');
});

test('lite app: stop() with the in-flight window full still leaves `offline` behind', (t) => {
  const r = rig(t, [], { maxInflight: 1 });
  const l = r.p.last();
  l.open();
  l.feed(connack(0));
  t.deepEqual(pubsOf(l.packets()).map(show), ['temp/status=online q1 retained']); // not yet PUBACKed
  r.app.stop();
  const seen = l.packets().map((p) => p.cmd === 'publish' ? show(p) : p.cmd);
  // Either `offline` is written, or no DISCONNECT, so that the broker publishes the will.
  t.true(seen.includes('temp/status=offline q0 retained') || !seen.includes('disconnect'),
    'got ' + JSON.stringify(seen) + ': a clean DISCONNECT without `offline` leaves `online` retained');
});

test('lite app: a sensor failing while the outbox is full still gets `sensor-error` out', (t) => {
  const r = rig(t, [20, 20.5, THROW, THROW, THROW, THROW], { outboxSize: 40 });
  const o = online(r);
  ack(o.link, o.pubs);
  r.p.advance(3 * INTERVAL); // the broker is slow: 20 and 20.5 fill the outbox, then the sensor fails
  const seen = pubsOf(o.link.packets());
  ack(o.link, seen);
  seen.push(...run(r, o.link, 3));
  t.deepEqual(seen.map(show), ['temp=20.0 q1', 'temp=20.5 q1', 'temp/status=sensor-error q1 retained'],
    'otherwise the retained status stays `online` while no readings come');
});
