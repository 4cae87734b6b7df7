// Runs inside XS (bundled with src/platform/moddable.ts, src/client.ts and the fakes in this
// folder, which stand in for Moddable's engine modules). Each scenario drives one client through
// the adapter against a scripted peer on a manual clock and returns what a user would observe;
// test/moddable-adapter.test.ts decodes the bytes on the wire with mqtt-packet and asserts.
import { MqttClient } from '../../../src/client.js';
import type { ClientOptions, Platform } from '../../../src/client.js';
import { advance, clock, resetClock } from './clock.js';
import { netState, resetNet } from './net.js';
import TCP, { resetTcp, tcpState } from './tcp.js';
import type { FakePeer } from './tcp.js';

type Factory = (o?: { pendingSize?: number; readSize?: number; tls?: unknown }) => Platform;

export interface PeerResult { address: string; port: number; wire: string; state: string; openedAt: number; closedAt: number }
export interface ScenarioResult {
  events: string[];             // client callbacks in order, with the clock time
  peers: PeerResult[];          // every socket the adapter opened
  notes: Record<string, unknown>;
  lookups: string[];
  clientId: string;
  writeThrows: number;          // write() calls beyond the budget (must stay 0)
  tasksLeft: number;            // timers still set when the scenario ends
}

function hex(bytes: number[]): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
  return s;
}
function text(u8: Uint8Array): string {
  let s = '';
  for (let i = 0; i < u8.length; i++) s += String.fromCharCode(u8[i]);
  return s;
}
function repeat(c: string, n: number): string { let s = ''; for (let i = 0; i < n; i++) s += c; return s; }

// Broker packets, hand-encoded (short: remaining length < 128)
const connack = [0x20, 2, 0, 0];
function puback(id: number): number[] { return [0x40, 2, id >> 8, id & 255]; }
function suback(id: number, code: number): number[] { return [0x90, 3, id >> 8, id & 255, code]; }
function publish(topic: string, payload: string, qos: number, id: number): number[] {
  const b = [0x30 | (qos << 1), 0, topic.length >> 8, topic.length & 255];
  for (let i = 0; i < topic.length; i++) b.push(topic.charCodeAt(i));
  if (qos) b.push(id >> 8, id & 255);
  for (let i = 0; i < payload.length; i++) b.push(payload.charCodeAt(i));
  b[1] = b.length - 2;
  return b;
}
/** Packet types (and packet ids where present) in the bytes a peer received. */
function packets(bytes: number[]): { type: number; id: number }[] {
  const out: { type: number; id: number }[] = [];
  let i = 0;
  while (i < bytes.length) {
    const type = bytes[i] >> 4;
    let len = 0, mul = 1, j = i + 1;
    for (;;) { const d = bytes[j++]; len += (d & 127) * mul; mul *= 128; if (d < 128) break; }
    if (j + len > bytes.length) break;
    let id = 0;
    if (type === 8 || type === 10) id = (bytes[j] << 8) | bytes[j + 1];
    out.push({ type: type, id: id });
    i = j + len;
  }
  return out;
}

class Run {
  events: string[] = [];
  notes: Record<string, unknown> = {};
  client: MqttClient;
  constructor(make: Factory, options: Partial<ClientOptions>, pendingSize?: number) {
    const o = { platform: make(pendingSize ? { pendingSize: pendingSize } : undefined) } as ClientOptions;
    for (const k in options) (o as unknown as Record<string, unknown>)[k] = (options as Record<string, unknown>)[k];
    const c = new MqttClient(o);
    const ev = this.events;
    c.onConnect = function (sp) { ev.push(clock.now + ' connect ' + sp); };
    c.onPublished = function (id) { ev.push(clock.now + ' published ' + id); };
    c.onError = function (e) { ev.push(clock.now + ' error ' + e.code + ' ' + e.message); };
    c.onClose = function () { ev.push(clock.now + ' close'); };
    c.onMessage = function (t, p, info) { ev.push(clock.now + ' message ' + t + ' ' + text(p) + ' qos' + info.qos); };
    this.client = c;
  }
  peer(i: number): FakePeer {
    const p = tcpState.peers[i];
    if (!p) throw new Error('no socket #' + i + ' was opened (have ' + tcpState.peers.length + ')');
    return p;
  }
  /** Opens and completes the MQTT handshake on socket #i. */
  handshake(i: number): FakePeer {
    advance(20);
    const p = this.peer(i);
    p.send(connack);
    advance(1);
    return p;
  }
  result(): ScenarioResult {
    const peers: PeerResult[] = [];
    for (const p of tcpState.peers) peers.push({ address: p.address, port: p.port, wire: hex(p.received), state: p.state, openedAt: p.openedAt, closedAt: p.closedAt });
    return {
      events: this.events, peers: peers, notes: this.notes, lookups: netState.lookups.slice(),
      clientId: this.client.clientId, writeThrows: tcpState.writeThrows, tasksLeft: clock.tasks.length,
    };
  }
}

const FAST_RECONNECT = { min: 1000, max: 1000, jitter: 0 };

// As the Moddable SDK's TLS socket (examples/io/tcp/tlssocket) treats its options: it keeps the
// three callbacks in an object of its own and calls them as that object's methods, over a TCP
// socket it opens itself with `new options.TCP.io(...)`; options.target is not copied. (The
// encryption is left out.)
class FakeTls {
  private tcp: TCP;
  constructor(options: { address: string; port: number; TCP: { io: typeof TCP }; onReadable(n: number): void; onWritable(n: number): void; onError(): void }) {
    const callbacks = { onReadable: options.onReadable, onWritable: options.onWritable, onError: options.onError };
    this.tcp = new options.TCP.io({
      address: options.address, port: options.port, format: 'buffer',
      onReadable: function (n?: number) { callbacks.onReadable(n as number); },
      onWritable: function (n?: number) { callbacks.onWritable(n as number); },
      onError: function () { callbacks.onError(); },
    });
  }
  read(into: Uint8Array): unknown { return this.tcp.read(into); }
  write(v: Uint8Array): void { this.tcp.write(v); }
  close(): void { this.tcp.close(); }
}

const scenarios: Record<string, (make: Factory) => ScenarioResult> = {
  // DNS through Net.resolve, CONNECT, SUBSCRIBE, QoS 1 publish → PUBACK, incoming PUBLISH, end().
  session: function (make) {
    netState.hosts['broker.local'] = '10.0.0.7';
    const r = new Run(make, { url: 'mqtt://broker.local:1884', keepalive: 30 });
    const c = r.client;
    c.connect();
    r.notes.socketsDuringConnectCall = tcpState.peers.length;
    advance(4);
    r.notes.socketsBeforeResolveAnswered = tcpState.peers.length;
    const p = r.handshake(0);
    c.subscribe('a/#', 1, function (t, payload, info) { r.events.push(clock.now + ' handler ' + t + ' ' + text(payload) + ' qos' + info.qos); });
    advance(1);
    const sub = packets(p.received).filter(function (k) { return k.type === 8; })[0];
    p.send(suback(sub.id, 1));
    advance(1);
    r.notes.publishResult = c.publish('x/y', 'hello', 1);
    const id = c.lastPacketId;
    r.notes.publishId = id;
    advance(1);
    r.notes.publishedBeforePuback = r.events.join('|').indexOf('published') >= 0;
    p.send(puback(id));
    advance(1);
    p.send(publish('a/b', 'hi', 1, 7));
    advance(1);
    c.end();
    advance(10);
    return r.result();
  },

  // A budget smaller than the packets: bytes wait in the pending buffer and go out in order.
  backpressure: function (make) {
    const r = new Run(make, { host: '10.0.0.9', port: 1883, keepalive: 0 });
    const c = r.client;
    c.connect();
    const p = r.handshake(0);
    const before = p.received.length;
    p.drain(10);
    advance(1);
    r.notes.first = c.publish('big', repeat('a', 60), 0);
    r.notes.second = c.publish('second', repeat('b', 40), 0);
    advance(1);
    r.notes.bytesAfterBudget10 = p.received.length - before;
    p.drain(30);
    advance(1);
    r.notes.bytesAfterBudget30 = p.received.length - before;
    p.drain(1000);
    advance(1);
    r.notes.bytesAfterBudget1000 = p.received.length - before;
    r.notes.lookupsForIpLiteral = netState.lookups.length;
    c.end();
    advance(10);
    return r.result();
  },

  // More than the pending buffer holds: the link is dropped with a reason, then retried.
  overflow: function (make) {
    const r = new Run(make, { host: '10.0.0.9', port: 1883, keepalive: 0, reconnect: FAST_RECONNECT }, 64);
    const c = r.client;
    c.connect();
    const p = r.handshake(0);
    p.drain(0);
    advance(1);
    r.notes.publish = c.publish('t', repeat('z', 100), 0);
    advance(1);
    advance(997);
    r.notes.socketsAfter999 = tcpState.peers.length;
    advance(5);
    r.notes.socketsAfter1005 = tcpState.peers.length;
    c.end();
    advance(10);
    return r.result();
  },

  // Socket error → CONNECTION_LOST, close, reconnect after the backoff with a new CONNECT.
  reconnect: function (make) {
    const r = new Run(make, { host: '10.0.0.9', port: 1883, keepalive: 0, reconnect: FAST_RECONNECT });
    const c = r.client;
    c.connect();
    const p = r.handshake(0);
    r.notes.failedAt = clock.now;
    p.fail();
    advance(1);
    r.notes.stateAfterError = p.state;
    advance(990);
    r.notes.socketsBeforeBackoff = tcpState.peers.length;
    advance(20);
    r.notes.socketsAfterBackoff = tcpState.peers.length;
    r.handshake(1);
    c.end();
    advance(10);
    return r.result();
  },

  // end() while bytes wait for the budget: the DISCONNECT must still reach the broker.
  endFlushesPending: function (make) {
    const r = new Run(make, { host: '10.0.0.9', port: 1883, keepalive: 0 });
    const c = r.client;
    c.connect();
    const p = r.handshake(0);
    p.drain(5);
    advance(1);
    r.notes.publish = c.publish('last', 'words', 0);
    c.end();
    advance(1);
    r.notes.stateBeforeDrain = p.state;
    p.drain(1000);
    advance(1);
    r.notes.stateAfterDrain = p.state;
    advance(3000);
    return r.result();
  },

  // end() while the network never drains: the socket is closed anyway after the linger time.
  endLingerTimeout: function (make) {
    const r = new Run(make, { host: '10.0.0.9', port: 1883, keepalive: 0 });
    const c = r.client;
    c.connect();
    const p = r.handshake(0);
    p.drain(0);
    advance(1);
    c.end();
    r.notes.endAt = clock.now;
    advance(1900);
    r.notes.stateAt1900 = p.state;
    advance(200);
    r.notes.stateAt2100 = p.state;
    advance(10);
    return r.result();
  },

  // An unknown host: CONNECTION_LOST naming it, and the next attempt resolves again.
  dnsFailure: function (make) {
    const r = new Run(make, { url: 'mqtt://nowhere.local', reconnect: FAST_RECONNECT });
    const c = r.client;
    c.connect();
    advance(1100);
    c.end();
    advance(10);
    return r.result();
  },

  // On XS a closure made at run time costs RAM (measured on Moddable's XS: its slots plus a RAM
  // copy of its code), so the adapter makes none per platform or per connection: methods live on
  // prototypes, and the socket callbacks are shared functions that find their transport through
  // socket.target. Reads of odd sizes and writes of many sizes keep a bounded number of views.
  sharedFunctions: function (make) {
    const a = make({ readSize: 16 }), b = make();
    const own: string[] = [];
    for (const k of Object.keys(a)) if (typeof (a as unknown as Record<string, unknown>)[k] === 'function') own.push(k);
    const r = new Run(function () { return a; }, { host: '10.0.0.9', port: 1883, keepalive: 0, reconnect: FAST_RECONNECT });
    const c = r.client;
    c.subscribe('in', 0, function (t, payload) { r.events.push(clock.now + ' handler ' + t + ' ' + text(payload)); });
    c.connect();
    const p0 = r.handshake(0);
    advance(1);
    const sub = packets(p0.received).filter(function (k) { return k.type === 8; })[0];
    p0.send(suback(sub.id, 0));
    advance(1);
    // reads of six sizes: PUBLISH packets of 6..10 bytes, then a 40-byte one read 16 at a time
    for (let n = 0; n < 5; n++) { p0.send(publish('in', repeat('x', n), 0, 0)); advance(1); }
    p0.send(publish('in', repeat('y', 34), 0, 0));
    advance(1);
    for (let n = 1; n <= 6; n++) c.publish('out', repeat('z', n), 0);
    advance(1);
    const t0 = p0.socket.target as unknown as { inViews: unknown[]; out: { views: unknown[] } };
    r.notes.readViewsKept = t0.inViews.length;
    r.notes.writeViewsKept = t0.out.views.length;
    p0.fail();
    advance(1100);
    r.handshake(1);
    const s0 = tcpState.peers[0].socket, s1 = tcpState.peers[1].socket;
    r.notes.ownFunctions = own;
    r.notes.methodsShared = a.connect === b.connect && a.now === b.now && a.setTimer === b.setTimer;
    r.notes.targets = [typeof s0.target, typeof s1.target, s0.target !== s1.target];
    r.notes.callbacksShared = s0.options.onReadable === s1.options.onReadable && s0.options.onWritable === s1.options.onWritable &&
      s0.options.onError === s1.options.onError;
    c.end();
    advance(10);
    return r.result();
  },

  // mqtts:// through the TLS socket class the application passes (options.tls).
  tls: function (make) {
    const r = new Run(function () { return make({ tls: FakeTls }); }, { url: 'mqtts://10.0.0.9', keepalive: 0 });
    const c = r.client;
    c.connect();
    const p = r.handshake(0);
    r.notes.port = p.port;
    r.notes.publish = c.publish('t', 'secret', 1);
    advance(1);
    p.send(puback(c.lastPacketId));
    advance(1);
    c.end();
    advance(10);
    return r.result();
  },

  // The Linux build may have no network interface: Net.get('MAC') gives nothing.
  // Time.ticks wraps after ~24.8 days on the chips; keepalive must go on across the wrap.
  ticksWrap: function (make) {
    resetClock(2147483647 - 5000);
    const start = clock.now;
    const r = new Run(make, { host: '10.0.0.9', port: 1883, keepalive: 10 });
    r.client.connect();
    const p = r.handshake(0);
    const pings: number[] = [];
    for (let step = 0; step < 120; step++) {
      advance(500);
      const n = packets(p.received).filter(function (k) { return k.type === 12; }).length;
      if (n > pings.length) {
        pings.push(clock.now - start);
        p.send([0xd0, 0]); // PINGRESP
        advance(1);
      }
    }
    r.notes.pings = pings;
    r.notes.connected = r.client.connected;
    return r.result();
  },
  noMac: function (make) {
    netState.mac = undefined;
    // the wall clock at start-up (Date.now) is what tells two runs apart: pinned here
    const realNow = Date.now;
    const started = 1764900000123;
    Date.now = function () { return started; };
    let r: Run, later: Run;
    try {
      r = new Run(make, { host: '10.0.0.9', port: 1883 });
      Date.now = function () { return started + 1; };
      later = new Run(make, { host: '10.0.0.9', port: 1883 });
    } finally {
      Date.now = realNow;
    }
    const result = r.result();
    result.notes.wallClock = started;
    result.notes.laterClientId = later.result().clientId;
    return result;
  },
};

export function runScenario(make: Factory, name: string): string {
  resetClock(100000);
  resetNet();
  resetTcp();
  const fn = scenarios[name];
  if (!fn) return JSON.stringify({ error: 'no scenario ' + name });
  try {
    return JSON.stringify(fn(make));
  } catch (e) {
    return JSON.stringify({ error: String(e) + '\n' + ((e as Error).stack || '') });
  }
}

export const scenarioNames = Object.keys(scenarios);

export function install(make: Factory): void {
  const g = globalThis as unknown as { xsCommand(name: string, fn: (arg: string) => string): void };
  g.xsCommand('scenario', function (name) { return runScenario(make, name); });
}
