// Session scenarios driven by hand: a fake clock (plain numbers), a recording subclass, and
// broker packets written as literal bytes. Runs under ava and inside XS (no Node API here).
import { test, Assert } from './harness.js';
import {
  Session, SessionOptions, CONNECTING, HANDSHAKE, CONNECTED, WAITING, ENDED, FAILED,
} from '../../src/session/session.js';
import { MqttError } from '../../src/errors.js';
import { utf8Length, writeUtf8 } from '../../src/codec/utf8.js';

interface Msg { topic: string; payload: number[]; qos: number; retain: boolean; dup: boolean }

class Recorder extends Session {
  clock = 0; // what _now() answers: the time of the bytes being fed
  log: string[] = [];
  written: number[][] = [];
  opens = 0; closes = 0;
  errors: MqttError[] = [];
  msgs: Msg[] = [];
  acks: number[] = [];
  connects: boolean[] = [];
  disconnects: boolean[] = [];
  onMessage: ((m: Msg) => void) | null = null;
  onClose: (() => void) | null = null;
  onError: ((e: MqttError) => void) | null = null;
  onConnected: (() => void) | null = null;
  protected _open(): void { this.opens++; this.log.push('open'); }
  protected _close(): void { this.closes++; this.log.push('close'); if (this.onClose) this.onClose(); }
  protected _write(buf: Uint8Array, start: number, end: number): void { this.written.push(Array.prototype.slice.call(buf.subarray(start, end)) as number[]); }
  protected _connected(sp: boolean): void { this.connects.push(sp); this.log.push('connected'); if (this.onConnected) this.onConnected(); }
  protected _message(topic: string, payload: Uint8Array, qos: number, retain: boolean, dup: boolean): void {
    const m = { topic: topic, payload: Array.prototype.slice.call(payload) as number[], qos: qos, retain: retain, dup: dup };
    this.msgs.push(m);
    if (this.onMessage) this.onMessage(m);
  }
  protected _published(id: number): void { this.acks.push(id); }
  protected _error(e: MqttError): void { this.errors.push(e); this.log.push('error ' + e.code); if (this.onError) this.onError(e); }
  protected _disconnected(willReconnect: boolean): void { this.disconnects.push(willReconnect); this.log.push('disconnected'); }
  protected _now(): number { return this.clock; }
  codes(): string[] { return this.errors.map((e) => e.code); }
}

// The session and its recorder are one object (the recorder is the subclass a client would be).
function make(o?: Partial<SessionOptions>): { s: Recorder; r: Recorder } {
  const opts: SessionOptions = { clientId: 'dev1', random: () => 0 };
  if (o) for (const k of Object.keys(o)) (opts as unknown as Record<string, unknown>)[k] = (o as Record<string, unknown>)[k];
  const r = new Recorder(opts);
  return { s: r, r: r };
}

// Everything the session wrote since the last drain, one array per write.
function drain(s: Session): number[][] {
  const r = s as Recorder;
  const out = r.written;
  r.written = [];
  return out;
}

function inflight(s: Session): number { return s.ob.inflight; }
function queued(s: Session): number { return s.ob.backlog; }

function flat(chunks: number[][]): number[] {
  const all: number[] = [];
  for (const c of chunks) for (const b of c) all.push(b);
  return all;
}

function feed(s: Session, bytes: number[], now: number): void {
  (s as Recorder).clock = now;
  s.receive(new Uint8Array(bytes), 0, bytes.length);
}

const CONNACK_OK = [0x20, 2, 0, 0];
const CONNACK_SP = [0x20, 2, 1, 0];
const PINGRESP = [0xd0, 0];
function puback(id: number): number[] { return [0x40, 2, id >> 8, id & 255]; }
function publishQos(topic: string, payload: string, qos: number, id: number): number[] {
  const body: number[] = [0, topic.length];
  for (let i = 0; i < topic.length; i++) body.push(topic.charCodeAt(i));
  if (qos > 0) body.push(id >> 8, id & 255);
  for (let i = 0; i < payload.length; i++) body.push(payload.charCodeAt(i));
  return [0x30 | (qos << 1), body.length].concat(body);
}
function idOf(packet: number[]): number {
  const tl = (packet[2] << 8) | packet[3];
  return (packet[4 + tl] << 8) | packet[5 + tl];
}

// start → open → CONNECT → CONNACK at `now`; returns the CONNECT bytes.
function up(s: Session, now: number, connack?: number[]): number[] {
  if (s.state !== CONNECTING) s.start(now);
  s.opened(now);
  const connect = flat(drain(s));
  feed(s, connack || CONNACK_OK, now);
  return connect;
}

// After a lost link: wait out the backoff, reopen, handshake. Returns the time of the CONNACK.
function reconnect(s: Session, now: number, connack: number[]): number {
  const wait = s.nextTick(now);
  now += wait;
  s.tick(now);
  if (s.state !== CONNECTING) throw new Error('no reconnect after the backoff, state ' + s.state);
  up(s, now, connack);
  return now;
}

function payloadOf(p: number[]): string {
  const tl = (p[2] << 8) | p[3];
  const start = 4 + tl + ((p[0] & 6) ? 2 : 0);
  return String.fromCharCode.apply(null, p.slice(start));
}

// ---- handshake ----

test('session: start asks open(), opened() writes CONNECT, CONNACK 0 reports connected', (t: Assert) => {
  const { s, r } = make({ keepalive: 10, cleanSession: true });
  s.start(0);
  t.is(r.opens, 1);
  t.is(s.state, CONNECTING);
  t.is(drain(s).length, 0, 'nothing to write before the transport is open');
  s.opened(5);
  t.is(s.state, HANDSHAKE);
  const c = flat(drain(s));
  t.deepEqual(c, [0x10, 16, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x02, 0, 10, 0, 4, 0x64, 0x65, 0x76, 0x31]);
  feed(s, CONNACK_OK, 20);
  t.is(s.state, CONNECTED);
  t.deepEqual(r.connects, [false]);
});

test('session: CONNACK session-present flag reaches connected(), even split into 1-byte chunks', (t: Assert) => {
  const { s, r } = make({ cleanSession: false });
  s.start(0); s.opened(0); drain(s);
  for (const b of CONNACK_SP) feed(s, [b], 1);
  t.deepEqual(r.connects, [true]);
});

test('session: CONNACK 1 and 3 report the refusal and retry after a backoff', (t: Assert) => {
  const expect = ['', 'CONNACK_REFUSED_PROTOCOL_VERSION', '', 'CONNACK_REFUSED_SERVER_UNAVAILABLE'];
  for (const rc of [1, 3]) {
    const { s, r } = make({ reconnectMin: 1000 });
    up(s, 0, [0x20, 2, 0, rc]);
    t.deepEqual(r.codes(), [expect[rc]], 'rc ' + rc);
    t.is(s.state, WAITING);
    t.is(r.closes, 1, 'asked to close the transport');
    t.deepEqual(r.disconnects, [true]);
    s.tick(999);
    t.is(r.opens, 1, 'not before the backoff');
    s.tick(1000);
    t.is(r.opens, 2, 'reconnects after the backoff');
  }
});

test('session: CONNACK 2, 4 and 5 stop for good: FAILED, error reported, no open() ever again', (t: Assert) => {
  const expect = ['', '', 'CONNACK_REFUSED_IDENTIFIER_REJECTED', '', 'CONNACK_REFUSED_BAD_CREDENTIALS', 'CONNACK_REFUSED_NOT_AUTHORIZED'];
  for (const rc of [2, 4, 5]) {
    const { s, r } = make();
    up(s, 0, [0x20, 2, 0, rc]);
    t.deepEqual(r.codes(), [expect[rc]], 'rc ' + rc);
    t.is(s.state, FAILED);
    t.deepEqual(r.disconnects, [false], 'told the client no reconnect will follow');
    t.is(s.nextTick(0), -1, 'no timer needed');
    for (let now = 0; now <= 3600000; now += 60000) s.tick(now);
    s.closed(3600000);
    t.is(r.opens, 1, 'never asks to open again');
    t.is(r.connects.length, 0);
  }
});

test('session: no CONNACK within connectTimeout → CONNECT_TIMEOUT, close, reconnect later', (t: Assert) => {
  const { s, r } = make({ connectTimeout: 5000 });
  s.start(0); s.opened(100); drain(s);
  t.is(s.nextTick(100), 5000);
  s.tick(5099);
  t.deepEqual(r.codes(), []);
  s.tick(5100);
  t.deepEqual(r.codes(), ['CONNECT_TIMEOUT']);
  t.is(r.closes, 1);
  t.is(s.state, WAITING);
});

test('session: a transport that never opens times out too, and a failed open is CONNECTION_LOST', (t: Assert) => {
  const { s, r } = make({ connectTimeout: 3000 });
  s.start(0);
  s.tick(3000);
  t.deepEqual(r.codes(), ['CONNECT_TIMEOUT']);
  s.tick(3000 + s.nextTick(3000));
  t.is(r.opens, 2);
  s.closed(4500);
  t.deepEqual(r.codes(), ['CONNECT_TIMEOUT', 'CONNECTION_LOST']);
  t.is(s.state, WAITING);
});

test('session: a packet other than CONNACK during the handshake is a protocol error', (t: Assert) => {
  const { s, r } = make();
  s.start(0); s.opened(0); drain(s);
  feed(s, PINGRESP, 1);
  t.deepEqual(r.codes(), ['PROTOCOL_ERROR']);
  t.is(s.state, WAITING);
});

// ---- keepalive ----

test('session: silent broker → PINGREQ at the keepalive, dead link declared by 1.5 × keepalive', (t: Assert) => {
  const { s, r } = make({ keepalive: 10 });
  up(s, 0);
  t.is(s.nextTick(0), 5000, 'a keepalive check every half keepalive');
  for (let now = 0; now < 10000; now += 500) { s.tick(now); t.is(drain(s).length, 0, 'no PINGREQ before it is due (' + now + ')'); }
  s.tick(10000);
  t.deepEqual(flat(drain(s)), [0xc0, 0], 'PINGREQ');
  t.is(s.nextTick(10000), 5000);
  for (let now = 10000; now < 15000; now += 250) s.tick(now);
  t.is(s.state, CONNECTED, 'not dead before 15 000 ms');
  s.tick(15000);
  t.deepEqual(r.codes(), ['PING_TIMEOUT']);
  t.is(r.closes, 1);
  t.deepEqual(r.disconnects, [true]);
  t.is(s.state, WAITING);
});

test('session: a dead link is found within 1.5 × keepalive even while we keep publishing QoS 0', (t: Assert) => {
  const { s, r } = make({ keepalive: 10 });
  up(s, 0);
  let dead = -1;
  for (let now = 1000; now <= 20000 && dead < 0; now += 1000) {
    s.publish('t', 'x', 0, false); drain(s);
    s.tick(now);
    drain(s);
    if (s.state !== CONNECTED) dead = now;
  }
  t.true(dead > 0 && dead <= 15000, 'dead at ' + dead);
  t.deepEqual(r.codes(), ['PING_TIMEOUT']);
});

test('session: any packet from the broker counts as life and answers a PINGREQ', (t: Assert) => {
  const { s, r } = make({ keepalive: 10 });
  up(s, 0);
  s.tick(10000); drain(s);
  feed(s, publishQos('a', 'hi', 0, 0), 12000);
  s.tick(15000);
  t.is(s.state, CONNECTED);
  t.is(s.nextTick(15000), 5000, 'next PINGREQ due a keepalive after our last send');
  s.tick(20000);
  t.deepEqual(flat(drain(s)), [0xc0, 0]);
  feed(s, PINGRESP, 20500);
  s.tick(25000); s.tick(29999);
  t.is(s.state, CONNECTED);
  t.deepEqual(r.codes(), []);
});

test('session: no PINGREQ while we send and the broker answers; keepalive 0 disables it', (t: Assert) => {
  const { s } = make({ keepalive: 10 });
  up(s, 0);
  for (let now = 1000; now <= 30000; now += 1000) {
    s.publish('t', 'x', 1, false);
    const w = drain(s);
    t.is(w.length, 1);
    t.is(w[0][0], 0x32, 'only the publish, no PINGREQ at ' + now);
    feed(s, puback(idOf(w[0])), now);
    s.tick(now);
    t.is(drain(s).length, 0);
  }
  const z = make({ keepalive: 0 });
  up(z.s, 0);
  t.is(z.s.nextTick(0), -1);
  z.s.tick(1e9);
  t.is(z.s.state, CONNECTED);
  t.is(drain(z.s).length, 0);
});

// ---- publish ----

test('session: topics published to in turn (more than it remembers, some too long to remember) give exact packets', (t: Assert) => {
  const { s } = make({ transmitBufferSize: 256 });
  up(s, 0);
  const long = 'x/' + 'y'.repeat(60); // longer than a remembered topic (48 bytes)
  const topics = ['a', 'temp', 'temp/status', 'caf\u00e9/\u{1F600}', 'b/c/d', long, 'a', 'temp'];
  let id = 0;
  for (let round = 0; round < 3; round++) {
    for (let k = 0; k < topics.length; k++) {
      const topic = topics[k], qos = (k + round) % 2 as 0 | 1, retain = k % 3 === 0;
      t.is(s.publish(topic, 'v' + k, qos, retain), 'sent', topic);
      const w = drain(s);
      t.is(w.length, 1);
      const p = w[0];
      const expected = [0x30 | (qos << 1) | (retain ? 1 : 0)];
      const u = new Uint8Array(utf8Length(topic));
      writeUtf8(u, 0, topic);
      const tb = Array.prototype.slice.call(u) as number[];
      const body = [tb.length >> 8, tb.length & 255].concat(tb);
      if (qos) { id = (p[2 + body.length] << 8) | p[3 + body.length]; body.push(id >> 8, id & 255); }
      body.push(0x76, 0x30 + k);
      t.deepEqual(p, expected.concat(body.length < 128 ? [body.length] : [(body.length & 127) | 128, body.length >> 7]).concat(body), topic + ' QoS ' + qos);
      if (qos) feed(s, puback(id), 1);
    }
  }
  t.is(s.outboxCount(), 0);
});

test('session: QoS 0 publish online is written as is; offline it is NOT_CONNECTED', (t: Assert) => {
  const { s } = make();
  t.is(s.publish('a', 'x', 0, false), 'NOT_CONNECTED');
  up(s, 0);
  t.is(s.publish('a/b', 'xy', 0, true), 'sent');
  t.deepEqual(drain(s), [[0x31, 7, 0, 3, 0x61, 0x2f, 0x62, 0x78, 0x79]]);
  t.is(s.stats.sent, 1);
});

test('session: QoS 1 publish is written with its id and completes on PUBACK', (t: Assert) => {
  const { s, r } = make();
  up(s, 0);
  t.is(s.publish('a', new Uint8Array([7]), 1, false), 'sent');
  const id = s.lastPacketId;
  t.is(id, 1);
  t.deepEqual(drain(s), [[0x32, 6, 0, 1, 0x61, 0, 1, 7]]);
  t.is(inflight(s), 1);
  feed(s, puback(id), 2);
  t.deepEqual(r.acks, [1]);
  t.is(inflight(s), 0);
  t.is(s.stats.acked, 1);
  feed(s, puback(id), 3);
  t.deepEqual(r.acks, [1], 'a duplicate PUBACK completes nothing');
});

test('session: window full → queued, then sent in order as PUBACKs free slots', (t: Assert) => {
  const { s, r } = make({ maxInflight: 2 });
  up(s, 0);
  const res: string[] = [];
  for (let i = 0; i < 5; i++) res.push(s.publish('q', 'm' + i, 1, false));
  t.deepEqual(res, ['sent', 'sent', 'queued', 'queued', 'queued']);
  t.is(inflight(s), 2); t.is(queued(s), 3);
  let w = drain(s);
  t.deepEqual(w.map(payloadOf), ['m0', 'm1']);
  feed(s, puback(idOf(w[0])), 2);
  w = drain(s);
  t.deepEqual(w.map(payloadOf), ['m2']);
  t.is(w[0][0], 0x32, 'first transmission: DUP=0');
  feed(s, puback(2).concat(puback(3)), 3);
  w = drain(s);
  t.deepEqual(w.map(payloadOf), ['m3', 'm4']);
  feed(s, puback(4).concat(puback(5)), 4);
  t.deepEqual(r.acks, [1, 2, 3, 4, 5]);
  t.is(inflight(s) + queued(s), 0);
});

test('session: after a reconnect unacknowledged QoS 1 go out again in order, same ids, DUP=1', (t: Assert) => {
  for (const connack of [CONNACK_SP, CONNACK_OK]) {
    const { s, r } = make({ maxInflight: 4 });
    up(s, 0);
    for (let i = 0; i < 3; i++) s.publish('r', 'p' + i, 1, false);
    const first = drain(s);
    feed(s, puback(idOf(first[0])), 2);
    s.closed(3);
    t.deepEqual(r.codes(), ['CONNECTION_LOST']);
    t.is(s.publish('r', 'p3', 1, false), 'queued', 'offline QoS 1 is queued');
    reconnect(s, 4, connack);
    const again = drain(s);
    t.deepEqual(again.map((p) => p[0]), [0x3a, 0x3a, 0x32], 'DUP on the resends only (session present: ' + (connack === CONNACK_SP) + ')');
    t.deepEqual(again.map(idOf), [2, 3, 4]);
    t.deepEqual(again.map(payloadOf), ['p1', 'p2', 'p3']);
  }
});

test('session: QoS 1 published while offline is queued and sent after CONNACK with DUP=0', (t: Assert) => {
  const { s, r } = make();
  t.is(s.publish('o', 'a', 1, false), 'queued');
  t.is(s.publish('o', 'b', 1, false), 'queued');
  t.is(queued(s), 2);
  t.is(s.stats.queued, 2);
  up(s, 10);
  t.deepEqual(r.connects, [false]);
  const w = drain(s);
  t.deepEqual(w.map((p) => p[0]), [0x32, 0x32]);
  t.deepEqual(w.map(payloadOf), ['a', 'b']);
  t.is(queued(s), 0); t.is(inflight(s), 2);
});

test('session: full outbox → QUEUE_FULL, counted, nothing already queued is lost', (t: Assert) => {
  // each stored packet: 2 header + 2 + 1 topic + 2 id + 5 payload = 12 bytes
  const { s } = make({ outboxSize: 40 });
  const res: string[] = [];
  for (let i = 0; i < 5; i++) res.push(s.publish('f', 'msg-' + i, 1, false));
  t.deepEqual(res, ['queued', 'queued', 'queued', 'QUEUE_FULL', 'QUEUE_FULL']);
  t.is(s.stats.dropped, 2);
  t.is(queued(s), 3);
  up(s, 1);
  let w = drain(s);
  t.deepEqual(w.map(payloadOf), ['msg-0', 'msg-1', 'msg-2']);
  // acknowledging frees the room again
  for (const p of w) feed(s, puback(idOf(p)), 2);
  const more: string[] = [];
  for (let i = 5; i < 8; i++) { more.push(s.publish('f', 'msg-' + i, 1, false)); feed(s, [], 3); }
  t.deepEqual(more, ['sent', 'sent', 'sent']);
  w = drain(s);
  t.deepEqual(w.map(payloadOf), ['msg-5', 'msg-6', 'msg-7']);
});

test('session: outbox ring keeps order across its end with acks arriving while publishing', (t: Assert) => {
  const { s, r } = make({ outboxSize: 50, maxInflight: 3 });
  up(s, 0);
  const sent: string[] = [];
  const got: string[] = [];
  let unacked: number[] = [];
  for (let i = 0; i < 200; i++) {
    const payload = 'n' + (i % 10) + (i % 3 === 0 ? 'xyz' : '');
    const res = s.publish('w', payload, 1, false);
    if (res === 'sent' || res === 'queued') sent.push(payload);
    for (const p of drain(s)) { got.push(payloadOf(p)); unacked.push(idOf(p)); }
    // acknowledge only every 7th round, so the ring fills up, drains and wraps
    if (i % 7 === 6) { for (const id of unacked) feed(s, puback(id), i); unacked = []; }
  }
  t.true(s.stats.dropped > 0, 'the small ring filled at times');
  t.deepEqual(got, sent.slice(0, got.length), 'written in publish order, none lost or duplicated');
  t.is(r.acks.length, s.stats.acked);
});

test('session: publish never throws: bad topic, too large, bad QoS', (t: Assert) => {
  const { s } = make({ outboxSize: 64, transmitBufferSize: 64 });
  up(s, 0);
  t.is(s.publish('a/+', 'x', 0, false), 'TOPIC_INVALID');
  t.is(s.publish('', 'x', 1, false), 'TOPIC_INVALID');
  t.is(s.publish('a/#', 'x', 1, false), 'TOPIC_INVALID');
  let big = '';
  for (let i = 0; i < 100; i++) big += 'x';
  t.is(s.publish('a', big, 0, false), 'PACKET_TOO_LARGE');
  t.is(s.publish('a', big, 1, false), 'PACKET_TOO_LARGE');
  // a bad topic is the first thing to fix, whatever the size
  t.is(s.publish('a/+', big, 0, false), 'TOPIC_INVALID');
  t.is(s.publish('a/+', big, 1, false), 'TOPIC_INVALID');
  t.is(s.publish('a', 'x', 2 as 0, false), 'INVALID_ARGUMENT');
  t.is(drain(s).length, 0, 'nothing was written');
  t.is(s.publish('a', 'x', 1, false), 'sent', 'still usable');
});

test('session: packet ids wrap past 65535 and skip ids still in flight or awaiting SUBACK', (t: Assert) => {
  // Out-of-order acknowledgements keep the ring from reclaiming space behind the stuck
  // message, so this needs an outbox that holds 65 535 tiny packets.
  const { s, r } = make({ maxInflight: 3, outboxSize: 1 << 19 });
  up(s, 0);
  s.publish('i', '', 1, false); // id 1: never acknowledged
  s.subscribe('s', 0, null); // id 2: never answered
  drain(s);
  const ack = new Uint8Array([0x40, 2, 0, 0]);
  let last = 0;
  for (let n = 0; n < 70000 && last !== 65535; n++) {
    if (s.publish('i', '', 1, false) !== 'sent') break;
    last = s.lastPacketId;
    drain(s);
    ack[2] = last >> 8; ack[3] = last & 255;
    s.clock = 2;
    s.receive(ack, 0, 4);
  }
  t.is(last, 65535);
  t.is(r.acks.length, 65535 - 2);
  t.is(s.publish('i', 'after wrap', 1, false), 'sent');
  t.is(s.lastPacketId, 3, 'ids 1 and 2 are still in use');
  feed(s, puback(1), 4);
  t.deepEqual(r.acks.slice(-1), [1]);
  s.publish('i', 'x', 1, false);
  t.is(s.lastPacketId, 4);
  t.is(inflight(s), 2);
});

// ---- receive ----

test('session: QoS 1 message is acknowledged only after message() returned', (t: Assert) => {
  const { s, r } = make();
  up(s, 0);
  let pulledInside = -1;
  r.onMessage = () => { pulledInside = drain(s).length; };
  feed(s, publishQos('in/x', 'hello', 1, 0x1234), 1);
  t.is(pulledInside, 0, 'no PUBACK yet while the application holds the message');
  t.deepEqual(r.msgs, [{ topic: 'in/x', payload: [104, 101, 108, 108, 111], qos: 1, retain: false, dup: false }]);
  t.deepEqual(drain(s), [[0x40, 2, 0x12, 0x34]]);
  feed(s, publishQos('in/y', '', 0, 0), 2);
  t.is(drain(s).length, 0, 'QoS 0 needs no PUBACK');
  t.is(s.stats.received, 2);
});

test('session: QoS 2 PUBLISH, PUBREC, PUBREL, PUBCOMP → PROTOCOL_ERROR, close, reconnect', (t: Assert) => {
  const inputs = [publishQos('a', 'x', 2, 9), [0x50, 2, 0, 1], [0x62, 2, 0, 1], [0x70, 2, 0, 1]];
  for (const bytes of inputs) {
    const { s, r } = make();
    up(s, 0);
    feed(s, bytes, 1);
    t.deepEqual(r.codes(), ['PROTOCOL_ERROR'], 'byte 0x' + bytes[0].toString(16));
    t.is(r.msgs.length, 0);
    t.is(r.closes, 1);
    t.is(s.state, WAITING);
    reconnect(s, 1, CONNACK_OK);
    t.is(s.state, CONNECTED, 'the next link works');
  }
});

test('session: malformed bytes → that error, close, normal reconnect with a fresh decoder', (t: Assert) => {
  const { s, r } = make();
  up(s, 0);
  feed(s, [0xf0, 0, 0x20, 2, 0, 0], 1);
  t.is(r.errors.length, 1);
  t.is(r.errors[0].code, 'PACKET_MALFORMED');
  t.is(r.closes, 1);
  t.deepEqual(r.disconnects, [true]);
  t.is(s.state, WAITING);
  reconnect(s, 1, CONNACK_OK);
  t.is(s.state, CONNECTED);
  feed(s, publishQos('ok', '1', 0, 0), 5000);
  t.is(r.msgs.length, 1);
});

test('session: oversize PUBLISH is reported at its header, acknowledged once drained, link stays up', (t: Assert) => {
  const { s, r } = make({ receiveBufferSize: 32 });
  up(s, 0);
  let big = '';
  for (let i = 0; i < 100; i++) big += 'z';
  const pkt = publishQos('big/t', big, 1, 77);
  feed(s, pkt.slice(0, 2), 1);
  t.deepEqual(r.codes(), ['MESSAGE_TOO_LARGE'], 'reported once its length is known');
  t.is(r.errors[0].message, 'incoming PUBLISH of 111 bytes is larger than the receive buffer (32 bytes): dropped');
  for (let i = 2; i < pkt.length; i += 7) feed(s, pkt.slice(i, i + 7), 1);
  t.is(s.stats.oversize, 1);
  t.deepEqual(drain(s), [[0x40, 2, 0, 77]], 'acknowledged, or the broker would send it again forever');
  t.is(s.state, CONNECTED);
  feed(s, publishQos('small', 'ok', 0, 0), 2);
  t.deepEqual(r.msgs.map((m) => m.topic), ['small']);
  t.is(r.errors.length, 1);
});

test('session: an oversize PUBLISH before CONNACK is a protocol error, not acknowledged', (t: Assert) => {
  const { s, r } = make({ receiveBufferSize: 32 });
  s.start(0);
  s.opened(0);
  drain(s); // CONNECT
  let big = '';
  for (let i = 0; i < 100; i++) big += 'z';
  feed(s, publishQos('big/t', big, 1, 77), 1);
  t.deepEqual(r.codes(), ['PROTOCOL_ERROR']);
  t.true(r.errors[0].message.indexOf('before CONNACK') >= 0, r.errors[0].message);
  t.is(s.stats.oversize, 0);
  t.is(flat(drain(s)).join(',').indexOf('64,2,0,77'), -1, 'no PUBACK for it');
  t.is(s.state, WAITING);
});

// ---- subscriptions ----

test('session: SUBSCRIBE tracked to SUBACK; 0x80 reported, naming the filter, which is then forgotten', (t: Assert) => {
  const { s, r } = make();
  t.is(s.subscribe('a', 0, null), 'queued', 'offline: remembered for the link');
  up(s, 0);
  const w0 = drain(s);
  const id0 = (w0[0][2] << 8) | w0[0][3];
  t.deepEqual(w0, [[0x82, 6, id0 >> 8, id0 & 255, 0, 1, 0x61, 0]], 'sent after the CONNACK');
  t.is(s.subscribe('b/#', 1, null), 'sent');
  const w1 = drain(s);
  const id = (w1[0][2] << 8) | w1[0][3];
  t.deepEqual(w1, [[0x82, 8, id >> 8, id & 255, 0, 3, 0x62, 0x2f, 0x23, 1]]);
  t.throwsCode(() => s.subscribe('x/+y', 0, null), 'TOPIC_INVALID');
  t.throwsCode(() => s.subscribe('x', 2, null), 'INVALID_ARGUMENT');
  feed(s, [0x90, 3, id0 >> 8, id0 & 255, 0, 0x90, 3, id >> 8, id & 255, 0x80], 2);
  t.deepEqual(r.codes(), ['SUBSCRIBE_FAILED']);
  t.true(r.errors[0].message.indexOf('"b/#"') >= 0, r.errors[0].message);
  t.deepEqual(s.subs.map((x) => x.filter + ':' + x.id), ['a:0'], 'a confirmed, b/# forgotten');
  t.is(s.unsubscribe('a'), 'sent');
  const w2 = drain(s);
  const u = (w2[0][2] << 8) | w2[0][3];
  t.deepEqual(w2, [[0xa2, 5, u >> 8, u & 255, 0, 1, 0x61]]);
  feed(s, [0xb0, 2, u >> 8, u & 255], 4);
  t.deepEqual(s.subs, []);
  t.is(s.state, CONNECTED);
});

test('session: a subscribe that replaces the list leaves the old list as it was (safe to walk while handlers change it)', (t: Assert) => {
  const { s } = make();
  up(s, 0);
  s.subscribe('a', 0, null);
  const before = s.subs;
  s.subscribe('b', 0, null);
  s.unsubscribe('a');
  t.deepEqual(before.map((x) => x.filter), ['a']);
  t.deepEqual(s.subs.map((x) => x.filter), ['b']);
});

test('session: resubscribe after reconnect only when the broker kept no session', (t: Assert) => {
  const { s, r } = make({ cleanSession: false });
  up(s, 0);
  s.subscribe('a/+', 1, null);
  s.subscribe('b', 0, null);
  s.subscribe('c', 1, null);
  s.subscribe('refused', 0, null);
  s.unsubscribe('b');
  drain(s);
  feed(s, [0x90, 3, 0, 1, 1, 0x90, 3, 0, 2, 0, 0x90, 3, 0, 3, 1, 0x90, 3, 0, 4, 0x80, 0xb0, 2, 0, 5], 2);
  t.deepEqual(r.codes(), ['SUBSCRIBE_FAILED']);
  s.closed(3);
  let now = reconnect(s, 3, CONNACK_SP);
  t.deepEqual(drain(s), [], 'session present: nothing to replay');
  s.closed(now);
  now = reconnect(s, now, CONNACK_OK);
  const w = drain(s);
  t.is(w.length, 1);
  const id = (w[0][2] << 8) | w[0][3];
  t.deepEqual(w[0], [0x82, 12, id >> 8, id & 255, 0, 3, 0x61, 0x2f, 0x2b, 1, 0, 1, 0x63, 1],
    'the filters still wanted, with their QoS, in order, in one SUBSCRIBE');
  feed(s, [0x90, 4, id >> 8, id & 255, 1, 1], now);
  t.deepEqual(r.codes().filter((c) => c !== 'CONNECTION_LOST'), ['SUBSCRIBE_FAILED'], 'the refused filter was not tried again');
  t.is(s.state, CONNECTED);
});

// ---- reconnect schedule ----

test('session: backoff doubles from reconnectMin to the cap; only a link that stayed up 30 s resets it', (t: Assert) => {
  const { s } = make({ reconnectMin: 1000, reconnectMax: 8000, random: () => 0 });
  s.start(0);
  const delays: number[] = [];
  let now = 0;
  for (let i = 0; i < 6; i++) {
    s.closed(now); // the transport could not connect
    const d = s.nextTick(now);
    delays.push(d);
    s.tick(now + d - 1);
    t.is(s.state, WAITING, 'not before the delay');
    now += d;
    s.tick(now);
    t.is(s.state, CONNECTING);
  }
  t.deepEqual(delays, [1000, 2000, 4000, 8000, 8000, 8000]);
  // accepted, then lost at once: still a failed attempt
  up(s, now);
  s.closed(now + 100);
  t.is(s.nextTick(now + 100), 8000, 'a link lost within 30 s does not reset the backoff');
  now = reconnect(s, now + 100, CONNACK_OK);
  s.closed(now + 30000);
  t.is(s.nextTick(now + 30000), 1000, 'back to the minimum after a link that stayed up 30 s');
  t.is(s.stats.reconnects, 7);
});

test('session: a broker that accepts and then fails gets at most 5 attempts a minute over five minutes', (t: Assert) => {
  let seed = 7;
  const { s } = make({ random: () => { seed = (seed * 16807) % 2147483647; return seed / 2147483647; } });
  s.start(0);
  let now = 0, attempts = 1;
  while (now < 300000) {
    s.opened(now);
    drain(s);
    feed(s, [0x20, 2, 0, 0, 0xc0, 0], now); // CONNACK, then a server PINGREQ
    t.is(s.state, WAITING);
    now += s.nextTick(now);
    if (now >= 300000) break;
    s.tick(now);
    attempts++;
  }
  t.true(attempts <= 25, attempts + ' attempts in 5 minutes');
  t.true(attempts >= 8, 'it does keep trying (' + attempts + ')');
});

test('session: jitter shortens the delay by up to reconnectJitter and never exceeds the cap', (t: Assert) => {
  let rnd = 1;
  const { s } = make({ reconnectMin: 1000, reconnectMax: 60000, reconnectJitter: 0.5, random: () => rnd });
  s.start(0);
  s.closed(0);
  t.is(s.nextTick(0), 500);
  rnd = 0.5;
  s.tick(500); s.closed(500);
  t.is(s.nextTick(500), 1500, '2000 × (1 - 0.5 × 0.5)');
  let now = 500;
  for (let i = 0; i < 20; i++) { now += s.nextTick(now); s.tick(now); s.closed(now); }
  t.is(s.nextTick(now), 45000, 'capped at 60000 before jitter');
});

// ---- end ----

test('session: end() called from the error event stops reconnecting', (t: Assert) => {
  // a link lost under us (closed) and one we drop ourselves (malformed bytes → fail)
  for (const how of ['closed', 'fail']) {
    const { s, r } = make({ reconnectMin: 1000 });
    up(s, 0);
    drain(s);
    r.onError = () => { s.end(5); };
    if (how === 'closed') s.closed(5); else feed(s, [0x00, 0], 5);
    t.is(s.state, ENDED, how);
    t.deepEqual(r.disconnects, [false], how + ': one disconnected(), saying no reconnect follows');
    t.is(r.closes, how === 'closed' ? 0 : 1, how + ': close() asked only for the link we drop');
    t.is(s.nextTick(5), -1, how + ': no timer left');
    r.onError = null;
    for (let now = 5; now <= 600000; now += 1000) s.tick(now);
    t.is(r.opens, 1, how + ': never reopens');
    t.is(r.errors.length, 1, how);
  }
});

test('session: a SUBSCRIBE lost with its link is sent again even when the broker kept the session', (t: Assert) => {
  const { s } = make({ cleanSession: false });
  up(s, 0);
  t.is(s.subscribe('lost', 1, null), 'sent');
  drain(s);
  s.closed(2); // no SUBACK: the broker may never have seen it
  let now = reconnect(s, 2, CONNACK_SP);
  const w = drain(s);
  t.is(w.length, 1, 'one SUBSCRIBE on the new link');
  const id2 = (w[0][2] << 8) | w[0][3];
  t.deepEqual(w[0], [0x82, 9, id2 >> 8, id2 & 255, 0, 4, 0x6c, 0x6f, 0x73, 0x74, 1]);
  feed(s, [0x90, 3, id2 >> 8, id2 & 255, 1], now);
  s.closed(now);
  now = reconnect(s, now, CONNACK_SP);
  t.deepEqual(drain(s), [], 'acknowledged once: the broker keeps it in its session');
});

test('session: an UNSUBSCRIBE lost with its link is sent again when the broker kept the session', (t: Assert) => {
  const { s } = make({ cleanSession: false });
  up(s, 0);
  s.subscribe('gone', 1, null);
  s.subscribe('kept', 0, null);
  const w0 = drain(s);
  for (const p of w0) feed(s, [0x90, 3, p[2], p[3], 0], 1);
  s.unsubscribe('gone');
  drain(s);
  s.closed(2); // no UNSUBACK: the broker may still deliver "gone" from the session it kept
  let now = reconnect(s, 2, CONNACK_SP);
  const w = drain(s);
  t.is(w.length, 1, 'one UNSUBSCRIBE on the new link, no SUBSCRIBE');
  const id = (w[0][2] << 8) | w[0][3];
  t.deepEqual(w[0], [0xa2, 8, id >> 8, id & 255, 0, 4, 0x67, 0x6f, 0x6e, 0x65]);
  feed(s, [0xb0, 2, id >> 8, id & 255], now);
  s.closed(now);
  now = reconnect(s, now, CONNACK_SP);
  t.deepEqual(drain(s), [], 'acknowledged once: nothing left to send');
  // Offline unsubscribes are told to a broker that kept the session...
  s.closed(now);
  t.is(s.unsubscribe('kept'), 'queued');
  now = reconnect(s, now, CONNACK_SP);
  const u = drain(s);
  t.is(u.length, 1);
  t.is(u[0][0], 0xa2);
  // ...and not to one that kept nothing: only what is still wanted goes out.
  s.closed(now);
  now = reconnect(s, now, CONNACK_OK);
  t.deepEqual(drain(s), [], 'session not present: no UNSUBSCRIBE, nothing left to resubscribe');
  t.is(s.state, CONNECTED);
});

test('session: a SUBACK does not confirm an UNSUBSCRIBE of the same filter sent after it', (t: Assert) => {
  const { s } = make({ cleanSession: false });
  up(s, 0);
  s.subscribe('x', 0, null);
  const sid = (drain(s)[0][2] << 8) | 0;
  s.unsubscribe('x');
  drain(s);
  feed(s, [0x90, 3, 0, 1, 0], 2); // the SUBACK (id 1); the UNSUBACK never comes
  s.closed(3);
  const now = reconnect(s, 3, CONNACK_SP);
  const w = drain(s);
  t.is(w.length, 1);
  const id = (w[0][2] << 8) | w[0][3];
  t.deepEqual(w[0], [0xa2, 5, id >> 8, id & 255, 0, 1, 0x78], 'the UNSUBSCRIBE goes out again');
  t.is(s.state, CONNECTED, String(now + sid));
});

test('session: end() writes DISCONNECT before close(), ENDED, queued messages stay queued', (t: Assert) => {
  const { s, r } = make({ maxInflight: 1 });
  up(s, 0);
  s.publish('e', '1', 1, false);
  s.publish('e', '2', 1, false);
  drain(s);
  let written: number[][] = [];
  r.onClose = () => { written = drain(s); };
  s.end(2);
  t.deepEqual(written, [[0xe0, 0]]);
  t.is(s.state, ENDED);
  t.deepEqual(r.disconnects, [false]);
  t.is(inflight(s) + queued(s), 2, 'kept for a later start()');
  t.is(s.nextTick(2), -1);
  s.tick(1e9);
  s.closed(1e9);
  t.is(r.opens, 1, 'no reconnect after end()');
  t.deepEqual(r.codes(), []);
  t.is(s.publish('e', 'x', 0, false), 'NOT_CONNECTED');
  // a later start() delivers what was kept
  r.onClose = null;
  up(s, 10);
  t.deepEqual(drain(s).map(payloadOf), ['1']);
});

for (const long of [false, true]) test('session: a retained QoS 1 message that replaces the only stored one, then more traffic, keeps the outbox whole' + (long ? ' (topics too long to remember)' : ''), (t: Assert) => {
  // Offline, "a"=1 retained is replaced by "a"=2 retained: the ring is empty for a moment while
  // the newer one is being stored. Afterwards it must hold exactly "a"=2 and "b", in order, through
  // PUBACKs, more publishes and a lost link. (Long topics take the general encoder's path.)
  const a = long ? 'a'.repeat(60) : 'a', c = long ? 'c'.repeat(60) : 'c';
  const { s } = make({ outboxSize: 400, maxInflight: 4 });
  t.is(s.publish(a, '1', 1, true), 'queued');
  t.is(s.publish(a, '2', 1, true), 'queued');
  t.is(s.publish('b', '3', 1, false), 'queued');
  t.is(s.outboxCount(), 2, 'the older retained one is gone');
  up(s, 0);
  const first = drain(s);
  t.deepEqual(first.map(payloadOf), ['2', '3']);
  feed(s, puback(idOf(first[0])), 1);
  t.is(s.outboxCount(), 1, '"b" still awaits its PUBACK');
  t.is(s.publish(c, '4', 1, false), 'sent');
  t.is(s.publish(c, '5', 1, false), 'sent');
  t.is(s.publish(c, '6', 1, false), 'sent');
  drain(s);
  s.closed(2);
  reconnect(s, 2, CONNACK_SP);
  const again = drain(s);
  t.deepEqual(again.map(payloadOf), ['3', '4', '5', '6'], 'resent intact, in order');
  t.deepEqual(again.map((p) => p[0] & 0x08), [8, 8, 8, 8], 'with DUP');
});
