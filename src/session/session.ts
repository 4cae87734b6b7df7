// The MQTT 3.1.1 client state machine, sans I/O. It is fed received bytes, the time and user
// commands, and answers through the methods a subclass implements (the underscore ones): bytes
// to write, requests to open or close the link, and what happened. No sockets, no timers: the
// subclass (MqttClient, or a test) sets one timer for `deadline` and calls tick().
// The client is a subclass rather than a wrapper so that a message or a publish crosses one call
// instead of two, and one object holds the state instead of two.
//
// Memory: one buffer, allocated here once, holds the transmit area, the receive buffer, the
// outbox ring and the encoded CONNECT. Publishing (QoS 0, or QoS 1 with its PUBACK), keepalive
// and receiving allocate nothing here beyond the payload view of a received message and the
// result object of the engine's encodeInto for a string payload (checked inside XS).
//
// Cost (XS runs a JS loop over a string at ~100 meter units per character): a topic is checked
// and encoded once, when it changes, into the transmit area at a fixed place, with views for the
// payload behind it; each publish then only encodes its payload (the engine's native
// TextEncoder.encodeInto where there is one), writes the fixed header in front and hands the
// bytes on. A QoS 1 packet is copied into the ring with copyWithin (native).
//
// Policies:
// - QoS 1 messages are retransmitted only on a new link (MQTT 3.1.1 §4.4), never on a timer
//   while connected: TCP already retransmits. A dead link is found by keepalive instead.
// - Keepalive K: a check every K/2 sends a PINGREQ when, since the previous check, nothing was
//   sent or nothing was received (or the check itself is late by K/2 or more); a PINGREQ with no
//   packet at all by the next check declares the link dead. So the broker hears from us within K,
//   and a silent broker is found within 1.5 K of its last packet.
// - Backoff: delays double from reconnectMin to reconnectMax, shortened by up to `jitter` of
//   themselves. They start over only after a link that stayed up HEALTHY_MS: a broker that accepts
//   and then fails at once gets ever fewer attempts, not a storm (docs/CONTRACTS.md).
// - Statuses: a retained QoS 1 publish removes older retained messages on the same topic that
//   have not been written on this link, and _connected() runs before the outbox is flushed.
import { MqttError, INVALID_ARGUMENT, PACKET_TOO_LARGE, PROTOCOL_ERROR, CONNECTION_LOST, QUEUE_FULL, NOT_CONNECTED } from '../errors.js';
import type { MqttErrorCode } from '../errors.js';
import { CONNACK, PUBLISH, PUBACK, SUBACK, PINGRESP, SUBACK_FAILURE, PACKET_NAMES } from '../codec/constants.js';
import { encodeConnect, encodePublish, encodeFilters } from '../codec/encode.js';
import type { Will, ConnectFields } from '../codec/encode.js';
import { utf8Length, writeUtf8, validateTopic } from '../codec/utf8.js';
import { Decoder, DECODE_PACKET, DECODE_TOO_LARGE, DECODE_DRAINED } from '../codec/decoder.js';
import { Outbox } from './outbox.js';

/** What the session needs of a native UTF-8 encoder (TextEncoder has it on Node, XS, browsers). */
export interface Utf8Encoder { encodeInto(s: string, into: Uint8Array): { written?: number } }

export interface SessionOptions {
  clientId: string;
  cleanSession?: boolean;          // default true
  keepalive?: number;              // seconds, default 60; 0 disables
  username?: string; password?: string | Uint8Array; will?: Will;
  receiveBufferSize?: number;      // bytes, default 1024: the largest incoming packet
  transmitBufferSize?: number;     // bytes, default 512: control packets and the largest QoS 0 publish
  outboxSize?: number;             // bytes, default 4096: QoS 1 messages in flight and queued
  maxInflight?: number;            // default 8
  connectTimeout?: number;         // ms, default 10000
  reconnectMin?: number;           // ms, default 1000
  reconnectMax?: number;           // ms, default 60000
  reconnectJitter?: number;        // 0..1, default 0.5
  random?: () => number;           // default Math.random
  encoder?: Utf8Encoder | null;    // default: a global TextEncoder if there is one
}

export const IDLE = 0, CONNECTING = 1, HANDSHAKE = 2, CONNECTED = 3, WAITING = 4, ENDED = 5, FAILED = 6;
export const STATE_NAMES = Object.freeze(['IDLE', 'CONNECTING', 'HANDSHAKE', 'CONNECTED', 'WAITING', 'ENDED', 'FAILED']);
export const SENT = 'sent', QUEUED = 'queued';
export type PublishResult = 'sent' | 'queued' | MqttErrorCode;

/** A link that stayed up this long was healthy: the next reconnect waits only reconnectMin. */
export const HEALTHY_MS = 30000;
// Queued ids are allocated in order, so they cannot collide with a new one unless more than
// 65535 were outstanding at once; this bound makes that impossible.
const MAX_STORED = 60000;
// activity bits since the last keepalive check
const SENT_BIT = 1, RECV_BIT = 2;
// The topics a client publishes to are remembered (TOPICS of them, each at most `tmax` bytes, 48):
// checked and encoded once, kept in the buffer, and copied (natively) into the transmit area
// when the topic changes. Layout there: the payload always at p0 (so one view of the buffer
// serves every topic and QoS), the packet id (QoS 1) right before it, the topic and its length
// before that, the fixed header in front. PUBACK, PINGREQ and DISCONNECT use [0, 4), below the
// longest topic that is remembered, so a placed topic stays in place.
const TOPICS = 4;

const CONNACK_REFUSED = Object.freeze(['', 'PROTOCOL_VERSION', 'IDENTIFIER_REJECTED', 'SERVER_UNAVAILABLE', 'BAD_CREDENTIALS', 'NOT_AUTHORIZED']);
const CREDENTIALS = 'bad user name or password, or not authorized; check the credentials and the broker\'s access rules';
const CONNACK_TEXT = Object.freeze(['', 'the broker does not speak MQTT 3.1.1', 'the broker rejected the client id; use another one',
  'the broker is unavailable; retrying', CREDENTIALS, CREDENTIALS]);

export interface SessionStats {
  sent: number; acked: number; queued: number; dropped: number; received: number; reconnects: number; oversize: number;
}

/** One subscribe() filter. id: -1 to be sent, 0 acknowledged, > 0 the SUBSCRIBE awaiting its SUBACK. */
export interface Subscription { filter: string; qos: number; handler: unknown; id: number }

// A SUBSCRIBE (sub) or UNSUBSCRIBE awaiting its answer.
interface Request { id: number; filters: string[]; sub: boolean }

// The empty lists a session starts with, shared: the lists are replaced, never changed in place
// (on XS each array costs slots of its own, so a client does not pay for lists it never uses).
const NO_SUBS: Subscription[] = Object.freeze([]) as unknown as Subscription[];
const NO_STRINGS: string[] = Object.freeze([]) as unknown as string[];
const NO_REQUESTS: Request[] = Object.freeze([]) as unknown as Request[];

function opt(v: number | undefined, d: number): number {
  return typeof v === 'number' && v === v ? v : d;
}

declare const TextEncoder: (new () => Utf8Encoder) | undefined;

export abstract class Session {
  state: number;
  lastPacketId: number;
  readonly stats: SessionStats;
  /** The filters subscribed, in subscription order. Replaced (never changed in place) on every
   *  subscribe/unsubscribe, so a caller walking it while a handler (un)subscribes is safe. */
  subs: Subscription[];
  /** Time (ms, the clock passed in) at which tick() has something to do; Infinity: nothing. */
  deadline: number;
  readonly rx: Decoder;
  readonly ob: Outbox;

  private mem: Uint8Array;
  private txLen: number;
  private connectAt: number; private connectEnd: number; // the encoded CONNECT in mem
  private enc: Utf8Encoder | null;
  private keepalive: number; // ms
  private openTimeout: number;
  private rMin: number; private rMax: number; private rJitter: number;
  private rand: () => number;
  // the publish topics remembered: their strings, and in the buffer at pstore + i * (tmax + 1)
  // each one's UTF-8 length and bytes; the next slot to reuse; which one (and which QoS) sits in
  // the transmit area (-1: none). Lengths in the buffer: an array element costs a slot on XS.
  private ptopics: (string | null)[];
  private pnext: number;
  private placed: number;
  private pat: number;       // where the placed topic's bytes start
  private tmax: number; private p0: number; private pstore: number;
  private pv: Uint8Array | null; // the payload room: the buffer from p0 to the end of the transmit area
  private attempt: number;   // reconnect attempts since the last healthy link
  private upAt: number;      // when the current link got its CONNACK
  private io: number;        // SENT_BIT | RECV_BIT since the last keepalive check
  private pinged: boolean;
  private nextId: number;
  private linkNo: number;    // bumped when a link ends, so an event handler's effect is noticed
  private unsubs: string[];  // unsubscribed while offline: told to a broker that kept the session
  private reqs: Request[];

  // ---- what the subclass implements ----
  /** Please open a transport, then call opened() (or closed()). */
  protected abstract _open(): void;
  /** Please close the transport; its events no longer matter. */
  protected abstract _close(): void;
  /** Send buf[start..end) now; copy it, buf is reused. */
  protected abstract _write(buf: Uint8Array, start: number, end: number): void;
  /** CONNACK 0; the outbox is flushed after this returns. */
  protected abstract _connected(sessionPresent: boolean): void;
  /** payload is a view valid during the call only; a QoS 1 message is acknowledged after it returns. */
  protected abstract _message(topic: string, payload: Uint8Array, qos: number, retain: boolean, dup: boolean): void;
  /** PUBACK for our QoS 1 publish. */
  protected abstract _published(packetId: number): void;
  /** Every problem, fatal or not. */
  protected abstract _error(err: MqttError): void;
  /** A link (or an attempt at one) ended. */
  protected abstract _disconnected(willReconnect: boolean): void;
  /** The time (ms, the same clock as the other inputs' `now`), asked for by receive() when it needs it. */
  protected abstract _now(): number;

  constructor(o: SessionOptions) {
    const fields: ConnectFields = {
      clientId: o.clientId, cleanSession: o.cleanSession !== false, keepalive: opt(o.keepalive, 60),
      username: o.username, password: o.password, will: o.will,
    };
    const clen = encodeConnect(null, 0, fields); // checks every CONNECT field (throws)
    const tx = opt(o.transmitBufferSize, 512), rx = opt(o.receiveBufferSize, 1024), obSize = opt(o.outboxSize, 4096);
    if (tx < 16) throw new MqttError(INVALID_ARGUMENT, 'the transmit buffer must hold at least 16 bytes');
    // topics up to 48 bytes (fewer in a small transmit area) are remembered; longer ones are
    // encoded on every publish
    const tmax = tx >= 192 ? 48 : tx >> 2;
    const mem = this.mem = new Uint8Array(tx + rx + obSize + clen + TOPICS * (tmax + 1));
    this.txLen = tx;
    this.tmax = tmax;
    this.p0 = 9 + tmax;
    this.pstore = tx + rx + obSize + clen;
    this.pv = tx - this.p0 >= 8 ? mem.subarray(this.p0, tx) : null;
    this.ptopics = [null, null, null, null];
    this.pnext = 0;
    this.placed = -1;
    this.pat = 0;
    this.rx = new Decoder(mem.subarray(tx, tx + rx));
    this.ob = new Outbox(mem, tx + rx, obSize, opt(o.maxInflight, 8));
    this.connectAt = tx + rx + obSize;
    this.connectEnd = encodeConnect(mem, this.connectAt, fields);
    this.enc = o.encoder !== undefined ? o.encoder : typeof TextEncoder === 'function' ? new TextEncoder() : null;
    this.keepalive = fields.keepalive * 1000;
    this.openTimeout = opt(o.connectTimeout, 10000);
    this.rMin = opt(o.reconnectMin, 1000);
    this.rMax = opt(o.reconnectMax, 60000);
    this.rJitter = opt(o.reconnectJitter, 0.5);
    this.rand = o.random || Math.random;
    this.state = IDLE;
    this.lastPacketId = 0;
    this.stats = { sent: 0, acked: 0, queued: 0, dropped: 0, received: 0, reconnects: 0, oversize: 0 };
    this.subs = NO_SUBS;
    this.deadline = Infinity;
    this.attempt = 0; this.upAt = 0; this.io = 0; this.pinged = false;
    this.nextId = 1; this.linkNo = 0;
    this.unsubs = NO_STRINGS; this.reqs = NO_REQUESTS;
  }

  /** QoS 1 messages stored: in flight (written, awaiting PUBACK) plus queued. */
  outboxCount(): number {
    return this.ob.inflight + this.ob.backlog;
  }

  /** ms until tick() has something to do, or -1 for nothing. */
  nextTick(now: number): number {
    const d = this.deadline;
    return d === Infinity ? -1 : d > now ? d - now : 0;
  }

  // ---- link lifecycle ----

  start(now: number): void {
    const s = this.state;
    if (s !== IDLE && s !== ENDED && s !== FAILED) return;
    this.attempt = 0;
    this.state = CONNECTING;
    this.deadline = now + this.openTimeout;
    this._open();
  }

  opened(now: number): void {
    if (this.state !== CONNECTING) return;
    this.rx.reset();
    this.state = HANDSHAKE;
    this.deadline = now + this.openTimeout;
    this._write(this.mem, this.connectAt, this.connectEnd);
  }

  closed(now: number): void {
    const s = this.state;
    if (s === CONNECTING || s === HANDSHAKE || s === CONNECTED) this.linkDown(new MqttError(CONNECTION_LOST, 'connection lost'), false, WAITING, now);
  }

  end(now: number): void {
    const s = this.state;
    if (s === ENDED) return;
    if (s === CONNECTED) this.control(0xe0, -1);
    this.linkDown(null, s === CONNECTING || s === HANDSHAKE || s === CONNECTED, ENDED, now);
  }

  // The link (or the attempt at one) is over; `state` says what follows: WAITING for a reconnect
  // after a backoff, FAILED (retrying cannot help) or ENDED (end(), err null). `ask`: we decided
  // it, so the transport is to be closed. Everything is settled before the application hears
  // anything: its error handler may call end(), which must win.
  private linkDown(err: MqttError | null, ask: boolean, state: number, now: number): void {
    if (this.state === CONNECTED && now - this.upAt >= HEALTHY_MS) this.attempt = 0;
    this.linkNo++;
    this.pinged = false;
    // requests die with their link: subscriptions are sent again, unsubscriptions told again
    for (let i = 0; i < this.subs.length; i++) if (this.subs[i].id > 0) this.subs[i].id = -1;
    for (let i = 0; i < this.reqs.length; i++) if (!this.reqs[i].sub) this.unsubs = this.unsubs.concat(this.reqs[i].filters);
    this.reqs = NO_REQUESTS;
    this.state = state;
    this.deadline = Infinity;
    if (state === WAITING) {
      let d = this.rMin;
      for (let i = 0; i < this.attempt && d < this.rMax; i++) d *= 2;
      if (d > this.rMax) d = this.rMax;
      let r = this.rand();
      if (!(r >= 0)) r = 0;
      if (r > 1) r = 1;
      this.deadline = now + Math.floor(d * (1 - this.rJitter * r));
      this.attempt++;
    }
    if (ask) this._close();
    if (err) this._error(err);
    if (err || ask) this._disconnected(err !== null && this.state !== ENDED && this.state !== FAILED);
  }

  // ---- timers ----

  tick(now: number): void {
    const due = this.deadline;
    if (now < due) return;
    const s = this.state;
    if (s === CONNECTED) { // (the keepalive check, the usual case, first)
      const half = this.keepalive / 2, io = this.io;
      if (this.pinged && !(io & RECV_BIT)) {
        this.linkDown(new MqttError('PING_TIMEOUT', 'no answer from the broker within ' + half * 3 + ' ms (keepalive ' + half / 500 + ' s): the link is dead'),
          true, WAITING, now);
        return;
      }
      this.pinged = false;
      this.io = 0;
      this.deadline = now + half;
      if (io !== (SENT_BIT | RECV_BIT) || now - due >= half) {
        this.pinged = true;
        this.control(0xc0, -1);
      }
    } else if (s === WAITING) {
      this.stats.reconnects++;
      this.state = CONNECTING;
      this.deadline = now + this.openTimeout;
      this._open();
    } else if (s === CONNECTING || s === HANDSHAKE) {
      this.linkDown(new MqttError('CONNECT_TIMEOUT', 'no CONNACK within ' + this.openTimeout + ' ms'), true, WAITING, now);
    }
  }

  // ---- output ----

  // PUBACK (with id), PINGREQ or DISCONNECT (id -1), written from [0, 4) of the transmit area.
  private control(first: number, id: number): void {
    const m = this.mem;
    m[0] = first;
    m[1] = id < 0 ? 0 : 2;
    m[2] = id >> 8; m[3] = id & 255;
    this.io |= SENT_BIT;
    this._write(m, 0, id < 0 ? 2 : 4);
  }

  // Writes what the window holds unsent, admitting queued messages while it has room.
  private flush(): void {
    const ob = this.ob, t = ob.tab;
    while (this.state === CONNECTED) {
      if (ob.sent === ob.inflight) {
        if (!ob.admit()) return;
        this.stats.sent++;
      }
      const k = ob.sent++ * 3;
      this.io |= SENT_BIT;
      this._write(this.mem, t[k], t[k] + t[k + 1]);
    }
  }

  // ---- publish ----

  /**
   * 'sent' (written now), 'queued' (QoS 1: in the outbox, written when a link and the in-flight
   * window allow) or an error code: TOPIC_INVALID, STRING_TOO_LONG, PACKET_TOO_LARGE, QUEUE_FULL
   * (outbox full, nothing stored), NOT_CONNECTED (QoS 0 while offline), INVALID_ARGUMENT. Never
   * throws. A QoS 1 message's packet id is in lastPacketId.
   */
  publish(topic: string, payload: string | Uint8Array, qos?: 0 | 1, retain?: boolean): PublishResult {
    if (qos !== 1 && qos !== 0) {
      if (qos !== undefined) return INVALID_ARGUMENT;
      qos = 0;
    }
    // the remembered topic (or, the first time, checked and remembered), placed before p0
    const ts = this.ptopics;
    let e = 0;
    while (e < TOPICS && ts[e] !== topic) e++;
    if (e === TOPICS) {
      e = this.remember(topic);
      if (e < 0) return this.publishSlow(topic, payload, qos, retain === true);
    }
    const mem = this.mem, p0 = this.p0;
    let at = this.pat;
    if (this.placed !== e * 2 + qos) {
      const from = this.pstore + e * (this.tmax + 1), tl = mem[from];
      at = this.pat = p0 - qos * 2 - tl;
      mem.copyWithin(at, from + 1, from + 1 + tl);
      mem[at - 2] = tl >> 8;
      mem[at - 1] = tl & 255;
      this.placed = e * 2 + qos;
    }
    // the payload, at p0
    let n = -1;
    const pv = this.pv;
    if (pv === null) { /* a transmit area too small for this layout */ }
    else if (typeof payload === 'string') {
      const enc = this.enc;
      if (enc !== null) {
        n = enc.encodeInto(payload, pv).written as number;
        // encodeInto stops early only when the next character does not fit (at most 4 bytes)
        if (this.txLen - p0 - n < 4) n = -1;
      }
    } else if (payload instanceof Uint8Array && payload.length <= this.txLen - p0) {
      n = payload.length;
      mem.set(payload, p0);
    }
    if (n < 0) return this.publishSlow(topic, payload, qos, retain === true);
    const end = p0 + n;
    let rl = end - at + 2, h = at - 4;
    // the fixed header, ending where the topic length starts
    if (rl < 128) mem[at - 3] = rl;
    else {
      h = rl < 16384 ? at - 5 : rl < 2097152 ? at - 6 : at - 7;
      for (let p = h + 1; p < at - 2; p++, rl >>>= 7) mem[p] = p < at - 3 ? (rl & 127) | 128 : rl;
    }
    mem[h] = qos ? (retain ? 0x33 : 0x32) : retain ? 0x31 : 0x30;
    if (qos === 0) {
      if (this.state !== CONNECTED) return NOT_CONNECTED;
      this.stats.sent++;
      this.io |= SENT_BIT;
      this._write(mem, h, end);
      return SENT;
    }
    const ob = this.ob, len = end - h;
    if (len > ob.size) return PACKET_TOO_LARGE;
    let off = ob.inflight + ob.backlog < MAX_STORED ? ob.reserve(len) : -1;
    if (off < 0) { this.stats.dropped++; return QUEUE_FULL; }
    const id = this.allocId();
    mem[p0 - 2] = id >> 8;
    mem[p0 - 1] = id & 255;
    if (retain) off = this.replaceRetained(at, len);
    mem.copyWithin(off, h, end);
    return this.store(off, len, id, h);
  }

  // A QoS 1 packet just written to the outbox at off (and, from `from`, in the transmit area):
  // into the window and onto the wire when connected and nothing waits before it, else queued.
  private store(off: number, len: number, id: number, from: number): PublishResult {
    const ob = this.ob;
    this.lastPacketId = id;
    if (ob.add(off, len, id, this.state === CONNECTED)) {
      this.stats.sent++;
      // after a CONNACK the older window entries go out first (flush), so this one waits for them
      if (ob.sent === ob.inflight - 1) {
        ob.sent++;
        this.io |= SENT_BIT;
        // from the transmit area when it is there: the same place every time, which a platform
        // that keeps views of it (Moddable) reuses
        if (from >= 0) this._write(this.mem, from, from + len);
        else this._write(this.mem, off, off + len);
      }
      return SENT;
    }
    this.stats.queued++;
    return QUEUED;
  }

  // Remembers a new publish topic (checked, encoded into its slot): the slot, or -1 when the topic
  // is invalid or too long to remember (the slow path then reports or sends it).
  private remember(topic: string): number {
    let tl: number;
    try { tl = validateTopic(topic, false); } catch (e) { return -1; }
    if (tl > this.tmax) return -1;
    const e = this.pnext;
    this.pnext = (e + 1) % TOPICS;
    if (this.placed >> 1 === e) this.placed = -1;
    const at = this.pstore + e * (this.tmax + 1);
    this.mem[at] = tl;
    writeUtf8(this.mem, at + 1, topic);
    this.ptopics[e] = topic;
    return e;
  }

  // Everything the per-message path does not take: a payload larger than the transmit area (QoS 1
  // goes straight into the outbox), a topic too long for it, an engine without TextEncoder, a
  // payload of the wrong type.
  private publishSlow(topic: string, payload: string | Uint8Array, qos: number, retain: boolean): PublishResult {
    if (typeof payload !== 'string' && !(payload instanceof Uint8Array)) return INVALID_ARGUMENT;
    let len: number;
    try { len = encodePublish(null, 0, topic, payload, qos, retain, false, 1); } catch (e) { return (e as MqttError).code; }
    const mem = this.mem;
    if (qos === 0) {
      if (this.state !== CONNECTED) return NOT_CONNECTED;
      if (len > this.txLen) return PACKET_TOO_LARGE;
      this.placed = -1; // overwritten
      encodePublish(mem, 0, topic, payload, 0, retain, false, 0);
      this.stats.sent++;
      this.io |= SENT_BIT;
      this._write(mem, 0, len);
      return SENT;
    }
    const ob = this.ob;
    if (len > ob.size) return PACKET_TOO_LARGE;
    let off = ob.inflight + ob.backlog < MAX_STORED ? ob.reserve(len) : -1;
    if (off < 0) { this.stats.dropped++; return QUEUE_FULL; }
    const id = this.allocId();
    encodePublish(mem, off, topic, payload, 1, retain, false, id);
    if (retain) {
      let p = off + 1;
      while (mem[p] & 128) p++;
      const at = this.replaceRetained(p + 3, len);
      if (at !== off) mem.copyWithin(at, off, off + len);
      off = at;
    }
    return this.store(off, len, id, -1);
  }

  // Before a retained QoS 1 message whose topic is at `ts` (length in the 2 bytes before it) is
  // stored: drops the older retained ones on that topic not yet written on this link, and returns
  // where the len bytes go now. Asked again because dropping can empty the ring, which then starts
  // over at its beginning: the place reserved before would leave the ring's head behind the packet.
  private replaceRetained(ts: number, len: number): number {
    const mem = this.mem, ob = this.ob;
    ob.replaceRetained(ts, (mem[ts - 2] << 8) | mem[ts - 1]);
    return ob.reserve(len); // dropping only frees room, so this succeeds
  }

  // 1..65535, skipping ids still in use (in flight, or awaiting SUBACK/UNSUBACK).
  private allocId(): number {
    const ob = this.ob, reqs = this.reqs;
    for (;;) {
      const id = this.nextId;
      this.nextId = id === 65535 ? 1 : id + 1;
      // (a sensor's usual case, nothing in flight and no request waiting, is checked first)
      if (ob.inflight === 0 && reqs.length === 0) return id;
      if (ob.find(id) >= 0) continue;
      let used = false;
      for (let i = 0; i < reqs.length; i++) if (reqs[i].id === id) used = true;
      if (!used) return id;
    }
  }

  // ---- subscriptions ----

  /** Subscribes now when connected ('sent'), else remembers it for the next link ('queued').
   *  Throws MqttError for an invalid filter or QoS, or a filter too long for the transmit area. */
  subscribe(filter: string, qos: number, handler: unknown): PublishResult {
    return this.filter(filter, qos, handler, true);
  }

  /** Unsubscribes now when connected ('sent'); offline, the next link that finds the session
   *  kept by the broker is told ('queued'). Throws MqttError for an invalid filter. */
  unsubscribe(filter: string): PublishResult {
    return this.filter(filter, 0, null, false);
  }

  private filter(filter: string, qos: number, handler: unknown, sub: boolean): PublishResult {
    if (validateTopic(filter, true) + 10 > this.txLen) {
      throw new MqttError(PACKET_TOO_LARGE, 'the filter "' + filter + '" does not fit the transmit buffer (' + this.txLen + ' bytes)');
    }
    if (qos !== 0 && qos !== 1) throw new MqttError(INVALID_ARGUMENT, 'subscription QoS ' + qos + ' is not supported; use 0 or 1');
    // a new list every time (see `subs`), and a new unsubs list too
    const subs: Subscription[] = [];
    let s: Subscription | null = null;
    for (let i = 0; i < this.subs.length; i++) {
      if (this.subs[i].filter !== filter) subs.push(this.subs[i]);
      else if (sub) subs.push(s = this.subs[i]);
    }
    const unsubs: string[] = [];
    for (let i = 0; i < this.unsubs.length; i++) if (this.unsubs[i] !== filter) unsubs.push(this.unsubs[i]);
    if (sub) {
      if (s === null) subs.push(s = { filter: filter, qos: qos, handler: handler, id: -1 });
      s.qos = qos;
      s.handler = handler;
      s.id = -1;
    } else if (this.state !== CONNECTED) unsubs.push(filter);
    this.subs = subs;
    this.unsubs = unsubs;
    if (this.state !== CONNECTED) return QUEUED;
    this.request([filter], sub);
    return SENT;
  }

  // SUBSCRIBE (sub; each filter's QoS from subs) or UNSUBSCRIBE for the filters, in as many
  // packets as the transmit area needs (each filter fits: checked when it was given).
  private request(filters: string[], sub: boolean): void {
    let i = 0;
    while (i < filters.length && this.state === CONNECTED) {
      let room = this.txLen - 5 - 2, j = i;
      const qos: number[] = [];
      for (; j < filters.length; j++) {
        const n = 2 + utf8Length(filters[j]) + (sub ? 1 : 0);
        if (n > room && j > i) break;
        room -= n;
        if (sub) qos.push(this.subOf(filters[j]).qos);
      }
      const part = filters.slice(i, j), id = this.allocId();
      this.placed = -1; // the transmit area is overwritten
      const end = encodeFilters(this.mem, 0, id, part, sub ? qos : null);
      this.reqs = this.reqs.concat([{ id: id, filters: part, sub: sub }]);
      if (sub) for (let k = 0; k < part.length; k++) this.subOf(part[k]).id = id;
      this.io |= SENT_BIT;
      this._write(this.mem, 0, end);
      i = j;
    }
  }

  private subOf(filter: string): Subscription {
    const subs = this.subs;
    for (let i = 0; i < subs.length; i++) if (subs[i].filter === filter) return subs[i];
    return { filter: filter, qos: 0, handler: null, id: 0 }; // gone meanwhile
  }

  // ---- input ----

  /** Bytes from the broker. The time is asked for (`_now()`) only when it matters: a CONNACK or a lost link. */
  receive(chunk: Uint8Array, start: number, end: number): void {
    this.io |= RECV_BIT;
    const link = this.linkNo, d = this.rx;
    let i = start;
    while (i < end && link === this.linkNo) {
      i = d.feed(chunk, i, end);
      const r = d.result;
      if (r === DECODE_PACKET) {
        const type = d.type;
        if (this.state !== CONNECTED) this.onPacket();
        else if (type === PUBLISH) {
          const id = d.packetId, qos = d.qos;
          this.stats.received++;
          this._message(d.topic, d.data.subarray(d.payloadStart, d.payloadEnd), qos, (d.first & 1) === 1, (d.first & 8) === 8);
          // acknowledged only once the application has had it (at least once), and only on the
          // link it came from: the handler may have ended the session
          if (qos === 1 && link === this.linkNo) this.control(0x40, id);
        } else if (type === PUBACK) {
          const id = d.packetId, ob = this.ob;
          if (!ob.ack(id)) continue; // a late duplicate after a resend: nothing waits for it
          this.stats.acked++;
          if (ob.backlog > 0) this.flush();
          this._published(id);
        } else if (type !== PINGRESP) this.onPacket(); // a PINGRESP is life, counted in io above
      } else if (r === DECODE_TOO_LARGE) {
        if (this.state !== CONNECTED) {
          this.linkDown(new MqttError(PROTOCOL_ERROR, 'PUBLISH received before CONNACK'), true, WAITING, this._now());
        } else {
          this.stats.oversize++;
          this._error(new MqttError('MESSAGE_TOO_LARGE', 'incoming PUBLISH of ' + d.size + ' bytes is larger than the receive buffer (' + d.buf.length + ' bytes): dropped'));
        }
      } else if (r === DECODE_DRAINED) {
        // acknowledged all the same, or the broker would send it again forever
        if (d.qos === 1 && d.packetId !== 0 && this.state === CONNECTED) this.control(0x40, d.packetId);
      } else if (d.error !== null) {
        this.linkDown(d.error, true, WAITING, this._now());
      }
      if (this.state !== HANDSHAKE && this.state !== CONNECTED) return;
    }
  }

  // Packets other than PUBLISH and PUBACK while connected, and every packet before CONNACK.
  private onPacket(): void {
    const d = this.rx, type = d.type;
    if (this.state === HANDSHAKE) {
      if (type !== CONNACK) this.linkDown(new MqttError(PROTOCOL_ERROR, PACKET_NAMES[type] + ' received before CONNACK'), true, WAITING, this._now());
      else this.onConnack(this._now());
    } else if (type === CONNACK) {
      this.linkDown(new MqttError(PROTOCOL_ERROR, 'CONNACK received twice'), true, WAITING, this._now());
    } else if (type === SUBACK || type === 11) { // UNSUBACK
      // the request answered; SUBACK: each filter confirmed or, refused (0x80), forgotten
      const id = d.packetId, sub = type === SUBACK, reqs: Request[] = [];
      let r: Request | null = null;
      for (let i = 0; i < this.reqs.length; i++) {
        if (this.reqs[i].id === id && this.reqs[i].sub === sub) r = this.reqs[i];
        else reqs.push(this.reqs[i]);
      }
      if (r === null || !sub) { this.reqs = reqs; return; }
      this.reqs = reqs;
      const link = this.linkNo;
      for (let k = 0; k < r.filters.length && link === this.linkNo; k++) {
        const f = r.filters[k], s = this.subOf(f);
        if (s.id !== id) continue; // unsubscribed or subscribed again meanwhile
        if (d.payloadStart + k < d.payloadEnd && d.data[d.payloadStart + k] === SUBACK_FAILURE) {
          const subs: Subscription[] = [];
          for (let i = 0; i < this.subs.length; i++) if (this.subs[i] !== s) subs.push(this.subs[i]);
          this.subs = subs;
          this._error(new MqttError('SUBSCRIBE_FAILED', 'the broker refused the subscription to "' + f + '" (SUBACK 0x80)'));
        } else {
          s.id = 0;
        }
      }
    }
    // PINGRESP: life, counted by receive()
  }

  private onConnack(now: number): void {
    const d = this.rx, rc = d.data[d.body + 1], sp = (d.data[d.body] & 1) === 1;
    if (rc !== 0) {
      const e = rc > 5 ? new MqttError(PROTOCOL_ERROR, 'CONNACK with unknown return code ' + rc)
        : new MqttError(('CONNACK_REFUSED_' + CONNACK_REFUSED[rc]) as MqttErrorCode, 'connection refused (CONNACK ' + rc + '): ' + CONNACK_TEXT[rc]);
      // 2, 4 and 5: retrying cannot help, so the client stops (FAILED)
      this.linkDown(e, true, rc === 2 || rc === 4 || rc === 5 ? FAILED : WAITING, now);
      return;
    }
    const link = this.linkNo;
    this.state = CONNECTED;
    this.upAt = now;
    this.io = SENT_BIT | RECV_BIT; // the CONNECT and the CONNACK
    this.pinged = false;
    this.deadline = this.keepalive > 0 ? now + this.keepalive / 2 : Infinity;
    this.ob.rewind();
    // Without session present the broker kept nothing: every subscription is sent again and no
    // unsubscription is needed. With it, only what it never acknowledged.
    const subs = this.subs, again: string[] = [];
    for (let i = 0; i < subs.length; i++) {
      if (!sp) subs[i].id = -1;
      if (subs[i].id < 0) again.push(subs[i].filter);
    }
    const unsubs = this.unsubs;
    this.unsubs = NO_STRINGS;
    if (sp && unsubs.length > 0) this.request(unsubs, false);
    if (again.length > 0) this.request(again, true);
    if (link !== this.linkNo) return;
    this._connected(sp);
    if (link === this.linkNo) this.flush();
  }
}
