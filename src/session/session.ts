// The MQTT 3.1.1 client state machine, sans I/O. It is fed received bytes, the time and user
// commands, and answers with bytes to pull() and SessionEvents calls. No sockets, no timers:
// the client sets one timer for nextTick() and calls tick().
//
// Memory: the receive buffer (the Decoder's), the transmit buffer and the outbox are allocated
// here once. A QoS 0 publish, a QoS 1 publish into a free window slot and its PUBACK allocate
// nothing (checked inside XS by heap slot count).
//
// Policies (see the report in docs/ and issue 2):
// - QoS 1 messages are retransmitted only on a new link (MQTT 3.1.1 §4.4), never on a timer
//   while connected: TCP already retransmits, and a timer resend only doubles load on a slow
//   broker. A dead link is found by keepalive instead.
// - Keepalive K: a PINGREQ goes out when nothing was sent for K, or nothing was received for K;
//   a PINGREQ unanswered (no packet at all) for K/2 declares the link dead. So a silent broker
//   is detected at most 1.5 K after its last packet.
// - The transmit buffer holds control packets and QoS 0 publishes until pull(); pull() yields
//   it first, then the unsent in-flight QoS 1 packets straight from the outbox.
import { MqttError, MqttErrorCode } from '../errors.js';
import {
  CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK, PINGRESP, SUBACK_FAILURE, PACKET_NAMES,
} from '../codec/constants.js';
import {
  Will, ConnectFields, connectLength, encodeConnect, publishLength, encodePublish, encodePuback,
  encodeSubscribe, encodeUnsubscribe, encodePingreq, encodeDisconnect,
} from '../codec/encode.js';
import { utf8Length, validateTopicName } from '../codec/utf8.js';
import { Decoder, DECODE_NEED_MORE, DECODE_PACKET, DECODE_DROPPED, DECODE_ERROR } from '../codec/decoder.js';
import { Outbox } from './outbox.js';
import { backoffDelay } from './backoff.js';
import { Subscriptions, KIND_SUBSCRIBE, KIND_UNSUBSCRIBE, KIND_RESUBSCRIBE } from './subscriptions.js';

export interface SessionOptions {
  clientId: string;
  cleanSession?: boolean;
  keepalive?: number;
  username?: string; password?: string | Uint8Array; will?: Will;
  receiveBufferSize?: number;
  transmitBufferSize?: number;
  outboxSize?: number;
  maxInflight?: number;
  connectTimeout?: number;
  reconnectMin?: number;
  reconnectMax?: number;
  reconnectJitter?: number;
  random?: () => number;
}

export interface SessionEvents {
  open(): void;
  close(): void;
  connected(sessionPresent: boolean): void;
  message(topic: string, payload: Uint8Array, qos: number, retain: boolean, dup: boolean): void;
  published(packetId: number): void;
  subscribed(packetId: number, codes: Uint8Array): void;
  unsubscribed(packetId: number): void;
  error(err: MqttError): void;
  disconnected(willReconnect: boolean): void;
}

export const IDLE = 0, CONNECTING = 1, HANDSHAKE = 2, CONNECTED = 3, WAITING = 4, ENDED = 5, FAILED = 6;
export const STATE_NAMES = ['IDLE', 'CONNECTING', 'HANDSHAKE', 'CONNECTED', 'WAITING', 'ENDED', 'FAILED'];
export const SENT = 'sent', QUEUED = 'queued';

// Keeps packet ids unambiguous: queued ids are allocated in FIFO order, so they cannot collide
// with a new id unless more than 65535 were outstanding at once. This bound makes that impossible.
const MAX_STORED = 60000;

const CONNACK_CODES: MqttErrorCode[] = ['CONNACK_REFUSED_PROTOCOL_VERSION', 'CONNACK_REFUSED_PROTOCOL_VERSION',
  'CONNACK_REFUSED_IDENTIFIER_REJECTED', 'CONNACK_REFUSED_SERVER_UNAVAILABLE', 'CONNACK_REFUSED_BAD_CREDENTIALS',
  'CONNACK_REFUSED_NOT_AUTHORIZED'];
const CONNACK_TEXT = ['', 'the broker does not speak MQTT 3.1.1', 'the broker rejected the client id',
  'the broker is unavailable', 'the broker rejected the username or password', 'the client is not authorized to connect'];

function opt(v: number | undefined, d: number): number {
  return typeof v === 'number' && v === v ? v : d;
}

export interface SessionStats {
  sent: number; acked: number; queued: number; dropped: number; received: number; reconnects: number; oversize: number;
}

export class Session {
  state: number;
  lastPacketId: number;
  stats: SessionStats;
  out: Uint8Array; outStart: number; outEnd: number;

  private ev: SessionEvents;
  private connect: ConnectFields;
  private keepaliveMs: number;
  private connectTimeout: number;
  private rMin: number; private rMax: number; private rJitter: number;
  private random: () => number;

  /** The receive decoder, read-only for callers; its fields describe the packet being handled
   *  and are valid only during message() (the client matches topic bytes in rx.buf). */
  readonly rx: Decoder;
  private tx: Uint8Array;
  private txStart: number; private txEnd: number;
  private ob: Outbox;
  private subs: Subscriptions;

  private now: number;
  private nextId: number;
  private attempt: number;       // reconnect attempts since the last successful CONNACK
  private deadline: number;      // CONNECTING/HANDSHAKE: connect timeout; WAITING: reconnect time
  private lastSent: number; private lastRecv: number;
  private pingAt: number;        // when the unanswered PINGREQ went out; -1: none
  private link: number;          // bumped whenever a link ends, to stop processing its bytes
  // Subscribed filters the broker has not acknowledged: a broker that kept the session may never
  // have seen their SUBSCRIBE, so they are sent again on the next link whatever CONNACK says.
  private unconfirmed: string[];

  constructor(options: SessionOptions, events: SessionEvents) {
    const o = options;
    this.ev = events;
    this.connect = {
      clientId: o.clientId, cleanSession: o.cleanSession !== false, keepalive: opt(o.keepalive, 60),
      username: o.username, password: o.password, will: o.will,
    };
    const maxInflight = opt(o.maxInflight, 8);
    if (!(maxInflight >= 1 && maxInflight <= 65535 && maxInflight % 1 === 0)) {
      throw new MqttError('INVALID_ARGUMENT', 'maxInflight ' + maxInflight + ' must be an integer in 1..65535');
    }
    this.keepaliveMs = this.connect.keepalive * 1000;
    this.connectTimeout = opt(o.connectTimeout, 10000);
    this.rMin = opt(o.reconnectMin, 1000);
    this.rMax = opt(o.reconnectMax, 60000);
    this.rJitter = opt(o.reconnectJitter, 0.5);
    if (this.rJitter < 0 || this.rJitter > 1) throw new MqttError('INVALID_ARGUMENT', 'reconnectJitter must be in 0..1');
    this.random = o.random || Math.random;

    this.rx = new Decoder(new Uint8Array(opt(o.receiveBufferSize, 1024)));
    this.tx = new Uint8Array(opt(o.transmitBufferSize, 512));
    this.ob = new Outbox(opt(o.outboxSize, 4096), maxInflight);
    this.subs = new Subscriptions();
    const need = connectLength(this.connect); // also validates the options; throws MqttError
    if (need > this.tx.length) {
      throw new MqttError('PACKET_TOO_LARGE', 'CONNECT needs ' + need + ' bytes but the transmit buffer has ' + this.tx.length);
    }

    this.state = IDLE;
    this.lastPacketId = 0;
    this.stats = { sent: 0, acked: 0, queued: 0, dropped: 0, received: 0, reconnects: 0, oversize: 0 };
    this.out = this.tx; this.outStart = 0; this.outEnd = 0;
    this.txStart = 0; this.txEnd = 0;
    this.now = 0; this.nextId = 1; this.attempt = 0; this.deadline = 0;
    this.lastSent = 0; this.lastRecv = 0; this.pingAt = -1; this.link = 0;
    this.unconfirmed = [];
  }

  get inflightCount(): number { return this.ob.inflight; }
  get queuedCount(): number { return this.ob.queued; }

  // ---- link lifecycle ----

  start(now: number): void {
    this.now = now;
    if (this.state !== IDLE && this.state !== ENDED && this.state !== FAILED) return;
    this.attempt = 0;
    this.requestOpen(now);
  }

  opened(now: number): void {
    this.now = now;
    if (this.state !== CONNECTING) return;
    this.rx.reset();
    this.txStart = 0;
    this.txEnd = encodeConnect(this.tx, 0, this.connect); // fits: checked in the constructor
    this.state = HANDSHAKE;
    this.deadline = now + this.connectTimeout;
  }

  closed(now: number): void {
    this.now = now;
    const s = this.state;
    if (s !== CONNECTING && s !== HANDSHAKE && s !== CONNECTED) return;
    this.linkDown(now, false, new MqttError('CONNECTION_LOST', s === CONNECTING ? 'could not open a connection to the broker'
      : 'the connection to the broker was closed'));
  }

  end(now: number): void {
    this.now = now;
    const s = this.state;
    if (s === ENDED) return;
    const wasLinked = s === CONNECTING || s === HANDSHAKE || s === CONNECTED;
    if (s === CONNECTED) this.writeDisconnect();
    this.state = ENDED;
    this.link++;
    this.pingAt = -1;
    this.subs.releaseAll();
    // The client drains pull() (the DISCONNECT) in close() before closing the transport.
    if (wasLinked) this.ev.close();
    this.txStart = 0; this.txEnd = 0;
    if (wasLinked) this.ev.disconnected(false);
  }

  private requestOpen(now: number): void {
    this.state = CONNECTING;
    this.deadline = now + this.connectTimeout;
    this.ev.open();
  }

  // The link is over. `ask` = we decided it (events.close() asks the client to close it).
  // State, counters and the close request are settled before the application hears anything:
  // its error handler may call end() (or start()), which must win over the reconnect planned here.
  private linkDown(now: number, ask: boolean, err: MqttError): void {
    this.link++;
    this.pingAt = -1;
    this.subs.releaseAll();
    this.state = WAITING;
    this.deadline = now + backoffDelay(this.attempt, this.rMin, this.rMax, this.rJitter, this.random);
    this.attempt++;
    if (ask) this.ev.close();
    this.txStart = 0; this.txEnd = 0;
    this.ev.error(err);
    this.ev.disconnected(this.state !== ENDED && this.state !== FAILED);
  }

  private fail(now: number, err: MqttError): void {
    this.linkDown(now, true, err);
  }

  private failHard(err: MqttError): void {
    this.link++;
    this.pingAt = -1;
    this.subs.releaseAll();
    this.state = FAILED;
    this.ev.close();
    this.txStart = 0; this.txEnd = 0;
    this.ev.error(err);
    this.ev.disconnected(this.state !== ENDED && this.state !== FAILED);
  }

  // ---- timers ----

  tick(now: number): void {
    this.now = now;
    const s = this.state;
    if (s === WAITING) {
      if (now >= this.deadline) { this.stats.reconnects++; this.requestOpen(now); }
    } else if (s === CONNECTING || s === HANDSHAKE) {
      if (now >= this.deadline) {
        this.fail(now, new MqttError('CONNECT_TIMEOUT', 'no CONNACK from the broker within ' + this.connectTimeout + ' ms'));
      }
    } else if (s === CONNECTED && this.keepaliveMs > 0) {
      const k = this.keepaliveMs;
      if (this.pingAt >= 0) {
        if (now >= this.pingAt + k / 2) {
          this.fail(now, new MqttError('PING_TIMEOUT', 'no answer from the broker within ' + (k * 1.5) + ' ms (keepalive ' + (k / 1000) + ' s): the link is dead'));
        }
      } else if (now >= this.lastSent + k || now >= this.lastRecv + k) {
        const p = this.txRoom(2);
        if (p >= 0) { this.txEnd = encodePingreq(this.tx, p); this.pingAt = now; }
      }
    }
  }

  nextTick(now: number): number {
    const s = this.state;
    let at = -1;
    if (s === WAITING || s === CONNECTING || s === HANDSHAKE) at = this.deadline;
    else if (s === CONNECTED && this.keepaliveMs > 0) {
      const k = this.keepaliveMs;
      if (this.pingAt >= 0) at = this.pingAt + k / 2;
      else at = this.lastSent < this.lastRecv ? this.lastSent + k : this.lastRecv + k;
    }
    if (at < 0) return -1;
    return at > now ? at - now : 0;
  }

  // ---- output ----

  pull(): number {
    if (this.txEnd > this.txStart) {
      this.out = this.tx; this.outStart = this.txStart; this.outEnd = this.txEnd;
      this.txStart = this.txEnd;
      this.lastSent = this.now;
      return this.outEnd - this.outStart;
    }
    const ob = this.ob;
    if (this.state === CONNECTED && ob.sendIndex < ob.inflight) {
      const i = ob.sendIndex++;
      this.out = ob.buf; this.outStart = ob.offs[i]; this.outEnd = this.outStart + ob.lens[i];
      this.lastSent = this.now;
      return ob.lens[i];
    }
    this.outStart = 0; this.outEnd = 0;
    return 0;
  }

  // Offset where n more bytes fit in tx after what is still waiting to be pulled, or -1.
  private txRoom(n: number): number {
    if (this.txStart === this.txEnd) { this.txStart = 0; this.txEnd = 0; }
    return this.txEnd + n <= this.tx.length ? this.txEnd : -1;
  }

  private writeDisconnect(): void {
    const p = this.txRoom(2);
    if (p >= 0) this.txEnd = encodeDisconnect(this.tx, p);
  }

  // ---- user commands ----

  publish(topic: string, payload: Uint8Array | string, qos: 0 | 1, retain: boolean, now: number): 'sent' | 'queued' | MqttErrorCode {
    this.now = now;
    // encodePublish validates the topic before writing anything, so on the paths that encode the
    // topic is checked once; paths that return without encoding check it themselves.
    let id = 0;
    try {
      if (qos !== 0 && qos !== 1) return 'INVALID_ARGUMENT';
      const len = publishLength(topic, payload, qos);
      const s = this.state;
      if (qos === 0) {
        if (s !== CONNECTED) { validateTopicName(topic); return 'NOT_CONNECTED'; }
        if (len > this.tx.length) return 'PACKET_TOO_LARGE';
        const p = this.txRoom(len);
        if (p < 0) { validateTopicName(topic); this.stats.dropped++; return 'QUEUE_FULL'; } // the caller has not pulled
        this.txEnd = encodePublish(this.tx, p, topic, payload, 0, retain, false, 0);
        this.stats.sent++;
        return SENT;
      }
      const ob = this.ob;
      if (len > ob.buf.length) return 'PACKET_TOO_LARGE';
      const off = ob.inflight + ob.queued < MAX_STORED ? ob.reserve(len) : -1;
      if (off < 0) { validateTopicName(topic); this.stats.dropped++; return 'QUEUE_FULL'; }
      id = this.allocId();
      encodePublish(ob.buf, off, topic, payload, 1, retain, false, id);
      ob.append(off, len);
      this.lastPacketId = id;
      // Queued messages keep their order: a new one jumps no queue, even when the window has room.
      if (s === CONNECTED && ob.queued === 1 && ob.admit()) { this.stats.sent++; return SENT; }
      this.stats.queued++;
      return QUEUED;
    } catch (e) {
      if (id > 0) this.nextId = id; // unused: hand it out again
      return (e as MqttError).code || 'INVALID_ARGUMENT';
    }
  }

  subscribe(filters: string[], qos: number[], now: number): number {
    this.now = now;
    this.requireConnected('subscribe');
    if (!qos || qos.length !== (filters ? filters.length : 0)) {
      throw new MqttError('INVALID_ARGUMENT', 'subscribe needs one QoS per filter');
    }
    const slot = this.requireSlot();
    const id = this.allocId();
    const p = this.txRoom(0);
    const end = encodeSubscribe(this.tx, p, id, filters, qos); // validates; throws MqttError
    if (end < 0) throw new MqttError('PACKET_TOO_LARGE', 'SUBSCRIBE does not fit the transmit buffer (' + this.tx.length + ' bytes)');
    this.txEnd = end;
    for (let i = 0; i < filters.length; i++) {
      this.subs.add(filters[i], qos[i]);
      if (this.unconfirmed.indexOf(filters[i]) < 0) this.unconfirmed.push(filters[i]);
    }
    this.subs.hold(slot, id, KIND_SUBSCRIBE, filters.slice(0));
    return id;
  }

  unsubscribe(filters: string[], now: number): number {
    this.now = now;
    this.requireConnected('unsubscribe');
    const slot = this.requireSlot();
    const id = this.allocId();
    const p = this.txRoom(0);
    const end = encodeUnsubscribe(this.tx, p, id, filters);
    if (end < 0) throw new MqttError('PACKET_TOO_LARGE', 'UNSUBSCRIBE does not fit the transmit buffer (' + this.tx.length + ' bytes)');
    this.txEnd = end;
    for (let i = 0; i < filters.length; i++) { this.subs.remove(filters[i]); this.forget(filters[i]); }
    this.subs.hold(slot, id, KIND_UNSUBSCRIBE, filters.slice(0));
    return id;
  }

  private requireConnected(what: string): void {
    if (this.state !== CONNECTED) throw new MqttError('NOT_CONNECTED', 'cannot ' + what + ' while ' + STATE_NAMES[this.state] + '; retry after connected()');
  }

  private requireSlot(): number {
    const slot = this.subs.freeSlot();
    if (slot < 0) throw new MqttError('QUEUE_FULL', 'too many SUBSCRIBE/UNSUBSCRIBE requests await an answer from the broker');
    return slot;
  }

  // 1..65535, skipping ids still in use (in flight, or awaiting SUBACK/UNSUBACK).
  private allocId(): number {
    for (let n = 0; n < 65535; n++) {
      const id = this.nextId;
      this.nextId = id === 65535 ? 1 : id + 1;
      if (this.ob.indexOf(id) < 0 && this.subs.slotOf(id) < 0) return id;
    }
    return 0; // unreachable: at most 60000 + window + 8 ids are ever in use
  }

  // ---- input ----

  receive(chunk: Uint8Array, start: number, end: number, now: number): void {
    this.now = now;
    const link = this.link;
    const d = this.rx;
    let i = start;
    while (i < end && link === this.link && (this.state === HANDSHAKE || this.state === CONNECTED)) {
      i = d.feed(chunk, i, end);
      const r = d.result;
      if (r === DECODE_NEED_MORE) continue;
      this.lastRecv = now;
      this.pingAt = -1;
      if (r === DECODE_PACKET) this.onPacket(now);
      else if (r === DECODE_DROPPED) this.onDropped(now);
      else if (r === DECODE_ERROR) {
        this.fail(now, d.error || new MqttError('PACKET_MALFORMED', 'undecodable bytes from the broker'));
      }
    }
  }

  private protocolError(now: number, why: string): void {
    this.fail(now, new MqttError('PROTOCOL_ERROR', why));
  }

  private onPacket(now: number): void {
    const d = this.rx;
    const type = d.type;
    if (this.state === HANDSHAKE) {
      if (type !== CONNACK) { this.protocolError(now, PACKET_NAMES[type] + ' received before CONNACK'); return; }
      this.onConnack(now);
      return;
    }
    if (type === PUBLISH) this.onPublish(now);
    else if (type === PUBACK) {
      const id = d.packetId;
      if (!this.ob.ack(id)) return; // late duplicate after a resend: nothing waits for it
      this.stats.acked++;
      if (this.ob.admit()) this.stats.sent++;
      this.ev.published(id);
    } else if (type === SUBACK) this.onSuback();
    else if (type === UNSUBACK) {
      const slot = this.subs.slotOf(d.packetId);
      if (slot < 0 || this.subs.kinds[slot] !== KIND_UNSUBSCRIBE) return;
      this.subs.release(slot);
      this.ev.unsubscribed(d.packetId);
    } else if (type === PINGRESP) {
      // life; handled in receive()
    } else if (type === PUBREC || type === PUBREL || type === PUBCOMP) {
      this.protocolError(now, PACKET_NAMES[type] + ' received, but this client never uses QoS 2');
    } else {
      this.protocolError(now, PACKET_NAMES[type] + ' is not expected by a connected client');
    }
  }

  private onConnack(now: number): void {
    const rc = this.rx.returnCode;
    if (rc !== 0) {
      const code = rc <= 5 ? CONNACK_CODES[rc] : 'PROTOCOL_ERROR';
      const err = new MqttError(code, rc <= 5 ? 'connection refused: ' + CONNACK_TEXT[rc] + ' (CONNACK ' + rc + ')'
        : 'CONNACK with unknown return code ' + rc);
      if (rc === 2 || rc === 4 || rc === 5) this.failHard(err); // retrying cannot help
      else this.fail(now, err);
      return;
    }
    const sp = this.rx.sessionPresent;
    this.state = CONNECTED;
    this.attempt = 0;
    this.pingAt = -1;
    this.lastRecv = now;
    const ob = this.ob;
    ob.rewind();
    while (ob.admit()) this.stats.sent++;
    this.resubscribe(sp);
    if (this.state !== CONNECTED) return; // a resubscribe error's handler ended the session
    this.ev.connected(sp);
  }

  private forget(filter: string): void {
    const u = this.unconfirmed.indexOf(filter);
    if (u >= 0) this.unconfirmed.splice(u, 1);
  }

  // Replays the user's subscriptions (all of them without session present, else only those never
  // acknowledged) in SUBSCRIBE packets as large as tx allows.
  private resubscribe(sessionPresent: boolean): void {
    const all: string[] = [], qos: number[] = [];
    const f0 = this.subs.filters;
    for (let k = 0; k < f0.length; k++) {
      if (sessionPresent && this.unconfirmed.indexOf(f0[k]) < 0) continue;
      all.push(f0[k]); qos.push(this.subs.qos[k]);
    }
    this.unconfirmed = all.slice(0);
    let i = 0;
    while (i < all.length) {
      const p = this.txRoom(0);
      let room = this.tx.length - p - 5 - 2;
      let j = i;
      while (j < all.length && room >= 3 + utf8Length(all[j])) { room -= 3 + utf8Length(all[j]); j++; }
      const slot = this.subs.freeSlot();
      if (j === i || slot < 0) {
        this.ev.error(new MqttError('PACKET_TOO_LARGE', 'could not resubscribe to ' + (all.length - i) + ' filter(s) starting with "' + all[i] + '": no room in the transmit buffer'));
        return;
      }
      const f = all.slice(i, j);
      const id = this.allocId();
      this.txEnd = encodeSubscribe(this.tx, p, id, f, qos.slice(i, j));
      this.subs.hold(slot, id, KIND_RESUBSCRIBE, f);
      i = j;
    }
  }

  private onSuback(): void {
    const d = this.rx;
    const slot = this.subs.slotOf(d.packetId);
    if (slot < 0) return;
    const kind = this.subs.kinds[slot];
    if (kind !== KIND_SUBSCRIBE && kind !== KIND_RESUBSCRIBE) return;
    const filters = this.subs.requested[slot] as string[];
    this.subs.release(slot);
    for (let k = 0; k < filters.length; k++) this.forget(filters[k]);
    const buf = d.buf, link = this.link;
    for (let k = d.payloadStart; k < d.payloadEnd; k++) {
      if (buf[k] !== SUBACK_FAILURE) continue;
      const f = filters[k - d.payloadStart];
      // A refused filter is not replayed after a reconnect.
      if (f !== undefined) this.subs.remove(f);
      this.ev.error(new MqttError('SUBSCRIBE_FAILED', 'the broker refused the subscription to "' + f + '" (SUBACK 0x80)'));
      if (link !== this.link) return; // the error handler ended the session: codes views are stale
    }
    if (kind === KIND_SUBSCRIBE) this.ev.subscribed(d.packetId, buf.subarray(d.payloadStart, d.payloadEnd));
  }

  private onPublish(now: number): void {
    const d = this.rx;
    if (d.qos > 1) { this.protocolError(now, 'QoS 2 PUBLISH received, but this client never subscribes with QoS 2'); return; }
    const id = d.packetId, qos = d.qos, link = this.link;
    this.stats.received++;
    this.ev.message(d.topic(), d.buf.subarray(d.payloadStart, d.payloadEnd), qos, d.retain, d.dup);
    // Acknowledged only once the application has had it (at-least-once), and only on the link
    // it came from: the handler may have ended the session.
    if (qos === 1 && link === this.link && this.state === CONNECTED) this.writePuback(id);
  }

  private onDropped(now: number): void {
    const d = this.rx;
    if (d.qos > 1) { this.protocolError(now, 'QoS 2 PUBLISH received, but this client never subscribes with QoS 2'); return; }
    this.stats.oversize++;
    if (d.qos === 1) this.writePuback(d.packetId);
    const t = d.topicEnd > d.topicStart ? '"' + d.topic() + '"' : '(topic not kept)';
    this.ev.error(new MqttError('MESSAGE_TOO_LARGE', 'dropped an incoming message on ' + t + ' of ' + d.remainingLength
      + ' bytes: larger than the receive buffer (' + d.buf.length + ' bytes)'));
  }

  // A broker never has more unacknowledged QoS 1 messages out than its own window (about 20),
  // so tx always has room in practice; if the caller never pulls, the PUBACK is skipped and the
  // broker redelivers the message on the next link (QoS 1 allows duplicates).
  private writePuback(id: number): void {
    const p = this.txRoom(4);
    if (p >= 0) this.txEnd = encodePuback(this.tx, p, id);
  }
}
