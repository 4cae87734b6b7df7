// The lite client (src/lite/client.ts) over a scripted byte-string platform: what an application
// sees (return values, callbacks and their timing) and what goes on the wire, read back by
// mqtt-packet. No network, no real time: the clock moves only when a test advances it.
import anyTest from 'ava';
import type { TestFn, ExecutionContext } from 'ava';
import type { Packet, IPublishPacket, IConnectPacket, ISubscribePacket, IUnsubscribePacket } from 'mqtt-packet';
import { LiteClient } from '../src/lite/client.js';
import type { LiteOptions } from '../src/lite/types.js';
import { MqttError } from '../src/errors.js';
import {
  ScriptedLitePlatform, ScriptedLiteLink, connack, puback, suback, unsuback, pingresp, publish, gen,
  payloadOf, parsePackets,
} from './helpers/scripted-lite-platform.js';

interface Ctx { platforms: ScriptedLitePlatform[] }
const test = anyTest as TestFn<Ctx>;
type T = ExecutionContext<Ctx>;

test.beforeEach((t) => { t.context.platforms = []; });
// Whatever a test did, the client must never write to a link it closed or that died.
test.afterEach((t) => {
  for (const p of t.context.platforms) t.is(p.lateWrites, 0, 'writes on a closed or dropped link');
});

interface Rig { p: ScriptedLitePlatform; c: LiteClient; log: string[]; errors: MqttError[] }

type Opts = Partial<LiteOptions>;

function rig(t: T, extra?: Opts, deviceId?: string): Rig {
  const p = new ScriptedLitePlatform(deviceId);
  t.context.platforms.push(p);
  const c = new LiteClient({ url: 'mqtt://broker.test', clientId: 'dev1', platform: p, ...extra } as LiteOptions);
  const log: string[] = [], errors: MqttError[] = [];
  c.onConnect = (sp) => { log.push('connect ' + sp); };
  c.onMessage = (topic, payload, info) => {
    log.push('message ' + topic + ' ' + payload + ' q' + info.qos + (info.retain ? ' retain' : '') + (info.dup ? ' dup' : ''));
  };
  c.onError = (e) => { errors.push(e); log.push('error ' + e.code); };
  c.onClose = () => { log.push('close'); };
  return { p, c, log, errors };
}

/** connect() through CONNACK 0 on a fresh link; returns the link with CONNECT (and whatever followed) taken. */
function online(r: Rig, sessionPresent?: boolean): ScriptedLiteLink {
  r.c.connect();
  const l = r.p.last();
  l.open();
  l.feed(connack(0, sessionPresent));
  l.take();
  return l;
}

/** The next link after a loss, through CONNACK 0; returns it with its packets not taken. */
function reconnect(r: Rig): ScriptedLiteLink {
  const n = r.p.links.length;
  r.p.untilNextLink(61000);
  if (r.p.links.length === n) throw new Error('no reconnect within 61 s');
  const l = r.p.last();
  l.open();
  l.feed(connack(0));
  return l;
}

function pub(p: Packet): IPublishPacket {
  if (p.cmd !== 'publish') throw new Error('expected a PUBLISH, got ' + p.cmd);
  return p;
}
/** One line per packet, for comparing whole sequences. */
function show(p: Packet): string {
  switch (p.cmd) {
    case 'publish':
      return 'publish ' + p.topic + ' ' + payloadOf(p) + ' q' + p.qos + (p.qos ? ' id' + p.messageId : '') +
        (p.dup ? ' dup' : '') + (p.retain ? ' retain' : '');
    case 'subscribe': return 'subscribe ' + p.subscriptions.map((s) => s.topic + ' q' + s.qos).join(',');
    case 'unsubscribe': return 'unsubscribe ' + p.unsubscriptions.join(',');
    case 'puback': return 'puback ' + p.messageId;
    default: return p.cmd;
  }
}
function shows(l: ScriptedLiteLink): string[] { return l.packets().map(show); }

/** The code of the MqttError fn throws, or a description of what else happened. */
function thrownCode(fn: () => unknown): string {
  try { fn(); } catch (e) { return e instanceof MqttError ? e.code : 'non-MqttError: ' + String(e); }
  return 'no throw';
}

// ---- constructor and URL ----

test('lite: URL scheme picks port and TLS; host and explicit port reach platform.connect', (t) => {
  const cases: Array<[string, string, number, boolean]> = [
    ['mqtt://broker.test', 'broker.test', 1883, false],
    ['mqtts://broker.test', 'broker.test', 8883, true],
    ['mqtt://broker.test:1884', 'broker.test', 1884, false],
    ['mqtt://10.0.0.7:1885/', '10.0.0.7', 1885, false],
    ['mqtts://u:p@broker.test:8884', 'broker.test', 8884, true],
  ];
  for (const [url, host, port, secure] of cases) {
    const r = rig(t, { url });
    r.c.connect();
    const l = r.p.last();
    t.deepEqual([l.host, l.port, l.secure], [host, port, secure], url);
  }
});

test('lite: only mqtt:// and mqtts:// (no tcp:// or ssl:// aliases on the lite client)', (t) => {
  const p = new ScriptedLitePlatform();
  for (const url of ['tcp://h', 'ssl://h']) t.is(thrownCode(() => new LiteClient({ url, platform: p })), 'INVALID_ARGUMENT', url);
});

test('lite: constructor throws MqttError INVALID_ARGUMENT for bad URLs and numeric options', (t) => {
  const p = new ScriptedLitePlatform();
  const bad = ['http://h', 'ws://h:80', 'h:1883', '', 'mqtt://', 'mqtt://:1883', 'mqtt://h:abc', 'mqtt://h:70000', 'mqtt://h:0', 'mqtt://h:'];
  for (const url of bad) t.is(thrownCode(() => new LiteClient({ url, platform: p })), 'INVALID_ARGUMENT', url);
  const opts: Opts[] = [
    { keepalive: -1 }, { keepalive: 65536 }, { keepalive: NaN }, { maxInflight: 0 }, { outboxSize: -1 },
    { receiveBufferSize: -1 }, { transmitBufferSize: NaN },
  ];
  for (const o of opts) {
    t.is(thrownCode(() => new LiteClient({ url: 'mqtt://h', platform: p, ...o } as LiteOptions)), 'INVALID_ARGUMENT', JSON.stringify(o) || String(o));
  }
  t.is(p.links.length, 0);
});

// ---- CONNECT ----

test('lite: nothing written before the link opens; then one CONNECT with the defaults', (t) => {
  const r = rig(t);
  r.c.connect();
  const l = r.p.last();
  t.is(l.take(), '', 'nothing before onOpen');
  l.open();
  const ps = l.packets();
  t.is(ps.length, 1);
  const c = ps[0] as IConnectPacket;
  t.is(c.cmd, 'connect');
  t.is(c.protocolId, 'MQTT');
  t.is(c.protocolVersion, 4);
  t.is(c.clientId, 'dev1');
  t.is(c.clean, true);
  t.is(c.keepalive, 60);
  t.falsy(c.will);
  t.is(c.username, undefined);
  t.is(c.password, undefined);
  t.false(r.c.connected, 'not connected before CONNACK');
});

test('lite: CONNECT always asks for a clean session (there is no clean option)', (t) => {
  const r = rig(t, { clean: false } as Opts);
  r.c.connect();
  r.p.last().open();
  t.is((r.p.last().packets()[0] as IConnectPacket).clean, true);
});

test('lite: CONNECT carries will, keepalive and percent-decoded URL credentials', (t) => {
  const r = rig(t, {
    url: 'mqtt://us%40er:p%3Aw%2F%25@broker.test:1884', keepalive: 30,
    will: { topic: 'dev/status', payload: 'gone\u0000\u00ff', qos: 1, retain: true },
  });
  r.c.connect();
  const l = r.p.last();
  l.open();
  const c = l.packets()[0] as IConnectPacket;
  t.is(c.username, 'us@er');
  t.is((c.password as Buffer).toString('latin1'), 'p:w/%');
  t.is(c.clean, true);
  t.is(c.keepalive, 30);
  t.truthy(c.will);
  const w = c.will!;
  t.deepEqual([w.topic, Buffer.from(w.payload as Buffer).toString('latin1'), w.qos, w.retain], ['dev/status', 'gone\u0000\u00ff', 1, true]);

  const r2 = rig(t, { url: 'mqtt://a:b@h', username: 'opt', password: 'secret', will: { topic: 'w', payload: '' } });
  r2.c.connect();
  r2.p.last().open();
  const c2 = r2.p.last().packets()[0] as IConnectPacket;
  t.is(c2.username, 'opt', 'options override the URL');
  t.is((c2.password as Buffer).toString('latin1'), 'secret');
  t.deepEqual([c2.will!.topic, c2.will!.qos, c2.will!.retain], ['w', 0, false]);

  const r3 = rig(t, { url: 'mqtt://solo@h' });
  r3.c.connect();
  r3.p.last().open();
  const c3 = r3.p.last().packets()[0] as IConnectPacket;
  t.is(c3.username, 'solo');
  t.is(c3.password, undefined);
});

test('lite: without clientId, CONNECT carries a random one, different per client', (t) => {
  const ids: string[] = [];
  for (let i = 0; i < 2; i++) {
    const r = rig(t, { clientId: undefined });
    r.c.connect();
    r.p.last().open();
    ids.push((r.p.last().packets()[0] as IConnectPacket).clientId);
  }
  t.true(ids[0].length > 0 && ids[0].length <= 23, ids[0]);
  t.not(ids[0], ids[1]);
});

// ---- CONNACK ----

test('lite: CONNACK 0 sets connected and calls onConnect(sessionPresent)', (t) => {
  const r = rig(t);
  r.c.connect();
  const l = r.p.last();
  l.open();
  t.false(r.c.connected);
  let seen = null as boolean | null;
  r.c.onConnect = (sp) => { seen = sp; r.log.push('connect ' + sp + ' ' + r.c.connected); };
  l.feed(connack(0, true));
  t.true(r.c.connected);
  t.is(seen, true);
  t.deepEqual(r.log, ['connect true true'], 'connected is already true inside onConnect');
});

test('lite: CONNACK refusals: each code reported; 2, 4, 5 stop retrying, 1 and 3 retry', (t) => {
  const codes = ['', 'PROTOCOL_VERSION', 'IDENTIFIER_REJECTED', 'SERVER_UNAVAILABLE', 'BAD_CREDENTIALS', 'NOT_AUTHORIZED'];
  for (let rc = 1; rc <= 5; rc++) {
    const r = rig(t);
    r.c.connect();
    const l = r.p.last();
    l.open();
    l.take();
    l.feed(connack(rc));
    t.deepEqual(r.log, ['error CONNACK_REFUSED_' + codes[rc]], 'rc ' + rc + ': one error, no onConnect, no onClose');
    t.false(r.c.connected);
    t.true(l.closedByClient, 'rc ' + rc + ': link closed');
    const fatal = rc === 2 || rc === 4 || rc === 5;
    const d = r.p.untilNextLink(600000);
    if (fatal) t.is(d, -1, 'rc ' + rc + ': no retry in 10 minutes');
    else t.true(d >= 500 && d <= 1000, 'rc ' + rc + ': retry after ' + d + ' ms');
  }
});

// ---- reconnect backoff ----

/** Refuses `n` links in a row at once; returns the delay before each next attempt. */
function refusedDelays(r: Rig, n: number): number[] {
  r.c.connect();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    r.p.last().drop('refused');
    out.push(r.p.untilNextLink(61000));
  }
  return out;
}

test('lite: reconnect delays start at 1 s, double up to 60 s, jitter only shortens them', (t) => {
  const r = rig(t);
  const delays = refusedDelays(r, 14);
  let nominal = 1000;
  for (let i = 0; i < delays.length; i++) {
    t.true(delays[i] >= nominal / 2 && delays[i] <= nominal, 'attempt ' + i + ': ' + delays[i] + ' ms, nominal ' + nominal);
    nominal = Math.min(nominal * 2, 60000);
  }
  t.is(r.errors.filter((e) => e.code !== 'CONNECTION_LOST').length, 0);
  t.false(r.log.includes('close'), 'never connected: no onClose');
});

test('lite: with the random part fixed, each delay is exactly the doubled nominal one times a constant', (t) => {
  const saved = Math.random;
  for (const fixed of [0, 0.5, 0.999999]) {
    Math.random = () => fixed;
    let delays: number[];
    try {
      delays = refusedDelays(rig(t), 9);
    } finally {
      Math.random = saved;
    }
    const nominal = [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000];
    const k = delays[0] / nominal[0];
    t.true(k >= 0.5 && k <= 1, 'factor ' + k);
    for (let i = 0; i < nominal.length; i++) {
      t.true(Math.abs(delays[i] - k * nominal[i]) <= 1, 'random ' + fixed + ', attempt ' + i + ': ' + delays[i] + ' ms');
    }
  }
});

// The backoff resets only after a healthy link: see the issue 12.1 tests at the end.

test('lite: a link lost after CONNACK: CONNECTION_LOST with the reason, onClose once, reconnect', (t) => {
  const r = rig(t);
  const l = online(r);
  l.drop('ECONNRESET by peer');
  t.false(r.c.connected);
  t.deepEqual(r.log, ['connect false', 'error CONNECTION_LOST', 'close']);
  t.true(r.errors[0].message.includes('ECONNRESET by peer'), r.errors[0].message);
  const d = r.p.untilNextLink(61000);
  t.true(d >= 500 && d <= 1000, 'reconnect after ' + d);
  const l2 = r.p.last();
  l2.open();
  t.deepEqual(l2.cmds(), ['connect']);
  l2.feed(connack(0));
  t.true(r.c.connected);
  t.deepEqual(r.log.slice(3), ['connect false']);
});

test('lite: a link refused before it opens: CONNECTION_LOST, no onClose', (t) => {
  const r = rig(t);
  r.c.connect();
  r.p.last().drop('ECONNREFUSED');
  t.deepEqual(r.log, ['error CONNECTION_LOST']);
  t.true(r.errors[0].message.includes('ECONNREFUSED'));
});

// ---- connect timeout ----

test('lite: no CONNACK within connectTimeout → CONNECT_TIMEOUT, link closed, retry; a late CONNACK is ignored', (t) => {
  const r = rig(t);
  r.c.connect();
  const l = r.p.last();
  l.open();
  r.p.advance(9999);
  t.deepEqual(r.log, [], 'nothing before 10 s');
  t.false(l.closedByClient);
  r.p.advance(1);
  t.deepEqual(r.log, ['error CONNECT_TIMEOUT']);
  t.true(l.closedByClient);
  l.feed(connack(0));
  t.false(r.c.connected, 'CONNACK on the timed-out link does not count');
  t.deepEqual(r.log, ['error CONNECT_TIMEOUT']);
  const d = r.p.untilNextLink(61000);
  t.true(d >= 500 && d <= 1000, 'retry after ' + d);
});

test('lite: a link that never opens also ends in CONNECT_TIMEOUT and a retry', (t) => {
  const r = rig(t);
  r.c.connect();
  const l = r.p.last();
  r.p.advance(10000);
  t.deepEqual(r.log, ['error CONNECT_TIMEOUT']);
  t.true(l.closedByClient);
  l.open(); // the old link opening late must not make the client write on it
  t.is(l.allWritten, '');
  t.true(r.p.untilNextLink(1000) >= 0);
});

// ---- publish ----

test('lite: QoS 0 publish: sent when connected (fields as mqtt-packet reads them), NOT_CONNECTED offline', (t) => {
  const r = rig(t);
  t.is(r.c.publish('a/b', 'x', 0), 'NOT_CONNECTED');
  t.is(r.c.publish('a/b', 'x'), 'NOT_CONNECTED', 'QoS defaults to 0');
  const l = online(r);
  t.deepEqual(l.packets(), [], 'the offline QoS 0 messages were not kept');
  t.is(r.c.publish('a/b', 'hello', 0, true), 'sent');
  t.is(r.c.publish('c', '', 0), 'sent');
  t.deepEqual(shows(l), ['publish a/b hello q0 retain', 'publish c  q0']);
});

test('lite: payloads are byte strings: all 256 byte values go out and come in unchanged', (t) => {
  let all = '';
  for (let i = 0; i < 256; i++) all += String.fromCharCode(i);
  const r = rig(t);
  const l = online(r);
  t.is(r.c.publish('bin', all, 1), 'sent');
  t.is(payloadOf(pub(l.packets()[0])), all);
  let got = '';
  r.c.onMessage = (_topic, payload) => { got = payload; };
  l.feed(publish('bin', all));
  t.is(got, all);
});

test('lite: invalid topic names → TOPIC_INVALID, nothing stored or written', (t) => {
  const r = rig(t);
  const bad = ['', 'a/+', 'a/#', '#', '+', 'a+', 'a\u0000b'];
  for (const topic of bad) {
    t.is(r.c.publish(topic, 'x', 1), 'TOPIC_INVALID', JSON.stringify(topic) + ' offline');
  }
  const l = online(r);
  t.deepEqual(l.packets(), [], 'nothing was queued');
  for (const topic of bad) {
    t.is(r.c.publish(topic, 'x', 0), 'TOPIC_INVALID', JSON.stringify(topic) + ' QoS 0');
    t.is(r.c.publish(topic, 'x', 1), 'TOPIC_INVALID', JSON.stringify(topic) + ' QoS 1');
  }
  t.deepEqual(l.packets(), []);
});

test('lite: a packet over transmitBufferSize → PACKET_TOO_LARGE; exactly the size fits', (t) => {
  const r = rig(t);
  const l = online(r);
  // topic "t": 2 + 1 bytes, QoS 1 id 2 bytes, fixed header 3 bytes for 128..16383 remaining
  t.is(r.c.publish('t', 'x'.repeat(506), 0), 'sent');
  t.is(l.take().length, 512);
  t.is(r.c.publish('t', 'x'.repeat(507), 0), 'PACKET_TOO_LARGE');
  t.is(r.c.publish('t', 'x'.repeat(504), 1), 'sent');
  t.is(l.take().length, 512);
  t.is(r.c.publish('t', 'x'.repeat(505), 1), 'PACKET_TOO_LARGE');
  t.is(l.take(), '');

  const r2 = rig(t, { transmitBufferSize: 64 });
  // 2 + 1 + 2 + 57 = 62 remaining, one length byte: 64
  t.is(r2.c.publish('t', 'x'.repeat(57), 1), 'queued');
  t.is(r2.c.publish('t', 'x'.repeat(58), 1), 'PACKET_TOO_LARGE');
  const l2 = online(r2);
  t.deepEqual(parsePackets(l2.allWritten).slice(1).map((p) => payloadOf(pub(p)).length), [57]);
});

test('lite: QoS 1 publish: sent with an id, PUBACK frees it (not resent after a reconnect)', (t) => {
  const r = rig(t);
  const l = online(r);
  t.is(r.c.publish('a', 'one', 1), 'sent');
  t.is(r.c.publish('b', 'two', 1, true), 'sent');
  const [p1, p2] = l.packets().map(pub);
  t.deepEqual([p1.topic, payloadOf(p1), p1.qos, p1.dup, p1.retain], ['a', 'one', 1, false, false]);
  t.deepEqual([p2.topic, payloadOf(p2), p2.qos, p2.dup, p2.retain], ['b', 'two', 1, false, true]);
  t.true(p1.messageId! >= 1 && p1.messageId! <= 65535);
  t.not(p1.messageId, p2.messageId);
  l.feed(puback(p1.messageId!));
  l.drop('cut');
  const l2 = reconnect(r);
  t.deepEqual(shows(l2).slice(1), ['publish b two q1 id' + p2.messageId + ' dup retain'], 'only the unacknowledged one again');
});

test('lite: QoS 1 offline is queued and written on connect in order, without DUP', (t) => {
  const r = rig(t);
  t.is(r.c.publish('q/1', 'a', 1), 'queued');
  t.is(r.c.publish('q/2', 'b', 1), 'queued');
  r.c.connect();
  const l = r.p.last();
  t.is(r.c.publish('q/3', 'c', 1), 'queued', 'connecting is not connected');
  l.open();
  t.deepEqual(l.cmds(), ['connect'], 'nothing before CONNACK');
  l.feed(connack(0));
  const ps = l.packets().map(pub);
  t.deepEqual(ps.map((p) => p.topic + ' ' + payloadOf(p) + ' ' + p.dup), ['q/1 a false', 'q/2 b false', 'q/3 c false']);
  t.is(new Set(ps.map((p) => p.messageId)).size, 3, 'three distinct ids');
});

test('lite: outbox bound: QUEUE_FULL stores nothing; a PUBACK makes room', (t) => {
  // 't' + 20 bytes at QoS 1: a body of 2 + 1 + 2 + 20 = 25 bytes, stored in 3 + 25 = 28
  const r = rig(t, { outboxSize: 100 });
  const m = 'm'.repeat(19);
  t.is(r.c.publish('t', m + '1', 1), 'queued');
  t.is(r.c.publish('t', m + '2', 1), 'queued');
  t.is(r.c.publish('t', m + '3', 1), 'queued');
  t.is(r.c.publish('t', m + '4', 1), 'QUEUE_FULL', '112 bytes > 100');
  t.is(r.c.publish('t', 's', 1), 'queued', 'the refused one took no room: 84 + 9 fits');
  const l = online(r);
  // online() took the packets: look at all that was written after CONNECT
  const written = parsePackets(l.allWritten).slice(1).map(pub);
  t.deepEqual(written.map((p) => payloadOf(p).slice(-1)), ['1', '2', '3', 's']);
  t.is(r.c.publish('t', m + '5', 1), 'QUEUE_FULL');
  l.feed(puback(written[0].messageId!));
  t.is(r.c.publish('t', m + '5', 1), 'sent', 'room again after a PUBACK');
  t.deepEqual(l.packets().map((p) => payloadOf(pub(p))), [m + '5']);
  t.is(r.c.publish('t', m + '6', 1), 'QUEUE_FULL');
});

test('lite: maxInflight: beyond it publish is queued, then written one per PUBACK, in order', (t) => {
  const r = rig(t, { maxInflight: 2 });
  const l = online(r);
  const res = ['1', '2', '3', '4', '5'].map((s) => r.c.publish('t', s, 1));
  t.deepEqual(res, ['sent', 'sent', 'queued', 'queued', 'queued']);
  let ps = l.packets().map(pub);
  t.deepEqual(ps.map(payloadOf), ['1', '2']);
  t.is(r.c.publish('t', '0', 0), 'sent', 'QoS 0 is not held back by the window');
  t.deepEqual(l.packets().map(payloadOf as (p: Packet) => string), ['0']);
  l.feed(puback(ps[1].messageId!));
  const p3 = l.packets().map(pub);
  t.deepEqual(p3.map(payloadOf), ['3'], 'one PUBACK lets one queued message go');
  l.feed(puback(ps[0].messageId!) + puback(p3[0].messageId!));
  ps = l.packets().map(pub);
  t.deepEqual(ps.map(payloadOf), ['4', '5']);
  t.is(r.c.publish('t', '6', 1), 'queued');
  t.deepEqual(l.packets(), []);
});

test('lite: packet ids stay in 1..65535 and never reuse one still waiting for PUBACK', (t) => {
  const r = rig(t);
  const l = online(r);
  t.is(r.c.publish('keep', 'k', 1), 'sent');
  const kept = pub(l.packets()[0]).messageId!;
  let wrapped = false, prev = 0;
  for (let i = 0; i < 70000; i++) {
    // no t.is in this loop: 70 000 assertions would take ava minutes
    const res = r.c.publish('t', 'x', 1);
    const s = l.take(); // 0x32, 6, 0, 1, 't', id, 'x'
    if (res !== 'sent' || s.length !== 8 || s.charCodeAt(0) !== 0x32) { t.fail(res + ', unexpected bytes at ' + i); return; }
    const id = (s.charCodeAt(5) << 8) | s.charCodeAt(6);
    if (id < 1 || id > 65535 || id === kept) { t.fail('id ' + id + ' at ' + i + ' (kept ' + kept + ')'); return; }
    if (id < prev) wrapped = true;
    prev = id;
    l.feed('\u0040\u0002' + s.substring(5, 7));
  }
  t.true(wrapped, 'ids wrapped around');
  l.feed(puback(kept));
  t.is(r.c.publish('t', 'x', 1), 'sent');
});

test('lite: no retransmission while connected, however long the PUBACK takes', (t) => {
  const r = rig(t, { keepalive: 10 });
  const l = online(r);
  r.c.publish('t', 'x', 1);
  l.take();
  l.onWrite = (d) => { if (d.charCodeAt(0) === 0xc0) l.feedLater(pingresp()); };
  r.p.advance(300000);
  t.deepEqual(l.cmds().filter((c) => c !== 'pingreq'), []);
  t.true(r.c.connected);
  t.deepEqual(r.errors, []);
});

test('lite: on reconnect: SUBSCRIBEs, then onConnect, then unacknowledged PUBLISHes with DUP and the same id, then new ones', (t) => {
  const r = rig(t, { maxInflight: 2 });
  r.c.subscribe('s/1', 1);
  r.c.subscribe('s/2', 0);
  const l = online(r);
  t.is(r.c.publish('a', '1', 1), 'sent');
  t.is(r.c.publish('b', '2', 1), 'sent');
  t.is(r.c.publish('c', '3', 1), 'queued');
  const [pa, pb] = l.packets().map(pub);
  l.drop('cut');
  t.is(r.c.publish('d', '4', 1), 'queued', 'offline');
  r.p.untilNextLink(61000);
  const l2 = r.p.last();
  l2.open();
  l2.take();
  let atConnect: string[] = [];
  r.c.onConnect = () => { atConnect = shows(l2); };
  l2.feed(connack(0, true));
  t.deepEqual(atConnect, ['subscribe s/1 q1', 'subscribe s/2 q0'], 'the filters go out before onConnect, the outbox after it');
  t.deepEqual(shows(l2), [
    'publish a 1 q1 id' + pa.messageId + ' dup', 'publish b 2 q1 id' + pb.messageId + ' dup',
  ], 'the window (2) is full with the resent ones');
  l2.feed(puback(pa.messageId!));
  const pc = l2.packets().map(pub);
  t.deepEqual(pc.map((p) => p.topic + ' ' + p.dup), ['c false'], 'never-sent ones go without DUP');
  l2.feed(puback(pb.messageId!) + puback(pc[0].messageId!));
  t.deepEqual(l2.packets().map((p) => pub(p).topic + ' ' + pub(p).dup), ['d false']);
});

// ---- subscribe / unsubscribe ----

test('lite: subscribe offline is queued and sent on connect, one SUBSCRIBE per filter, with its QoS', (t) => {
  const r = rig(t);
  t.is(r.c.subscribe('a/+', 1), 'queued');
  t.is(r.c.subscribe('b/#'), 'queued');
  r.c.connect();
  const l = r.p.last();
  l.open();
  l.take();
  l.feed(connack(0));
  const ps = l.packets() as ISubscribePacket[];
  t.deepEqual(ps.map(show), ['subscribe a/+ q1', 'subscribe b/# q0']);
  t.true(ps.every((p) => p.messageId! >= 1 && p.messageId! <= 65535));
  t.not(ps[0].messageId, ps[1].messageId);
});

test('lite: subscribe online is sent at once; SUBACK 0x80 → SUBSCRIBE_FAILED and the link stays', (t) => {
  const r = rig(t);
  const l = online(r);
  t.is(r.c.subscribe('x/y', 1), 'sent');
  const s = l.packets() as ISubscribePacket[];
  t.deepEqual(s.map(show), ['subscribe x/y q1']);
  l.feed(suback(s[0].messageId!, [1]));
  t.deepEqual(r.errors, []);
  t.is(r.c.subscribe('denied', 0), 'sent');
  const d = l.packets() as ISubscribePacket[];
  l.feed(suback(d[0].messageId!, [0x80]));
  t.deepEqual(r.errors.map((e) => e.code), ['SUBSCRIBE_FAILED']);
  t.true(r.c.connected);
  t.true(l.isOpen);
  l.feed(publish('x/y', 'still'));
  t.is(r.log[r.log.length - 1], 'message x/y still q0');
});

test('lite: filters are resubscribed on every reconnect; unsubscribe online writes UNSUBSCRIBE and forgets', (t) => {
  const r = rig(t);
  r.c.subscribe('keep/#', 0);
  r.c.subscribe('gone/+', 1);
  online(r);
  r.p.last().drop('cut');
  const l2 = reconnect(r);
  t.deepEqual(shows(l2).slice(1), ['subscribe keep/# q0', 'subscribe gone/+ q1']);
  t.is(r.c.unsubscribe('gone/+'), 'sent');
  const u = l2.packets() as IUnsubscribePacket[];
  t.deepEqual(u.map(show), ['unsubscribe gone/+']);
  l2.feed(unsuback(u[0].messageId!));
  t.true(r.c.connected);
  l2.drop('cut');
  const l3 = reconnect(r);
  t.deepEqual(shows(l3).slice(1), ['subscribe keep/# q0']);
  t.deepEqual(r.errors.map((e) => e.code), ['CONNECTION_LOST', 'CONNECTION_LOST']);
});

test('lite: unsubscribe offline: the filter is not subscribed on connect', (t) => {
  const r = rig(t);
  r.c.subscribe('a', 0);
  r.c.subscribe('b', 0);
  t.is(r.c.unsubscribe('a'), 'queued');
  r.c.connect();
  const l = r.p.last();
  l.open();
  l.feed(connack(0));
  t.deepEqual(shows(l).filter((s) => s.startsWith('subscribe')), ['subscribe b q0']);
});

test('lite: invalid filters → TOPIC_INVALID for subscribe and unsubscribe; whole-level wildcards are fine', (t) => {
  const r = rig(t);
  const l = online(r);
  for (const f of ['', 'a/#/b', 'a#', 'a/b#', '#/', '+a', 'a/+b', 'a/b+', 'a\u0000b']) {
    t.is(r.c.subscribe(f, 0), 'TOPIC_INVALID', JSON.stringify(f));
    t.is(r.c.unsubscribe(f), 'TOPIC_INVALID', JSON.stringify(f));
  }
  t.deepEqual(l.packets(), []);
  const good = ['#', '+', 'a/+/b', '+/+', 'a/#', '/', 'a//b', '+/#', '$SYS/#'];
  for (const f of good) t.is(r.c.subscribe(f, 0), 'sent', f);
  t.deepEqual(shows(l), good.map((f) => 'subscribe ' + f + ' q0'));
});

// ---- incoming messages ----

test('lite: every message goes to onMessage, whatever the filters, $ topics included, with its flags', (t) => {
  const r = rig(t);
  r.c.subscribe('a/+/c', 0);
  r.c.subscribe('#', 1);
  const l = online(r);
  r.log.length = 0;
  l.feed(publish('a/b/c', 'p'));
  l.feed(publish('$SYS/x', 'q', { qos: 1, id: 9 }));
  l.feed(publish('other', '', { retain: true }));
  t.deepEqual(r.log, ['message a/b/c p q0', 'message $SYS/x q q1', 'message other  q0 retain']);
});

test('lite: message info carries qos, retain and dup', (t) => {
  const r = rig(t);
  const l = online(r);
  l.feed(publish('t', 'a', { qos: 1, id: 5, retain: true, dup: true }));
  l.feed(publish('t', 'b', { retain: true }));
  l.feed(publish('t', 'c'));
  t.deepEqual(r.log.slice(1), ['message t a q1 retain dup', 'message t b q0 retain', 'message t c q0']);
});

test('lite: an incoming QoS 1 PUBLISH is PUBACKed with its id before the handler runs', (t) => {
  const r = rig(t);
  let writtenInHandler: string[] = [];
  const l = online(r);
  r.c.onMessage = () => { writtenInHandler = l.packets().map(show); };
  l.feed(publish('nobody', 'x', { qos: 1, id: 65535 }));
  t.deepEqual(writtenInHandler, ['puback 65535']);
  l.feed(publish('nobody', 'x', { qos: 0 }));
  t.deepEqual(writtenInHandler, [], 'no PUBACK for QoS 0');
});

test('lite: an incoming QoS 2 PUBLISH is a PROTOCOL_ERROR: link closed, reconnect', (t) => {
  const r = rig(t);
  const l = online(r);
  l.feed(publish('t', 'x', { qos: 2, id: 3 }));
  t.deepEqual(r.log, ['connect false', 'error PROTOCOL_ERROR', 'close']);
  t.true(l.closedByClient);
  t.deepEqual(l.cmds().filter((c) => c !== 'disconnect'), [], 'no PUBACK/PUBREC for it');
  t.true(r.p.untilNextLink(1000) >= 500);
});

// ---- framing ----

test('lite: several packets in one chunk or one byte at a time are all handled, in order', (t) => {
  for (const bytewise of [false, true]) {
    const r = rig(t);
    const l = online(r);
    r.c.subscribe('s', 1);
    const sid = (l.packets()[0] as ISubscribePacket).messageId!;
    r.c.publish('out', 'o', 1);
    const oid = pub(l.packets()[0]).messageId!;
    const stream = suback(sid, [1]) + publish('s', 'one', { qos: 1, id: 77 }) + pingresp() +
      publish('s', 'x'.repeat(300)) + puback(oid) + publish('s', '', { qos: 1, id: 78 }) + unsuback(999);
    if (bytewise) l.feedBytewise(stream); else l.feed(stream);
    t.deepEqual(r.log.slice(1), ['message s one q1', 'message s ' + 'x'.repeat(300) + ' q0', 'message s  q1'], bytewise ? 'bytewise' : 'one chunk');
    t.deepEqual(shows(l), ['puback 77', 'puback 78']);
    t.deepEqual(r.errors, []);
    l.drop('cut');
    const l2 = reconnect(r);
    t.deepEqual(shows(l2).slice(1), ['subscribe s q1'], 'the PUBACKed message is not resent');
  }
});

test('lite: an incoming PUBLISH over receiveBufferSize is PUBACKed, reported, skipped; the link stays', (t) => {
  for (const [size, bytewise] of [[undefined, false], [64, true]] as Array<[number | undefined, boolean]>) {
    const r = rig(t, size === undefined ? {} : { receiveBufferSize: size });
    const l = online(r);
    const limit = size === undefined ? 1024 : size;
    const big = publish('big/topic', 'B'.repeat(limit * 2), { qos: 1, id: 321 });
    const small = publish('small', 'ok', { qos: 1, id: 322 });
    if (bytewise) l.feedBytewise(big + small);
    else for (let i = 0; i < big.length; i += 100) l.feed(big.substring(i, i + 100));
    if (!bytewise) l.feed(small);
    t.deepEqual(r.errors.map((e) => e.code), ['MESSAGE_TOO_LARGE']);
    t.true(l.isOpen);
    t.true(r.c.connected);
    t.deepEqual(shows(l), ['puback 321', 'puback 322']);
    t.deepEqual(r.log.filter((s) => s.startsWith('message')), ['message small ok q1'], 'only the small one delivered');
    // a message just under the limit still arrives whole
    const fits = 'F'.repeat(limit - 20);
    l.feed(publish('f', fits));
    t.is(r.log[r.log.length - 1], 'message f ' + fits + ' q0');
  }
});

// ---- malformed input ----

interface Bad { name: string; bytes: string; before?: boolean }
const MALFORMED: Bad[] = [
  { name: 'remaining length over 4 bytes', bytes: '\x30\xff\xff\xff\xff\x01' },
  { name: 'PUBACK with flags', bytes: '\x42\x02\x00\x01' },
  { name: 'SUBACK with flags', bytes: '\x92\x03\x00\x01\x00' },
  { name: 'PINGRESP with flags', bytes: '\xd1\x00' },
  { name: 'UNSUBACK with flags', bytes: '\xb2\x02\x00\x01' },
  { name: 'PUBLISH QoS 3', bytes: '\x36\x05\x00\x01a\x00\x01' },
  { name: 'PUBLISH topic overruns', bytes: '\x30\x03\x00\x0aa' },
  { name: 'PUBLISH QoS 1 without room for the id', bytes: '\x32\x03\x00\x01a' },
  { name: 'PUBLISH with nothing', bytes: '\x30\x00' },
  { name: 'PUBACK length 3', bytes: '\x40\x03\x00\x01\x00' },
  { name: 'PUBACK length 1', bytes: '\x40\x01\x00' },
  { name: 'UNSUBACK length 3', bytes: '\xb0\x03\x00\x01\x00' },
  { name: 'PINGRESP length 1', bytes: '\xd0\x01\x00' },
  { name: 'SUBACK length 1', bytes: '\x90\x01\x00' },
  { name: 'SUBACK without a return code', bytes: '\x90\x02\x00\x01' },
  { name: 'SUBACK length 0', bytes: '\x90\x00' },
  { name: 'CONNECT', bytes: gen({ cmd: 'connect', clientId: 'x', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 0 }) },
  { name: 'SUBSCRIBE', bytes: '\x82\x06\x00\x01\x00\x01a\x00' },
  { name: 'UNSUBSCRIBE', bytes: '\xa2\x05\x00\x01\x00\x01a' },
  { name: 'PINGREQ', bytes: '\xc0\x00' },
  { name: 'DISCONNECT', bytes: '\xe0\x00' },
  { name: 'reserved type 0', bytes: '\x00\x00' },
  { name: 'reserved type 15', bytes: '\xf0\x00' },
  { name: 'a second CONNACK', bytes: '\x20\x02\x00\x00' },
  { name: 'PUBLISH before CONNACK', bytes: publish('t', 'x'), before: true },
  { name: 'PINGRESP before CONNACK', bytes: pingresp(), before: true },
  { name: 'SUBACK before CONNACK', bytes: suback(1, [0]), before: true },
  { name: 'CONNACK length 3', bytes: '\x20\x03\x00\x00\x00', before: true },
  { name: 'CONNACK length 1', bytes: '\x20\x01\x00', before: true },
  { name: 'CONNACK with flags', bytes: '\x21\x02\x00\x00', before: true },
  { name: 'CONNACK return code 6', bytes: '\x20\x02\x00\x06', before: true },
];

test('lite: malformed or unexpected input → PACKET_MALFORMED/PROTOCOL_ERROR, link closed, later reconnect, no throw', (t) => {
  for (const bad of MALFORMED) {
    const r = rig(t);
    let l: ScriptedLiteLink;
    if (bad.before) {
      r.c.connect();
      l = r.p.last();
      l.open();
      l.take();
    } else {
      l = online(r);
      r.log.length = 0;
    }
    // a good PUBLISH right behind the bad bytes, in the same chunk: from a broken stream it must not be delivered
    t.notThrows(() => l.feed(bad.bytes + publish('after', 'x')), bad.name);
    const codes = r.errors.map((e) => e.code);
    t.true(codes.length === 1 && (codes[0] === 'PACKET_MALFORMED' || codes[0] === 'PROTOCOL_ERROR'), bad.name + ': ' + codes.join());
    t.deepEqual(r.log.slice(1), bad.before ? [] : ['close'], bad.name + ': onClose only after a CONNACK, nothing delivered');
    t.true(l.closedByClient, bad.name + ': link closed');
    t.false(r.c.connected, bad.name);
    t.notThrows(() => l.feed(publish('late', 'x')), bad.name);
    t.is(r.log.filter((s) => s.startsWith('message')).length, 0, bad.name + ': nothing delivered');
    const d = r.p.untilNextLink(61000);
    t.true(d >= 500 && d <= 1000, bad.name + ': reconnect after ' + d);
    const l2 = r.p.last();
    l2.open();
    l2.feed(connack(0));
    t.true(r.c.connected, bad.name + ': the next link works');
  }
});

test('lite: malformed input fed one byte at a time is caught the same way', (t) => {
  for (const bad of MALFORMED.filter((b) => !b.before)) {
    const r = rig(t);
    const l = online(r);
    t.notThrows(() => l.feedBytewise(bad.bytes + publish('after', 'x')), bad.name);
    t.is(r.errors.length, 1, bad.name);
    t.true(l.closedByClient, bad.name);
  }
});

// ---- keepalive ----

test('lite: keepalive: PINGREQ after K of silence; answered pings keep the link for minutes', (t) => {
  const r = rig(t, { keepalive: 10 });
  const l = online(r);
  r.p.advance(9999);
  t.deepEqual(l.cmds(), [], 'no PINGREQ before K (CONNACK counts as traffic)');
  r.p.advance(1);
  t.deepEqual(l.cmds(), ['pingreq'], 'PINGREQ at K');
  t.is(l.allWritten.slice(-2), '\xc0\x00');
  l.feed(pingresp());
  let pings = 0;
  l.onWrite = (d) => { if (d === '\xc0\x00') { pings++; l.feedLater(pingresp(), 100); } };
  r.p.advance(120000);
  t.true(pings >= 11 && pings <= 12, pings + ' pings in 120 s (one every K)');
  t.deepEqual(r.errors, []);
  t.true(r.c.connected);
});

test('lite: an unanswered PINGREQ → PING_TIMEOUT K/2 later, link closed, reconnect', (t) => {
  const r = rig(t, { keepalive: 10 });
  const l = online(r);
  const t0 = r.p.time;
  const pingAt = r.p.runUntil(() => l.allWritten.endsWith('\xc0\x00'), 20000);
  t.is(pingAt, 10000);
  const lost = r.p.runUntil(() => r.errors.length > 0, 20000);
  t.true(lost > 0 && lost <= 5000, 'dead link found ' + lost + ' ms after the ping');
  t.deepEqual(r.log, ['connect false', 'error PING_TIMEOUT', 'close']);
  t.true(l.closedByClient);
  t.false(r.c.connected);
  t.true(r.p.time - t0 <= 15000);
  const d = r.p.untilNextLink(61000);
  t.true(d >= 500 && d <= 1000, 'reconnect after ' + d);
});

test('lite: anything received after the PINGREQ counts as an answer', (t) => {
  const r = rig(t, { keepalive: 10 });
  const l = online(r);
  r.p.advance(10000);
  t.deepEqual(l.cmds(), ['pingreq']);
  r.p.advance(2000);
  l.feed(publish('t', 'x'));
  r.p.advance(3000);
  t.deepEqual(r.errors, [], 'a PUBLISH after the ping kept the link');
  t.true(r.c.connected);
});

test('lite: a client that keeps writing to a broker that answers sends no PINGREQ', (t) => {
  const r = rig(t, { keepalive: 10 });
  const l = online(r);
  l.onWrite = (d) => {
    const p = parsePackets(d)[0];
    if (p.cmd === 'publish' && p.qos === 1) l.feedLater(puback(p.messageId!), 50);
  };
  for (let i = 0; i < 60; i++) {
    r.p.advance(2000);
    t.is(r.c.publish('t', String(i), 1), 'sent');
  }
  t.deepEqual(l.packets().filter((p) => p.cmd === 'pingreq'), []);
  t.deepEqual(r.errors, []);
});

test('lite: a QoS 0-only publisher still finds a dead link: PINGREQ despite its writes, then PING_TIMEOUT', (t) => {
  // Not only what the spec asks (something written within K): the client also pings when it has
  // heard nothing for K, and that is the behaviour a user needs: otherwise a device that only
  // publishes QoS 0 never learns that the broker is gone.
  const r = rig(t, { keepalive: 10 });
  const l = online(r);
  let at = -1;
  for (let i = 0; i < 15 && at < 0; i++) {
    r.p.advance(2000);
    r.c.publish('t', String(i), 0);
    if (r.errors.length > 0) at = i * 2000 + 2000;
  }
  t.true(l.packets().some((p) => p.cmd === 'pingreq'), 'a PINGREQ went out');
  t.deepEqual(r.errors.map((e) => e.code), ['PING_TIMEOUT']);
  // PING_TIMEOUT at 1.5 K (15 s) after CONNACK, the broker's last packet; seen at the next 2 s step
  t.true(at > 0 && at <= 16000, 'dead link found after ' + at + ' ms');
});

test('lite: keepalive 0: no PINGREQ and no timeout, ever', (t) => {
  const r = rig(t, { keepalive: 0 });
  const l = online(r);
  r.p.advance(3600000);
  t.deepEqual(l.packets(), []);
  t.deepEqual(r.errors, []);
  t.true(r.c.connected);
  const c = parsePackets(l.allWritten)[0] as IConnectPacket;
  t.is(c.keepalive, 0);
});

// ---- end() ----

test('lite: end() when connected: DISCONNECT, close, onClose, no reconnect, nothing written later', (t) => {
  const r = rig(t, { keepalive: 10 });
  const l = online(r);
  r.c.end();
  t.is(l.take(), '\xe0\x00');
  t.true(l.closedByClient);
  t.false(r.c.connected);
  t.deepEqual(r.log, ['connect false', 'close']);
  r.p.advance(600000);
  t.is(r.p.links.length, 1, 'no reconnect');
  l.drop('closed'); // the transport reporting its own close afterwards
  l.feed(publish('t', 'x'));
  t.deepEqual(r.log, ['connect false', 'close'], 'nothing from the ended link');
  t.deepEqual(r.errors, []);
  t.is(r.c.publish('t', 'x', 0), 'NOT_CONNECTED');
});

test('lite: end() while connecting or waiting to reconnect: no reconnect, no onClose', (t) => {
  const r = rig(t);
  r.c.connect();
  const l = r.p.last();
  r.c.end();
  t.true(l.closedByClient);
  l.open();
  t.is(l.allWritten, '', 'a late open on the ended link writes nothing');
  r.p.advance(600000);
  t.is(r.p.links.length, 1);
  t.deepEqual(r.log, []);

  const r2 = rig(t);
  r2.c.connect();
  r2.p.last().drop('refused');
  r2.c.end();
  r2.p.advance(600000);
  t.is(r2.p.links.length, 1, 'the pending reconnect was cancelled');
  t.deepEqual(r2.log, ['error CONNECTION_LOST']);
});

test('lite: end() keeps the outbox: a later connect() resends with DUP and the same id', (t) => {
  const r = rig(t);
  const l = online(r);
  r.c.publish('a', '1', 1);
  const id = pub(l.packets()[0]).messageId!;
  r.c.end();
  t.is(r.c.publish('b', '2', 1), 'queued');
  r.c.connect();
  const l2 = r.p.last();
  t.not(l2, l);
  l2.open();
  l2.feed(connack(0, true));
  const ps = l2.packets().slice(1).map(pub);
  t.deepEqual(ps.map((p) => p.topic + ' ' + p.dup), ['a true', 'b false']);
  t.is(ps[0].messageId, id);
});

// ---- stale transports ----

test('lite: events from an older transport are ignored', (t) => {
  const r = rig(t);
  r.c.subscribe('s', 0);
  const old = online(r);
  old.drop('cut');
  t.deepEqual(r.log, ['connect false', 'error CONNECTION_LOST', 'close']);
  old.drop('again'); // a second close report
  old.feed(publish('s', 'stale'));
  old.feed(connack(0));
  t.false(r.c.connected);
  r.p.untilNextLink(61000);
  const l2 = r.p.last();
  old.open();
  old.feed(connack(0));
  old.feed(publish('s', 'stale'));
  t.false(r.c.connected, 'the new link has no CONNACK yet');
  t.is(l2.allWritten, '', 'the old link opening does not write on the new one');
  l2.open();
  old.drop('late');
  l2.feed(connack(0));
  t.true(r.c.connected);
  old.drop('later');
  t.true(r.c.connected);
  t.deepEqual(r.log, ['connect false', 'error CONNECTION_LOST', 'close', 'connect false']);
});

// ---- callbacks calling back in ----

test('lite: publish and subscribe from inside onConnect and a message handler', (t) => {
  const r = rig(t);
  const results: string[] = [];
  r.c.onConnect = () => {
    results.push(r.c.publish('hello', 'h', 1), r.c.publish('q0', 'z', 0), r.c.subscribe('req', 1));
  };
  r.c.onMessage = (topic, payload) => { results.push(r.c.publish('resp', payload, 1)); };
  r.c.connect();
  const l = r.p.last();
  l.open();
  l.take();
  l.feed(connack(0));
  t.deepEqual(results, ['sent', 'sent', 'sent']);
  const first = l.packets();
  t.deepEqual(first.map(show).map((s) => s.replace(/ id\d+/, '')), ['publish hello h q1', 'publish q0 z q0', 'subscribe req q1']);
  l.feed(publish('req', 'ping', { qos: 1, id: 9 }));
  t.deepEqual(results, ['sent', 'sent', 'sent', 'sent']);
  t.deepEqual(l.packets().map(show).map((s) => s.replace(/ id\d+/, '')), ['puback 9', 'publish resp ping q1']);
});

test('lite: end() from a message handler: DISCONNECT, nothing more delivered, no reconnect', (t) => {
  const r = rig(t);
  const got: string[] = [];
  r.c.onMessage = (topic) => { got.push(topic); if (topic === 'stop') r.c.end(); };
  const l = online(r);
  l.feed(publish('one', 'x') + publish('stop', 'x') + publish('after', 'x'));
  t.deepEqual(got, ['one', 'stop']);
  t.deepEqual(l.cmds(), ['disconnect']);
  t.true(l.closedByClient);
  t.deepEqual(r.log, ['connect false', 'close']);
  r.p.advance(600000);
  t.is(r.p.links.length, 1);
});

test('lite: end() from onConnect and from onError stops the client', (t) => {
  const r = rig(t, { keepalive: 10 });
  r.c.onConnect = () => { r.log.push('connect'); r.c.end(); };
  r.c.connect();
  const l = r.p.last();
  l.open();
  l.take();
  l.feed(connack(0));
  t.deepEqual(l.cmds(), ['disconnect']);
  t.true(l.closedByClient);
  t.deepEqual(r.log, ['connect', 'close']);
  r.p.advance(600000);
  t.is(r.p.links.length, 1);

  const r2 = rig(t);
  r2.c.onError = (e) => { r2.log.push('error ' + e.code); r2.c.end(); };
  r2.c.connect();
  r2.p.last().open();
  r2.p.last().feed(connack(3)); // retryable, but the application says stop
  r2.p.advance(600000);
  t.is(r2.p.links.length, 1);
  t.deepEqual(r2.log, ['error CONNACK_REFUSED_SERVER_UNAVAILABLE']);
});

test('lite: publish from onClose is queued and goes out on the next link', (t) => {
  const r = rig(t);
  const res: string[] = [];
  r.c.onClose = () => { res.push(r.c.publish('will/like', 'bye', 1), r.c.publish('q0', 'x', 0)); };
  online(r).drop('cut');
  t.deepEqual(res, ['queued', 'NOT_CONNECTED']);
  const l2 = reconnect(r);
  t.deepEqual(shows(l2).slice(1).map((s) => s.replace(/ id\d+/, '')), ['publish will/like bye q1']);
});

// ---- issue 12: one behaviour for both clients (docs/CONTRACTS.md, its last section) ----

/** Opens the client's latest link, answers CONNACK 0 and feeds `bad`; returns the link. */
function acceptThenFail(r: Rig, bad: string): ScriptedLiteLink {
  const l = r.p.last();
  l.open();
  l.feed(connack(0));
  l.feed(bad);
  return l;
}

test('lite (issue 12.1): a broker that accepts and then fails gets at most ~5 attempts a minute; the backoff grows to 60 s', (t) => {
  const r = rig(t);
  r.c.connect();
  const starts: number[] = [];
  // every link is accepted and then broken at once by a server PINGREQ
  for (let guard = 0; guard < 200 && r.p.time < 1000 + 600000; guard++) {
    starts.push(r.p.time);
    acceptThenFail(r, '\xc0\x00');
    if (r.p.untilNextLink(61000) < 0) break;
  }
  const inFirst5 = starts.filter((s) => s < 1000 + 300000).length;
  const inLast5 = starts.filter((s) => s >= 1000 + 300000).length;
  t.log('attempts: ' + inFirst5 + ' in the first 5 minutes, ' + inLast5 + ' in the next 5');
  t.true(inFirst5 <= 25, inFirst5 + ' attempts in the first 5 minutes');
  t.true(inLast5 <= 10, inLast5 + ' attempts in minutes 5-10 (the 60 s cap, jitter shortens by at most half)');
  t.true(r.errors.every((e) => e.code === 'PROTOCOL_ERROR'), r.errors.map((e) => e.code).join());
});

test('lite (issue 12.1): a link that stayed up 30 s was healthy: the next attempt waits only the minimum delay', (t) => {
  const r = rig(t, { keepalive: 0 });
  const d = refusedDelays(r, 5);
  t.true(d[4] >= 8000, 'grown to ' + d[4]);
  let l = acceptThenFail(r, '');
  r.p.advance(29999);
  l.drop('reset');
  const early = r.p.untilNextLink(61000);
  t.true(early >= 8000, 'up 29.999 s is not healthy: the delay keeps growing (' + early + ' ms)');
  l = acceptThenFail(r, '');
  r.p.advance(30000);
  l.drop('reset');
  const again = r.p.untilNextLink(61000);
  t.true(again >= 500 && again <= 1000, 'first delay after a healthy link: ' + again);
});

test('lite (issue 12.2): a retained QoS 1 publish replaces an older unsent retained one on the same topic', (t) => {
  const r = rig(t);
  t.is(r.c.publish('st', 'one', 1, true), 'queued');
  t.is(r.c.publish('st', 'plain', 1), 'queued', 'not retained: kept');
  t.is(r.c.publish('other', 'x', 1, true), 'queued', 'another topic: kept');
  t.is(r.c.publish('temp', '1', 1), 'queued');
  t.is(r.c.publish('st', 'two', 1, true), 'queued');
  t.is(r.c.publish('s', 'short', 1, true), 'queued', 'a topic that is a prefix of another is another topic');
  const l = online(r);
  t.deepEqual(parsePackets(l.allWritten).slice(1).map(show).map((s) => s.replace(/ id\d+/, '')),
    ['publish st plain q1', 'publish other x q1 retain', 'publish temp 1 q1', 'publish st two q1 retain', 'publish s short q1 retain']);
  // written on this link and awaiting PUBACK: not replaced (the broker may already have it)
  t.is(r.c.publish('st', 'three', 1, true), 'sent');
  t.deepEqual(shows(l).map((s) => s.replace(/ id\d+/, '')), ['publish st three q1 retain']);
});

test('lite (issue 12.2): the replacement frees the room it took, so a full outbox still takes the newer status', (t) => {
  // a stored message takes 3 bytes (body length, fixed header byte) + its body (topic, id, payload)
  const r = rig(t, { outboxSize: 32 });
  t.is(r.c.publish('st', 'online', 1, true), 'queued'); // 3 + 2+2+2+6 = 15 bytes
  t.is(r.c.publish('st', 'online', 1, true), 'queued', 'replaced, not added: 15 of 32');
  t.is(r.c.publish('t', 'x'.repeat(9), 1), 'queued'); // 3 + 2+1+2+9 = 17: 32 of 32
  t.is(r.c.publish('t', 'y', 1), 'QUEUE_FULL');
  t.is(r.c.publish('st', 'online', 1, true), 'queued', 'fits in the room of the one it replaces');
  const l = online(r);
  t.deepEqual(parsePackets(l.allWritten).slice(1).map(show).map((s) => s.replace(/ id\d+/, '')),
    ['publish t ' + 'x'.repeat(9) + ' q1', 'publish st online q1 retain']);
});

test('lite (issue 12.2): onConnect runs before the outbox is flushed, so a status published there replaces the unacknowledged one', (t) => {
  const r = rig(t);
  let writtenAtConnect = '';
  r.c.onConnect = () => {
    writtenAtConnect = r.p.last().allWritten;
    r.c.publish('st', 'online', 1, true);
  };
  r.c.publish('temp', '1', 1);
  r.c.connect();
  let l: ScriptedLiteLink;
  for (let i = 0; i < 5; i++) {
    l = r.p.last();
    l.open();
    l.feed(connack(0));
    // the storm: the status goes out, is never acknowledged, and the link dies
    l.drop('reset');
    r.p.untilNextLink(61000);
  }
  l = r.p.last();
  l.open();
  l.feed(connack(0));
  t.is(parsePackets(writtenAtConnect).map((p) => p.cmd).join(), 'connect', 'nothing but CONNECT written when onConnect runs');
  const after = parsePackets(l.allWritten).slice(1).map(show).map((s) => s.replace(/ id\d+/, ''));
  t.deepEqual(after, ['publish temp 1 q1 dup', 'publish st online q1 retain'], 'one status, not one per link');
});

/** A PUBLISH whose topic is the given bytes as they are (mqtt-packet would encode a string topic as UTF-8). */
function rawPublish(topic: string, payload: string, qos: 0 | 1, id?: number): string {
  const body = String.fromCharCode(topic.length >> 8, topic.length & 255) + topic + (qos ? String.fromCharCode((id || 1) >> 8, (id || 1) & 255) : '') + payload;
  if (body.length > 127) throw new Error('rawPublish: short packets only');
  return String.fromCharCode(0x30 | (qos << 1), body.length) + body;
}

test('lite (issue 12.3): an incoming PUBLISH topic that is not valid UTF-8, has U+0000, + or # → PACKET_MALFORMED, link closed', (t) => {
  const NOT_UTF8 = 'PUBLISH topic is not valid UTF-8', NUL = 'PUBLISH topic contains U+0000', WILD = 'PUBLISH topic contains a wildcard (+ or #)';
  const bad: Array<[string, string]> = [
    ['a\xffb', NOT_UTF8], ['\xc3\x28', NOT_UTF8], ['\xc0\xaf', NOT_UTF8], ['\xed\xa0\x80', NOT_UTF8],
    ['ab\xe2\x82', NOT_UTF8], ['\xf4\x90\x80\x80', NOT_UTF8], ['\xe0\x80\x80', NOT_UTF8], ['\x80', NOT_UTF8], ['\xf5\x80\x80\x80', NOT_UTF8],
    ['a\x00b', NUL], ['a/+', WILD], ['#', WILD], ['a+\xff', WILD], ['\xff+', NOT_UTF8],
  ];
  for (const [topic, words] of bad) {
    const r = rig(t);
    const l = online(r);
    l.feed(rawPublish(topic, 'x', 1, 4));
    t.deepEqual(r.errors.map((e) => e.code + ': ' + e.message), ['PACKET_MALFORMED: ' + words], JSON.stringify(topic));
    t.true(l.closedByClient);
    t.deepEqual(r.log.filter((s) => s.startsWith('message')), [], 'not delivered');
    t.deepEqual(l.cmds().filter((c) => c !== 'disconnect'), [], 'not acknowledged');
  }
  // well-formed multi-byte topics (é, €, U+10FFFF, an emoji) are delivered as their bytes
  const r = rig(t);
  const l = online(r);
  const good = ['caf\xc3\xa9', '\xe2\x82\xac/x', '\xf4\x8f\xbf\xbf', '\xf0\x9f\x98\x80', '\xed\x9f\xbf'];
  for (const g of good) l.feed(rawPublish(g, 'y', 0));
  t.deepEqual(r.errors, []);
  t.deepEqual(r.log.slice(1), good.map((g) => 'message ' + g + ' y q0'));
});

test('lite (issue 12.4): fixed-header faults are reported at the first byte, not when a packet completes', (t) => {
  const cases: Array<[string, string, string]> = [
    ['\x00', 'PACKET_MALFORMED', 'packet type 0 is reserved'],
    ['\xf7', 'PACKET_MALFORMED', 'packet type 15 is reserved'],
    ['\xc0', 'PROTOCOL_ERROR', 'the broker sent PINGREQ, which only a client sends'],
    ['\x10', 'PROTOCOL_ERROR', 'the broker sent CONNECT, which only a client sends'],
    ['\x82', 'PROTOCOL_ERROR', 'the broker sent SUBSCRIBE, which only a client sends'],
    ['\xa2', 'PROTOCOL_ERROR', 'the broker sent UNSUBSCRIBE, which only a client sends'],
    ['\xe0', 'PROTOCOL_ERROR', 'the broker sent DISCONNECT, which only a client sends'],
    ['\x42', 'PACKET_MALFORMED', 'PUBACK with fixed-header flags 0x2'],
    ['\xd1', 'PACKET_MALFORMED', 'PINGRESP with fixed-header flags 0x1'],
    ['\x9f', 'PACKET_MALFORMED', 'SUBACK with fixed-header flags 0xf'],
    ['\x60', 'PACKET_MALFORMED', 'PUBREL with fixed-header flags 0x0'],
    ['\x36', 'PACKET_MALFORMED', 'PUBLISH with QoS 3'],
    ['\x3f', 'PACKET_MALFORMED', 'PUBLISH with QoS 3'],
  ];
  for (const [byte, code, words] of cases) {
    const r = rig(t);
    const l = online(r);
    l.feed(byte); // one byte, nothing after it
    t.deepEqual(r.errors.map((e) => e.code + ': ' + e.message), [code + ': ' + words], 'first byte 0x' + byte.charCodeAt(0).toString(16));
    t.true(l.closedByClient);
  }
  // a stream of garbage ends the link at once, never as a PING_TIMEOUT a minute later
  const r = rig(t, { keepalive: 60 });
  const l = online(r);
  l.feed('\x47\x41\x52\x42\x41\x47\x45');
  t.deepEqual(r.errors.map((e) => e.code), ['PACKET_MALFORMED']);
  r.p.advance(120000);
  t.false(r.errors.some((e) => e.code === 'PING_TIMEOUT'));
});

/** One broker fault: bytes fed after CONNACK (or before, with `before`), the error expected. */
interface Fault { bytes: string; code: string; words: string; before?: boolean; opts?: Opts }
const FAULTS: Fault[] = [
  { bytes: '\x30\xff\xff\xff\x80', code: 'PACKET_MALFORMED', words: 'remaining length longer than 4 bytes' },
  { bytes: '\x40\x03\x00\x01\x00', code: 'PACKET_MALFORMED', words: 'PUBACK with remaining length 3' },
  { bytes: '\xd0\x01', code: 'PACKET_MALFORMED', words: 'PINGRESP with remaining length 1' },
  { bytes: '\x90\x02', code: 'PACKET_MALFORMED', words: 'SUBACK with remaining length 2' },
  { bytes: '\xb0\x01', code: 'PACKET_MALFORMED', words: 'UNSUBACK with remaining length 1' },
  { bytes: '\x20\x03', code: 'PACKET_MALFORMED', words: 'CONNACK with remaining length 3', before: true },
  { bytes: '\x34\x05\x00\x01a\x00\x01', code: 'PROTOCOL_ERROR', words: 'PUBLISH with QoS 2, which this client never subscribes to' },
  { bytes: '\x50\x02\x00\x01', code: 'PROTOCOL_ERROR', words: 'PUBREC received, but this client never uses QoS 2' },
  { bytes: '\x62\x02\x00\x01', code: 'PROTOCOL_ERROR', words: 'PUBREL received, but this client never uses QoS 2' },
  { bytes: '\x70\x02\x00\x01', code: 'PROTOCOL_ERROR', words: 'PUBCOMP received, but this client never uses QoS 2' },
  { bytes: '\x30\x03\x00\x01a', code: 'PROTOCOL_ERROR', words: 'PUBLISH received before CONNACK', before: true },
  { bytes: '\xd0\x00', code: 'PROTOCOL_ERROR', words: 'PINGRESP received before CONNACK', before: true },
  { bytes: '\x40\x02\x00\x01', code: 'PROTOCOL_ERROR', words: 'PUBACK received before CONNACK', before: true },
  { bytes: '\x20\x02\x00\x00', code: 'PROTOCOL_ERROR', words: 'CONNACK received twice' },
  { bytes: '\x20\x02\x02\x00', code: 'PACKET_MALFORMED', words: 'CONNACK with flags 0x2', before: true },
  { bytes: '\x20\x02\x00\x06', code: 'PROTOCOL_ERROR', words: 'CONNACK with unknown return code 6', before: true },
  { bytes: '\x30\x03\x00\x00a', code: 'PACKET_MALFORMED', words: 'PUBLISH with an empty topic' },
  { bytes: '\x30\x03\x00\x0aa', code: 'PACKET_MALFORMED', words: 'PUBLISH topic runs past the end of the packet' },
  { bytes: '\x32\x05\x00\x02ab\x00', code: 'PACKET_MALFORMED', words: 'PUBLISH topic runs past the end of the packet' },
  { bytes: '\x32\x04\x00\x01ab', code: 'PACKET_MALFORMED', words: 'PUBLISH with remaining length 4' },
  { bytes: '\x30\x01\x00', code: 'PACKET_MALFORMED', words: 'PUBLISH with remaining length 1' },
  { bytes: '\x32\x05\x00\x01a\x00\x00', code: 'PACKET_MALFORMED', words: 'PUBLISH with packet id 0' },
  { bytes: '\x90\x03\x00\x01\x03', code: 'PACKET_MALFORMED', words: 'SUBACK return code 0x3' },
  { bytes: '\x90\x03\x00\x01\x81', code: 'PACKET_MALFORMED', words: 'SUBACK return code 0x81' },
  { bytes: '\x90\x14', code: 'PROTOCOL_ERROR', words: 'SUBACK of 22 bytes is larger than the receive buffer (16 bytes)', opts: { receiveBufferSize: 16 } },
  { bytes: '\x20\x02\x00\x01', code: 'CONNACK_REFUSED_PROTOCOL_VERSION', words: 'connection refused (CONNACK 1): the broker does not speak MQTT 3.1.1', before: true },
  { bytes: '\x20\x02\x00\x02', code: 'CONNACK_REFUSED_IDENTIFIER_REJECTED', words: 'connection refused (CONNACK 2): the broker rejected the client id; use another one', before: true },
  { bytes: '\x20\x02\x00\x03', code: 'CONNACK_REFUSED_SERVER_UNAVAILABLE', words: 'connection refused (CONNACK 3): the broker is unavailable; retrying', before: true },
  { bytes: '\x20\x02\x00\x04', code: 'CONNACK_REFUSED_BAD_CREDENTIALS', words: "connection refused (CONNACK 4): bad user name or password, or not authorized; check the credentials and the broker's access rules", before: true },
  { bytes: '\x20\x02\x00\x05', code: 'CONNACK_REFUSED_NOT_AUTHORIZED', words: "connection refused (CONNACK 5): bad user name or password, or not authorized; check the credentials and the broker's access rules", before: true },
];

test('lite (issue 12.6): every broker fault has the code and the words of the CONTRACTS table', (t) => {
  for (const f of FAULTS) {
    const r = rig(t, f.opts);
    let l: ScriptedLiteLink;
    if (f.before) {
      r.c.connect();
      l = r.p.last();
      l.open();
    } else l = online(r);
    l.feed(f.bytes);
    t.deepEqual(r.errors.map((e) => e.code + ': ' + e.message), [f.code + ': ' + f.words], JSON.stringify(f.bytes));
    t.true(l.closedByClient, JSON.stringify(f.bytes) + ' closes the link');
  }
});

test('lite (issue 12.6): timeouts and a lost link have the words of the CONTRACTS table', (t) => {
  const r = rig(t, { keepalive: 10 });
  r.c.connect();
  r.p.last().open();
  r.p.advance(10000);
  t.deepEqual(r.errors.map((e) => e.code + ': ' + e.message), ['CONNECT_TIMEOUT: no CONNACK within 10000 ms']);
  r.errors.length = 0;
  r.p.untilNextLink(61000);
  const l = acceptThenFail(r, '');
  r.p.advance(15001); // PINGREQ at 10 s, no answer within 5 s more (1 ms more: the jittered clock is fractional)
  t.deepEqual(r.errors.map((e) => e.code + ': ' + e.message), ['PING_TIMEOUT: no answer from the broker within 15000 ms (keepalive 10 s): the link is dead']);
  t.true(l.closedByClient);
  r.errors.length = 0;
  r.p.untilNextLink(61000);
  acceptThenFail(r, '').drop('ECONNRESET');
  r.p.untilNextLink(61000);
  acceptThenFail(r, '').drop();
  t.deepEqual(r.errors.map((e) => e.code + ': ' + e.message), ['CONNECTION_LOST: connection lost: ECONNRESET', 'CONNECTION_LOST: connection lost']);
});

test('lite (issue 12.6): an oversize PUBLISH is reported at its header with the table words; the link stays', (t) => {
  const r = rig(t, { receiveBufferSize: 64 });
  const l = online(r);
  const big = publish('big', 'B'.repeat(200), { qos: 1, id: 7 }); // 3 header bytes + 207
  l.feed(big.slice(0, 3));
  t.deepEqual(r.errors.map((e) => e.code + ': ' + e.message), ['MESSAGE_TOO_LARGE: incoming PUBLISH of 210 bytes is larger than the receive buffer (64 bytes): dropped']);
  l.feed(big.slice(3));
  t.is(r.errors.length, 1, 'reported once');
  t.deepEqual(shows(l), ['puback 7']);
  t.true(l.isOpen);
});

test('lite: platform.connect() throwing at once (Espruino: "Unable to create socket") is reported from the timer, not inside connect()', (t) => {
  const r = rig(t);
  let throwing = true;
  const realConnect = r.p.connect.bind(r.p);
  r.p.connect = (host, port, secure, sink) => {
    if (throwing) throw new Error('Unable to create socket');
    return realConnect(host, port, secure, sink);
  };
  r.c.connect();
  t.deepEqual(r.log, [], 'nothing reported inside connect()');
  r.p.advance(1);
  t.deepEqual(r.errors.map((e) => e.code + ': ' + e.message), ['CONNECTION_LOST: connection lost: Unable to create socket']);
  throwing = false;
  t.true(r.p.untilNextLink(1000) >= 0, 'retried after the backoff');
  const l = r.p.last();
  l.open();
  l.feed(connack(0));
  t.true(r.c.connected);
});

test('lite: subscribe ignores a third argument (MqttClient takes a handler there): it subscribes', (t) => {
  const r = rig(t);
  const l = online(r);
  t.is((r.c.subscribe as (f: string, q: number, h: unknown) => string)('a/b', 1, () => {}), 'sent');
  t.deepEqual(shows(l), ['subscribe a/b q1']);
  l.drop('cut');
  t.deepEqual(shows(reconnect(r)).slice(1), ['subscribe a/b q1'], 'and remembers it');
});
