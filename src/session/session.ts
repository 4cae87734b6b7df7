// The MQTT 3.1.1 client state machine, sans I/O. It is fed received bytes, the time and user
// commands, and answers with bytes to pull() and SessionEvents calls. No sockets, no timers:
// the client sets one timer for nextTick() and calls tick().
//
// Memory: the receive buffer (the Decoder's), the transmit buffer and the outbox are allocated
// here once. A QoS 0 publish, a QoS 1 publish into a free window slot and its PUBACK allocate
// nothing (checked inside XS by heap slot count).
//
// Policies (issue 2):
// - QoS 1 messages are retransmitted only on a new link (MQTT 3.1.1 §4.4), never on a timer
//   while connected: TCP already retransmits, and a timer resend only doubles load on a slow
//   broker. A dead link is found by keepalive instead.
// - Keepalive K: a PINGREQ goes out when nothing was sent for K, or nothing was received for K;
//   a PINGREQ unanswered (no packet at all) for K/2 declares the link dead. So a silent broker
//   is detected at most 1.5 K after its last packet.
// - The transmit buffer holds control packets and QoS 0 publishes until pull(); pull() yields
//   it first, then the unsent in-flight QoS 1 packets straight from the outbox.
import { MqttError, MqttErrorCode, INVALID_ARGUMENT, PACKET_TOO_LARGE, PROTOCOL_ERROR, CONNECTION_LOST, QUEUE_FULL, NOT_CONNECTED } from '../errors.js';
import {
  CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK, PINGRESP, SUBACK_FAILURE, PACKET_NAMES,
} from '../codec/constants.js';
import {
  Will, ConnectFields, connectLength, encodeConnect, publishLength, encodePublish, encodePuback,
  encodeSubscribe, encodeUnsubscribe, encodePingreq, encodeDisconnect,
} from '../codec/encode.js';
import { utf8Length, validateTopicName } from '../codec/utf8.js';
import { Decoder, DECODE_NEED_MORE, DECODE_PACKET, DECODE_ERROR } from '../codec/decoder.js';
import { Outbox } from './outbox.js';
import { backoffDelay } from './backoff.js';
import { Subscriptions, KIND_SUBSCRIBE, KIND_UNSUBSCRIBE, KIND_REPLAY } from './subscriptions.js';

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

// CONNACK return code 1..5 → the error code's tail after 'CONNACK_REFUSED_' (index 0 unused).
const CONNACK_REFUSED = ['', 'PROTOCOL_VERSION', 'IDENTIFIER_REJECTED', 'SERVER_UNAVAILABLE', 'BAD_CREDENTIALS', 'NOT_AUTHORIZED'];
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
  /** QoS 1 messages sent and awaiting PUBACK / waiting for a window slot. Read-only for callers. */
  inflightCount: number; queuedCount: number;
  out: Uint8Array; outStart: number; outEnd: number;

  private ev: SessionEvents;
  private fields: ConnectFields;
  private keepaliveMs: number;
  private openTimeout: number;
  private rMin: number; private rMax: number; private rJitter: number;
  private rand: () => number;

  /** The receive decoder, read-only for callers; its fields describe the packet being handled
   *  and are valid only during message() (the client matches topic bytes in rx.buf). */
  readonly rx: Decoder;
  private tx: Uint8Array;
  private txStart: number; private txEnd: number;
  private ob: Outbox;
  private subs: Subscriptions;

  private clock: number;
  private nextId: number;
  private attempt: number;       // reconnect attempts since the last successful CONNACK
  private deadline: number;      // CONNECTING/HANDSHAKE: connect timeout; WAITING: reconnect time
  private lastSent: number; private lastRecv: number;
  private pingAt: number;        // when the unanswered PINGREQ went out; -1: none
  private linkNo: number;          // bumped whenever a link ends, to stop processing its bytes
  // Filters whose last SUBSCRIBE or UNSUBSCRIBE the broker has not acknowledged: a broker that
  // kept the session may never have seen it, so it is sent again on the next link. Which of the
  // two it was follows from subs.filters (still subscribed: SUBSCRIBE, else UNSUBSCRIBE).
  private unconfirmed: string[];

  constructor(options: SessionOptions, events: SessionEvents) {
    const o = options;
    this.ev = events;
    this.fields = {
      // keepalive unset only: anything else goes to the encoder, which rejects what MQTT cannot carry
      clientId: o.clientId, cleanSession: o.cleanSession !== false, keepalive: o.keepalive === undefined ? 60 : o.keepalive,
      username: o.username, password: o.password, will: o.will,
    };
    // Numeric options arrive checked (by the client's option table); here only defaults apply.
    this.keepaliveMs = this.fields.keepalive * 1000;
    this.openTimeout = opt(o.connectTimeout, 10000);
    this.rMin = opt(o.reconnectMin, 1000);
    this.rMax = opt(o.reconnectMax, 60000);
    this.rJitter = opt(o.reconnectJitter, 0.5);
    this.rand = o.random || Math.random;

    this.rx = new Decoder(new Uint8Array(opt(o.receiveBufferSize, 1024)));
    this.tx = new Uint8Array(opt(o.transmitBufferSize, 512));
    this.ob = new Outbox(opt(o.outboxSize, 4096), opt(o.maxInflight, 8));
    this.subs = new Subscriptions();
    const need = connectLength(this.fields); // also validates the options; throws MqttError
    if (need > this.tx.length) {
      throw new MqttError(PACKET_TOO_LARGE, 'CONNECT needs ' + need + ' bytes but the transmit buffer has ' + this.tx.length);
    }

    this.state = IDLE;
    this.lastPacketId = 0;
    this.stats = { sent: 0, acked: 0, queued: 0, dropped: 0, received: 0, reconnects: 0, oversize: 0 };
    this.out = this.tx; this.outStart = 0; this.outEnd = 0;
    this.txStart = 0; this.txEnd = 0;
    this.clock = 0; this.nextId = 1; this.attempt = 0; this.deadline = 0;
    this.lastSent = 0; this.lastRecv = 0; this.pingAt = -1; this.linkNo = 0;
    this.unconfirmed = [];
    this.inflightCount = 0; this.queuedCount = 0;
  }

  // Mirrors of the outbox's counts, refreshed by count() wherever they change: plain fields
  // because a getter costs ES5 output a defineProperty helper (~250 B on Espruino).
  private count(): void {
    this.inflightCount = this.ob.inflight;
    this.queuedCount = this.ob.backlog;
  }

  // ---- link lifecycle ----

  start(now: number): void {
    this.clock = now;
    if (this.state !== IDLE && this.state !== ENDED && this.state !== FAILED) return;
    this.attempt = 0;
    this.requestOpen(now);
  }

  opened(now: number): void {
    this.clock = now;
    if (this.state !== CONNECTING) return;
    this.rx.reset();
    this.txStart = 0;
    this.txEnd = encodeConnect(this.tx, 0, this.fields); // fits: checked in the constructor
    this.state = HANDSHAKE;
    this.deadline = now + this.openTimeout;
  }

  closed(now: number): void {
    this.clock = now;
    const s = this.state;
    if (s !== CONNECTING && s !== HANDSHAKE && s !== CONNECTED) return;
    this.linkDown(new MqttError(CONNECTION_LOST, s === CONNECTING ? 'could not open a connection to the broker'
      : 'the connection to the broker was closed'), false, WAITING);
  }

  end(now: number): void {
    this.clock = now;
    const s = this.state;
    if (s === ENDED) return;
    if (s === CONNECTED) {
      const p = this.txRoom(2);
      if (p >= 0) this.txEnd = encodeDisconnect(this.tx, p);
    }
    // The client drains pull() (the DISCONNECT) in close() before closing the transport.
    this.linkDown(null, s === CONNECTING || s === HANDSHAKE || s === CONNECTED, ENDED);
  }

  private requestOpen(now: number): void {
    this.state = CONNECTING;
    this.deadline = now + this.openTimeout;
    this.ev.open();
  }

  // The link (or the attempt to get one) is over; `state` says what follows: WAITING for a
  // reconnect after a backoff, FAILED (retrying cannot help) or ENDED (end(), err null).
  // `ask` = we decided it (events.close() asks the client to close it). Without an error and
  // without a link to close (end() while offline) the application hears nothing.
  // State, counters and the close request are settled before the application hears anything:
  // its error handler may call end() (or start()), which must win over the reconnect planned here.
  private linkDown(err: MqttError | null, ask: boolean, state: number): void {
    this.linkNo++;
    this.pingAt = -1;
    this.subs.releaseAll();
    this.state = state;
    if (state === WAITING) {
      this.deadline = this.clock + backoffDelay(this.attempt, this.rMin, this.rMax, this.rJitter, this.rand);
      this.attempt++;
    }
    if (ask) this.ev.close();
    this.txStart = 0; this.txEnd = 0;
    if (err) this.ev.error(err);
    if (err || ask) this.ev.disconnected(err !== null && this.state !== ENDED && this.state !== FAILED);
  }

  private fail(err: MqttError): void {
    this.linkDown(err, true, WAITING);
  }

  // ---- timers ----

  tick(now: number): void {
    this.clock = now;
    const s = this.state;
    if (s === WAITING) {
      if (now >= this.deadline) { this.stats.reconnects++; this.requestOpen(now); }
    } else if (s === CONNECTING || s === HANDSHAKE) {
      if (now >= this.deadline) {
        this.fail(new MqttError('CONNECT_TIMEOUT', 'no CONNACK from the broker within ' + this.openTimeout + ' ms'));
      }
    } else if (s === CONNECTED && this.keepaliveMs > 0) {
      const k = this.keepaliveMs;
      if (this.pingAt >= 0) {
        if (now >= this.pingAt + k / 2) {
          this.fail(new MqttError('PING_TIMEOUT', 'no answer from the broker within ' + (k * 1.5) + ' ms (keepalive ' + (k / 1000) + ' s): the link is dead'));
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
      this.lastSent = this.clock;
      return this.outEnd - this.outStart;
    }
    const ob = this.ob;
    if (this.state === CONNECTED && ob.sendIndex < ob.inflight) {
      const i = ob.sendIndex++;
      this.out = ob.buf; this.outStart = ob.offs[i]; this.outEnd = this.outStart + ob.lens[i];
      this.lastSent = this.clock;
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

  // ---- user commands ----

  publish(topic: string, payload: Uint8Array | string, qos: 0 | 1, retain: boolean, now: number): 'sent' | 'queued' | MqttErrorCode {
    this.clock = now;
    // encodePublish validates the topic before writing anything, so on the paths that encode the
    // topic is checked once; paths that return without encoding check it themselves.
    let id = 0;
    try {
      if (qos !== 0 && qos !== 1) return INVALID_ARGUMENT;
      const len = publishLength(topic, payload, qos);
      const s = this.state;
      if (qos === 0) {
        if (s !== CONNECTED) { validateTopicName(topic); return NOT_CONNECTED; }
        if (len > this.tx.length) { validateTopicName(topic); return PACKET_TOO_LARGE; }
        const p = this.txRoom(len);
        if (p < 0) { validateTopicName(topic); this.stats.dropped++; return QUEUE_FULL; } // the caller has not pulled
        this.txEnd = encodePublish(this.tx, p, topic, payload, 0, retain, false, 0);
        this.stats.sent++;
        return SENT;
      }
      const ob = this.ob;
      if (len > ob.buf.length) { validateTopicName(topic); return PACKET_TOO_LARGE; }
      const off = ob.inflight + ob.backlog < MAX_STORED ? ob.reserve(len) : -1;
      if (off < 0) { validateTopicName(topic); this.stats.dropped++; return QUEUE_FULL; }
      id = this.allocId();
      encodePublish(ob.buf, off, topic, payload, 1, retain, false, id);
      ob.append(off, len);
      this.lastPacketId = id;
      // Queued messages keep their order: a new one jumps no queue, even when the window has room.
      const sent = s === CONNECTED && ob.backlog === 1 && ob.admit();
      this.count();
      if (sent) { this.stats.sent++; return SENT; }
      this.stats.queued++;
      return QUEUED;
    } catch (e) {
      if (id > 0) this.nextId = id; // unused: hand it out again
      return (e as MqttError).code || INVALID_ARGUMENT;
    }
  }

  subscribe(filters: string[], qos: number[], now: number): number {
    return this.request(KIND_SUBSCRIBE, filters, qos, now);
  }

  unsubscribe(filters: string[], now: number): number {
    return this.request(KIND_UNSUBSCRIBE, filters, null, now);
  }

  // The user's SUBSCRIBE (qos given) or UNSUBSCRIBE: written to tx, or a throw (MqttError).
  private request(kind: number, filters: string[], qos: number[] | null, now: number): number {
    this.clock = now;
    if (this.state !== CONNECTED) throw new MqttError(NOT_CONNECTED, 'cannot (un)subscribe while ' + STATE_NAMES[this.state] + '; retry after connected()');
    if (kind === KIND_SUBSCRIBE && !(qos && qos.length === (filters ? filters.length : 0))) {
      throw new MqttError(INVALID_ARGUMENT, 'subscribe needs one QoS per filter');
    }
    const slot = this.subs.freeSlot();
    if (slot < 0) throw new MqttError(QUEUE_FULL, 'too many SUBSCRIBE/UNSUBSCRIBE requests await an answer from the broker');
    const id = this.allocId();
    const p = this.txRoom(0);
    const end = qos ? encodeSubscribe(this.tx, p, id, filters, qos) : encodeUnsubscribe(this.tx, p, id, filters); // validate; throw
    if (end < 0) throw new MqttError(PACKET_TOO_LARGE, 'the request does not fit the transmit buffer (' + this.tx.length + ' bytes)');
    this.txEnd = end;
    for (let i = 0; i < filters.length; i++) {
      if (qos) this.subs.put(filters[i], qos[i]);
      else this.subs.remove(filters[i]);
      this.unconfirm(filters[i]);
    }
    this.subs.hold(slot, id, kind, filters.slice(0));
    return id;
  }

  // 1..65535, skipping ids still in use (in flight, or awaiting SUBACK/UNSUBACK).
  private allocId(): number {
    for (let n = 0; n < 65535; n++) {
      const id = this.nextId;
      this.nextId = id === 65535 ? 1 : id + 1;
      if (this.ob.find(id) < 0 && this.subs.slotOf(id) < 0) return id;
    }
    return 0; // unreachable: at most 60000 + window + 8 ids are ever in use
  }

  // ---- input ----

  receive(chunk: Uint8Array, start: number, end: number, now: number): void {
    this.clock = now;
    const link = this.linkNo;
    const d = this.rx;
    let i = start;
    while (i < end && link === this.linkNo && (this.state === HANDSHAKE || this.state === CONNECTED)) {
      i = d.feed(chunk, i, end);
      const r = d.result;
      if (r === DECODE_NEED_MORE) continue;
      this.lastRecv = now;
      this.pingAt = -1;
      if (r === DECODE_ERROR) this.fail(d.error as MqttError); // the decoder sets error with DECODE_ERROR
      // The decoder hands QoS 2 PUBLISHes up (it stays a codec); this client never asks for them.
      else if (d.type === PUBLISH && d.qos > 1) this.protocolError('QoS 2 PUBLISH received, but this client never subscribes with QoS 2');
      // before CONNACK an oversize PUBLISH is as unexpected as any other: onPacket says so
      else if (r === DECODE_PACKET || this.state === HANDSHAKE) this.onPacket();
      else this.onDropped();
    }
  }

  private protocolError(why: string): void {
    this.fail(new MqttError(PROTOCOL_ERROR, why));
  }

  private onPacket(): void {
    const d = this.rx;
    const type = d.type;
    if (this.state === HANDSHAKE) {
      if (type !== CONNACK) this.protocolError(PACKET_NAMES[type] + ' received before CONNACK');
      else this.onConnack();
      return;
    }
    if (type === PUBLISH) this.onPublish();
    else if (type === PUBACK) {
      const id = d.packetId;
      if (!this.ob.ack(id)) return; // late duplicate after a resend: nothing waits for it
      this.stats.acked++;
      if (this.ob.admit()) this.stats.sent++;
      this.count();
      this.ev.published(id);
    } else if (type === SUBACK || type === UNSUBACK) this.onAck(type === SUBACK ? KIND_SUBSCRIBE : KIND_UNSUBSCRIBE);
    else if (type === PINGRESP) {
      // life; handled in receive()
    } else if (type === PUBREC || type === PUBREL || type === PUBCOMP) {
      this.protocolError(PACKET_NAMES[type] + ' received, but this client never uses QoS 2');
    } else {
      this.protocolError(PACKET_NAMES[type] + ' is not expected by a connected client');
    }
  }

  private onConnack(): void {
    const rc = this.rx.returnCode;
    if (rc !== 0) {
      const code = rc <= 5 ? 'CONNACK_REFUSED_' + CONNACK_REFUSED[rc] as MqttErrorCode : PROTOCOL_ERROR;
      const err = new MqttError(code, rc <= 5 ? 'connection refused: ' + CONNACK_TEXT[rc] + ' (CONNACK ' + rc + ')'
        : 'CONNACK with unknown return code ' + rc);
      this.linkDown(err, true, rc === 2 || rc === 4 || rc === 5 ? FAILED : WAITING); // FAILED: retrying cannot help
      return;
    }
    const sp = this.rx.sessionPresent;
    this.state = CONNECTED;
    this.attempt = 0;
    const ob = this.ob;
    ob.rewind();
    while (ob.admit()) this.stats.sent++;
    this.count();
    this.resubscribe(sp);
    if (this.state !== CONNECTED) return; // a resubscribe error's handler ended the session
    this.ev.connected(sp);
  }

  private unconfirm(filter: string): void {
    if (this.unconfirmed.indexOf(filter) < 0) this.unconfirmed.push(filter);
  }

  // Without session present the broker kept nothing: every subscription is sent again and no
  // unsubscribe is needed. With it, only what the broker never acknowledged is sent again.
  private resubscribe(sessionPresent: boolean): void {
    const sub: string[] = [], qos: number[] = [], unsub: string[] = [];
    const f = this.subs.filters, u = this.unconfirmed;
    for (let k = 0; k < f.length; k++) {
      if (!sessionPresent || u.indexOf(f[k]) >= 0) { sub.push(f[k]); qos.push(this.subs.levels[k]); }
    }
    if (sessionPresent) for (let k = 0; k < u.length; k++) if (f.indexOf(u[k]) < 0) unsub.push(u[k]);
    this.unconfirmed = sub.concat(unsub);
    if (this.replay(unsub, null)) this.replay(sub, qos);
  }

  // Sends the filters in SUBSCRIBE (qos given) or UNSUBSCRIBE packets as large as tx allows.
  // False after reporting filters that could not be sent.
  private replay(all: string[], qos: number[] | null): boolean {
    const per = qos ? 3 : 2; // length prefix, and the QoS byte of a SUBSCRIBE
    let i = 0;
    while (i < all.length) {
      const p = this.txRoom(0);
      let room = this.tx.length - p - 5 - 2;
      let j = i;
      for (; j < all.length; j++) {
        const n = per + utf8Length(all[j]);
        if (n > room) break;
        room -= n;
      }
      const slot = this.subs.freeSlot();
      if (j === i || slot < 0) {
        this.ev.error(new MqttError(PACKET_TOO_LARGE, 'could not send again ' + (all.length - i) + ' filter(s) starting with "' + all[i] + '": no room in the transmit buffer'));
        return false;
      }
      const f = all.slice(i, j);
      const id = this.allocId();
      this.txEnd = qos ? encodeSubscribe(this.tx, p, id, f, qos.slice(i, j)) : encodeUnsubscribe(this.tx, p, id, f);
      this.subs.hold(slot, id, (qos ? KIND_SUBSCRIBE : KIND_UNSUBSCRIBE) | KIND_REPLAY, f);
      i = j;
    }
    return true;
  }

  // SUBACK or UNSUBACK (want: the kind of request it answers).
  private onAck(want: number): void {
    const d = this.rx, subs = this.subs;
    const slot = subs.slotOf(d.packetId);
    if (slot < 0) return;
    const kind = subs.kinds[slot];
    if ((kind & want) === 0) return;
    const filters = subs.requested[slot] as string[];
    subs.release(slot);
    // A filter named again by a later request stays unconfirmed until that one is answered.
    for (let k = 0; k < filters.length; k++) {
      const u = this.unconfirmed.indexOf(filters[k]);
      if (u >= 0 && !subs.isRequested(filters[k])) this.unconfirmed.splice(u, 1);
    }
    if (want === KIND_UNSUBSCRIBE) {
      if (kind === KIND_UNSUBSCRIBE) this.ev.unsubscribed(d.packetId);
      return;
    }
    const buf = d.buf, link = this.linkNo;
    for (let k = d.payloadStart; k < d.payloadEnd; k++) {
      if (buf[k] !== SUBACK_FAILURE) continue;
      const f = filters[k - d.payloadStart];
      // A refused filter is not replayed after a reconnect.
      if (f !== undefined) this.subs.remove(f);
      this.ev.error(new MqttError('SUBSCRIBE_FAILED', 'the broker refused the subscription to "' + f + '" (SUBACK 0x80)'));
      if (link !== this.linkNo) return; // the error handler ended the session: codes views are stale
    }
    if (kind === KIND_SUBSCRIBE) this.ev.subscribed(d.packetId, buf.subarray(d.payloadStart, d.payloadEnd));
  }

  private onPublish(): void {
    const d = this.rx;
    const id = d.packetId, qos = d.qos, link = this.linkNo;
    this.stats.received++;
    this.ev.message(d.topic(), d.buf.subarray(d.payloadStart, d.payloadEnd), qos, d.retain, d.dup);
    // Acknowledged only once the application has had it (at-least-once), and only on the link
    // it came from: the handler may have ended the session.
    if (qos === 1 && link === this.linkNo && this.state === CONNECTED) this.writePuback(id);
  }

  private onDropped(): void {
    const d = this.rx;
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
