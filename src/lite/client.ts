// A compact MQTT 3.1.1 client for engines where code size is memory. On Espruino the upload
// file is the program's memory (an ESP8266 has ~1 700 variables of 12 bytes for code and data),
// and the core client (src/client.ts over src/session and src/codec) is about 25 KB there: its fixed
// typed-array buffers, byte-level UTF-8 and zero-allocation paths pay off on XS but are text the
// interpreter has to hold. This one speaks byte strings, which is what Espruino's sockets deliver,
// and keeps the promises that matter on a device in 5 KB: QoS 0/1, retained, will, user/password,
// keepalive with a ping timeout, reconnect with backoff, a bounded outbox that resends
// unacknowledged QoS 1 messages with DUP after a reconnect, and typed errors.
//
// The price, chosen on purpose: a message costs a few short-lived strings (an Espruino string
// is a chain of blocks; there is nothing to preallocate); topics and payloads are byte strings
// (non-ASCII text must be UTF-8 encoded by the caller); every message goes to onMessage (no
// per-filter handlers); always a clean session; fixed backoff and CONNACK deadline; mqtt:// and
// mqtts:// only; no failover list. README.md ("On Espruino: LiteClient") lists it for users.
//
// Written as one constructor whose state lives in local variables rather than as a class:
// minified, a local is one letter, while every `this.field` is text the engine keeps. Methods
// are closures made once per client, none per message. Callbacks run synchronously; the
// client's own state is settled before each one.
import { MqttError, INVALID_ARGUMENT, PACKET_MALFORMED, PACKET_TOO_LARGE, PROTOCOL_ERROR,
  CONNECTION_LOST, QUEUE_FULL, NOT_CONNECTED, TOPIC_INVALID } from '../errors.js';
import type { MqttErrorCode } from '../errors.js';
import type { LiteErrorHandler, LiteMessageHandler, LiteOptions, LiteSink,
  LiteTransport } from './types.js';

export type LiteResult = 'sent' | 'queued' | MqttErrorCode;

export interface LiteClient {
  connected: boolean;
  onConnect: (sessionPresent: boolean) => void;
  /** Every message the broker delivers. */
  onMessage: LiteMessageHandler;
  onError: LiteErrorHandler;
  /** An established connection ended. */
  onClose: () => void;
  /** Connects, and keeps reconnecting after every loss until end(). */
  connect(): void;
  /** DISCONNECT (so the broker discards the will) and close. The outbox is kept for connect(). */
  end(): void;
  /**
   * 'sent' (written now), 'queued' (QoS 1: in the outbox, written when a link and the in-flight
   * window allow) or an error code: TOPIC_INVALID, PACKET_TOO_LARGE, QUEUE_FULL (outbox full,
   * nothing stored), NOT_CONNECTED (QoS 0 while offline). Any QoS but 0 is QoS 1.
   */
  publish(topic: string, payload: string, qos?: 0 | 1, retain?: boolean): LiteResult;
  /** Remembers the filter (subscribed again on every connect) and subscribes now when connected. */
  subscribe(filter: string, qos?: 0 | 1): LiteResult;
  unsubscribe(filter: string): LiteResult;
}

const chr = String.fromCharCode;
const SENT = 'sent', QUEUED = 'queued';
// connection states
const STOPPED = 0, WAITING = 1, CONNECTING = 2, CONNECTED = 3;
// A link that stayed up this long was healthy: the next attempt waits only the minimum delay.
const HEALTHY = 30000;
// CONNACK return codes 1..5
const REFUSED = ['', 'PROTOCOL_VERSION', 'IDENTIFIER_REJECTED', 'SERVER_UNAVAILABLE', 'BAD_CREDENTIALS', 'NOT_AUTHORIZED'];

// Only ever inside error messages, which the Espruino build strips (scripts/build/strip-messages.ts):
// there these tables and words() have no reader left and the minifier drops them.
const NAMES = ['', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'SUBSCRIBE',
  'SUBACK', 'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT'];
const REFUSED_WHY = ['', 'the broker does not speak MQTT 3.1.1', 'the broker rejected the client id; use another one',
  'the broker is unavailable; retrying', "bad user name or password, or not authorized; check the credentials and the broker's access rules"];

function noop(): void {}

function invalid(what: string): MqttError {
  return new MqttError(INVALID_ARGUMENT, 'invalid ' + what);
}

/** What a platform passed with a close: a text, Espruino's {code, message}, or its hadError boolean. */
function reason(why: unknown): string {
  const m = why && typeof why === 'object' ? (why as { message?: unknown }).message : why;
  return typeof m === 'string' && m ? ': ' + m : '';
}

/** Unset → `def`; otherwise a whole number from min to max, or the constructor throws. */
function num(v: number | undefined, def: number, min: number, max: number, what: string): number {
  if (v === undefined) return def;
  if (!(v >= min && v <= max && v % 1 === 0)) throw invalid(what);
  return v;
}

function id2(n: number): string {
  return chr(n >> 8, n & 255);
}

/** An MQTT string: two length bytes, then the bytes. */
function str(s: string): string {
  if (s.length > 65535) throw invalid('string over 65535 bytes');
  return id2(s.length) + s;
}

/** A whole packet: fixed header byte, remaining length, body. */
function packet(head: number, body: string): string {
  let n = body.length, len = '';
  do {
    const b = n & 127;
    n >>>= 7;
    len += chr(n ? b | 128 : b);
  } while (n);
  return chr(head) + len + body;
}

/**
 * A topic name (no wildcards) or, with `filter`, a filter whose wildcards are whole levels and
 * whose '#' is last. Plain regexes only: Espruino's engine mishandles groups and alternation.
 */
function validTopic(t: string, filter?: boolean): boolean {
  return !!t && t.length < 65536 && !/\0/.test(t) &&
    !(filter ? /[^\/][#+]/.test(t) || /[#+][^\/]/.test(t) || /#./.test(t) : /[#+]/.test(t));
}

/**
 * Checks the topic of a received PUBLISH, s[a..b), as bytes: 0 when it is well-formed UTF-8
 * (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF) without U+0000 or a
 * wildcard; else the first fault met: 1 not UTF-8, 2 U+0000, 3 a wildcard.
 */
function topicFault(s: string, a: number, b: number): number {
  let need = 0, lo = 0, hi = 0;
  for (; a < b; a++) {
    const c = s.charCodeAt(a);
    if (need) {
      if (c < lo || c > hi) return 1;
      need--;
      lo = 128;
      hi = 191;
    } else if (c > 127) {
      if (c < 194 || c > 244) return 1;
      need = c < 224 ? 1 : c < 240 ? 2 : 3;
      // the second byte's range narrows after E0 (overlong), ED (surrogates), F0 (overlong), F4 (> U+10FFFF)
      lo = c === 224 ? 160 : c === 240 ? 144 : 128;
      hi = c === 237 ? 159 : c === 244 ? 143 : 191;
    } else if (!c || c === 35 || c === 43) return c ? 3 : 2;
  }
  return need ? 1 : 0;
}

// `new LiteClient(options)`: a constructor function that puts its methods on the new object.
export const LiteClient = function (this: LiteClient, options: LiteOptions): void {
  const self = this;
  const platform = options.platform;

  // ---- options -------------------------------------------------------------------------------
  // mqtt[s]://[user[:password]@]host[:port][/path]: split at '/', the host after the last '@'
  let user: string | undefined, pass: string | undefined;
  const parts = ('' + options.url).split('/');
  const secure = parts[0] === 'mqtts:';
  const auth = (parts[2] || '').split('@'), hostPort = (auth.pop() as string).split(':');
  const host = hostPort[0];
  if (!secure && parts[0] !== 'mqtt:' || parts[1] || !host || hostPort.length > 2) throw invalid('url');
  const port = hostPort.length > 1 ? num(+hostPort[1], 0, 1, 65535, 'url port') : secure ? 8883 : 1883;
  if (auth.length) {
    const cred = auth.join('@').split(':');
    // a malformed %-escape throws URIError
    user = decodeURIComponent(cred.shift() as string);
    if (cred.length) pass = decodeURIComponent(cred.join(':'));
  }
  if (options.username != null) user = options.username;
  if (options.password != null) pass = options.password;
  if (pass != null && user == null) throw invalid('password without username');

  // The chip's id keeps two devices apart; the random part, two clients on one device. (Espruino's
  // Math.random repeats its sequence on every boot, so it alone would repeat across devices.)
  const id = options.clientId || 'mqtt-' + (platform.deviceId ? platform.deviceId() : '') + Math.random().toString(16).slice(2, 8);
  const keepalive = num(options.keepalive, 60, 0, 65535, 'keepalive'), half = keepalive * 500;
  const receiveMax = num(options.receiveBufferSize, 1024, 16, 1e9, 'receiveBufferSize');
  // A stored packet's body length has two bytes (see the outbox below)
  const transmitMax = num(options.transmitBufferSize, 512, 16, 65535, 'transmitBufferSize');
  // Stored packets take 8 bytes or more, so at most 65 534 fit: nextId() always finds a free id
  const outboxMax = num(options.outboxSize, 4096, 0, 524272, 'outboxSize');
  const inflightMax = num(options.maxInflight, 8, 1, 65535, 'maxInflight');

  const w = options.will;
  if (w && !validTopic(w.topic)) throw invalid('will topic');
  const connectPacket = packet(16, str('MQTT') + chr(4, 2 | (w ? 4 | (w.qos ? 8 : 0) | (w.retain ? 32 : 0) : 0) |
    (user != null ? 128 : 0) | (pass != null ? 64 : 0)) + id2(keepalive) + str(id) +
    (w ? str(w.topic) + str(w.payload) : '') + (user != null ? str(user) : '') + (pass != null ? str(pass) : ''));

  // ---- state ---------------------------------------------------------------------------------
  let link: LiteTransport | null | undefined;
  let state = STOPPED;
  let wanted: boolean | undefined; // connect() called and end() not since
  let backoff = 1000;
  let timer: unknown;
  let failed: unknown; // what platform.connect() threw, reported from the timer
  let pending = ''; // received bytes of a packet not yet complete
  let skipping = 0; // bytes still to drop of an oversize packet
  let told: boolean | undefined; // the oversize packet at the head of `pending` has been reported
  let pinged: boolean | undefined; // a PINGREQ is out and nothing has arrived since
  // Whether anything was written / heard since the last keepalive tick. Flags, not timestamps:
  // a timer may fire a hair early on the platform's clock, and then `now - last >= K/2` fails.
  let wrote: boolean | undefined, heard: boolean | undefined;
  let upAt: number; // when CONNACK 0 came
  let lastId = 0;
  // The outbox: QoS 1 PUBLISHes in order, in one array taken at start-up, so a full outbox or a
  // long backlog costs no more memory than an empty one (on Espruino a string per message costs
  // several variables). Each is stored as two bytes of body length, the fixed header byte, the
  // body (topic, id, payload). ob[0..sent) was written on this link and awaits PUBACK (`inflight`
  // packets); ob[sent..used) waits for room in the window or for a link.
  const ob = new Uint8Array(outboxMax);
  let used = 0, sent = 0, inflight = 0;
  // Subscriptions, each as the payload of its SUBSCRIBE (the filter as an MQTT string, the QoS).
  let filters: string[] = [];

  self.connected = false;
  self.onConnect = self.onMessage = self.onError = self.onClose = noop;

  // ---- public methods ------------------------------------------------------------------------
  self.connect = function () {
    wanted = true;
    if (state === STOPPED) open();
  };

  self.end = function () {
    wanted = false;
    if (state === CONNECTED) send(chr(224, 0));
    drop('', '');
  };

  self.publish = function (topic, payload, qos, retain) {
    if (!validTopic(topic)) return TOPIC_INVALID;
    const head = qos ? 50 : 48, body = str(topic) + (qos ? id2(nextId()) : '') + payload;
    const pkt = packet(retain ? head | 1 : head, body);
    if (pkt.length > transmitMax) return PACKET_TOO_LARGE;
    if (!qos) {
      if (state !== CONNECTED) return NOT_CONNECTED;
      send(pkt);
      return SENT;
    }
    // A newer retained message replaces an older one on the same topic not yet written on this
    // link: the broker keeps only the last anyway, and statuses must not pile up during a storm.
    for (let p = sent; retain && p < used;) {
      if (ob[p + 2] & 1 && bytes(p + 5, u16(p + 3)) === topic) remove(p);
      else p += 3 + u16(p);
    }
    const rec = id2(body.length) + pkt.charAt(0) + body;
    if (used + rec.length > outboxMax) return QUEUE_FULL;
    for (let i = 0; i < rec.length; i++) ob[used++] = rec.charCodeAt(i);
    const before = inflight;
    flush();
    return inflight > before ? SENT : QUEUED;
  };

  self.subscribe = function (filter, qos) {
    if (!validTopic(filter, true)) return TOPIC_INVALID;
    forget(filter);
    const e = str(filter) + chr(qos ? 1 : 0);
    filters.push(e);
    return subscribeNow(e);
  };

  self.unsubscribe = function (filter) {
    if (!validTopic(filter, true)) return TOPIC_INVALID;
    forget(filter);
    // offline: nothing to send, the next (clean) session will not have the filter
    if (state !== CONNECTED) return QUEUED;
    send(packet(162, id2(nextId()) + str(filter)));
    return SENT;
  };

  // ---- internals -----------------------------------------------------------------------------
  function forget(filter: string): void {
    filters = filters.filter(function (e) { return e.slice(2, -1) !== filter; });
  }

  function subscribeNow(e: string): LiteResult {
    if (state !== CONNECTED) return QUEUED;
    send(packet(130, id2(nextId()) + e));
    return SENT;
  }

  /** 1..65535, never one still in the outbox. */
  function nextId(): number {
    do lastId = lastId % 65535 + 1;
    while (find(lastId, used) >= 0);
    return lastId;
  }

  // ---- the outbox, walked record by record (it holds tens, not thousands) --------------------
  function u16(p: number): number {
    return ob[p] << 8 | ob[p + 1];
  }

  /** The offset of the stored PUBLISH with this packet id in ob[0..end), or -1. */
  function find(pid: number, end: number): number {
    for (let p = 0; p < end; p += 3 + u16(p)) if (u16(p + 5 + u16(p + 3)) === pid) return p;
    return -1;
  }

  /** Removes the stored PUBLISH at p (moving the later ones down). */
  function remove(p: number): void {
    const n = 3 + u16(p);
    for (let i = p; i < used - n; i++) ob[i] = ob[i + n];
    used -= n;
    if (p < sent) {
      sent -= n;
      inflight--;
    }
  }

  /** ob[p..p+n) as a byte string. */
  function bytes(p: number, n: number): string {
    let s = '';
    while (n--) s += chr(ob[p++]);
    return s;
  }

  /** Writes stored PUBLISHes while the in-flight window has room. */
  function flush(): void {
    while (state === CONNECTED && inflight < inflightMax && sent < used) {
      const n = u16(sent);
      send(packet(ob[sent + 2], bytes(sent + 3, n)));
      // the stored copy, if it is written again, is a resend
      ob[sent + 2] |= 8;
      sent += 3 + n;
      inflight++;
    }
  }

  // ---- the link ------------------------------------------------------------------------------
  function open(): void {
    let mine: LiteTransport | null = null;
    const sink: LiteSink = {
      onOpen: function () { if (link === mine) send(connectPacket); },
      onData: function (d: string) { if (link === mine) receive(d); },
      onClose: function (why?: unknown) { if (link === mine) drop(CONNECTION_LOST, 'connection lost' + reason(why)); },
    };
    state = CONNECTING;
    setTimer(10000);
    try {
      mine = link = platform.connect(host, port, secure, sink);
    } catch (e) {
      // Espruino throws at once when it cannot even create the socket. Report it from the
      // timer, not from inside connect(): callbacks never run inside a call the app is making.
      failed = e;
      setTimer(1);
    }
  }

  function send(s: string): void {
    (link as LiteTransport).write(s);
    wrote = true;
  }

  function setTimer(ms: number): void {
    // never clearTimeout(undefined): on Espruino that clears every timer
    if (timer !== undefined) platform.clearTimer(timer);
    timer = ms > 0 ? platform.setTimer(ms, onTimer) : undefined;
  }

  // One timer: the reconnect delay, the CONNACK deadline, or the keepalive tick, by state.
  function onTimer(): void {
    timer = undefined;
    if (state === WAITING) open();
    else if (state === CONNECTING) {
      if (link) drop('CONNECT_TIMEOUT', 'no CONNACK within 10000 ms');
      else drop(CONNECTION_LOST, 'connection lost' + reason(failed));
    } else if (state === CONNECTED) {
      if (pinged) return drop('PING_TIMEOUT', 'no answer from the broker within ' + half + ' ms (keepalive ' + keepalive + ' s): the link is dead');
      // Ping when we have been quiet, and also when the broker has: a client that only sends
      // QoS 0 would otherwise never learn that its link is dead.
      pinged = !wrote || !heard;
      wrote = heard = false;
      if (pinged) send(chr(192, 0));
      setTimer(half);
    }
  }

  function err(code: MqttErrorCode, why: string): void {
    self.onError(new MqttError(code, why));
  }

  /** Ends the current link (if any): error, then onClose; reconnects later unless end() was called. */
  function drop(code: MqttErrorCode | '', why: string): void {
    const was = state === CONNECTED, old = link;
    link = null;
    self.connected = false;
    pending = '';
    skipping = 0;
    told = pinged = false;
    // What was in flight goes out again, first (with DUP, set when it was written), on the next link.
    sent = inflight = 0;
    if (old) old.end();
    // Only a healthy link resets the backoff: a broker that accepts and then fails must not be
    // hammered at the minimum delay.
    if (was && platform.now() - upAt >= HEALTHY) backoff = 1000;
    if (wanted) {
      state = WAITING;
      // jitter only shortens the delay, so the 60 s cap holds
      setTimer(backoff * (0.5 + Math.random() / 2));
      backoff = Math.min(backoff * 2, 60000);
    } else {
      state = STOPPED;
      setTimer(0);
    }
    if (code) err(code, why);
    if (was) self.onClose();
  }

  // ---- incoming bytes ------------------------------------------------------------------------
  // The packet being read, shared with words(): its bytes (and whatever follows them), type,
  // flags, remaining length, and a byte of it that a check looked at.
  let rx: string, ty: number, fl: number, rl: number, ex: number;

  function at(k: number): number {
    return rx.charCodeAt(k);
  }

  // A fault in the packet being read closes the link. `k` is 2 × the stage of the checks that
  // found it (below) + 1 for PROTOCOL_ERROR (valid MQTT that a client must not get, or not now),
  // + 0 for PACKET_MALFORMED.
  function fail(k: number): void {
    drop(k & 1 ? PROTOCOL_ERROR : PACKET_MALFORMED, words(k >> 1));
  }

  /**
   * The words of docs/CONTRACTS.md's table for what the checks of `stage` found wrong with the
   * packet being read. Only ever inside an error message: on Espruino, where the build strips
   * messages, the code is all there is, so each check in receive() only decides the code, and
   * this finds which one it was again, at no cost on the chip.
   */
  function words(stage: number): string {
    const n = NAMES[ty], two = at(0) << 8 | at(1);
    if (!stage) {
      return !(ty % 15) ? 'packet type ' + ty + ' is reserved' : 0x5502 >> ty & 1 ? 'the broker sent ' + n + ', which only a client sends' :
        ty === 3 ? 'PUBLISH with QoS 3' : n + ' with fixed-header flags 0x' + fl.toString(16);
    }
    if (stage < 2) return 'remaining length longer than 4 bytes';
    if (stage < 3) return n + ' with remaining length ' + rl;
    if (stage < 4) {
      // the checks on the body, in their order
      return ty === 2 ? 'CONNACK with flags 0x' + at(0).toString(16) : ty === 9 ? 'SUBACK return code 0x' + ex.toString(16) :
        !two ? 'PUBLISH with an empty topic' : two + (fl & 6 ? 4 : 2) > rl ? 'PUBLISH topic runs past the end of the packet' :
        fl & 6 && !(at(two + 2) << 8 | at(two + 3)) ? 'PUBLISH with packet id 0' :
        'PUBLISH topic ' + ['', 'is not valid UTF-8', 'contains U+0000', 'contains a wildcard (+ or #)'][topicFault(rx, 2, two + 2)];
    }
    return (ty === 2 ? state === CONNECTED : state !== CONNECTED) ? (ty === 2 ? 'CONNACK received twice' : n + ' received before CONNACK') :
      ty === 3 ? 'PUBLISH with QoS 2, which this client never subscribes to' :
      ty !== 2 ? n + ' received, but this client never uses QoS 2' : 'CONNACK with unknown return code ' + at(1);
  }

  // Each packet is checked as early as its bytes allow: the first byte (type and flags) at once,
  // the remaining length as soon as it is known, the rest when the packet is in.
  function receive(d: string): void {
    const mine = link;
    pinged = false;
    heard = true;
    const n = Math.min(skipping, d.length);
    skipping -= n;
    pending += d.slice(n);
    // Each packet leaves `pending` before it is handled, so a callback that throws or calls
    // end() leaves the stream consistent.
    while (link === mine && pending) {
      const s = rx = pending, h = at(0);
      ty = h >> 4;
      fl = h & 15;
      // CONNECT, SUBSCRIBE, UNSUBSCRIBE, PINGREQ, DISCONNECT (bits 1, 8, 10, 12, 14); types 0
      // and 15; flags other than MQTT 3.1.1 fixes (PUBLISH: any but QoS 3, PUBREL 2, else 0)
      const client = 0x5502 >> ty & 1;
      if (client || !(ty % 15) || (ty === 3 ? (fl & 6) === 6 : fl !== (ty === 6 ? 2 : 0))) return fail(client); // stage 0
      let i = 1, mul = 1, b = 0;
      rl = 0;
      do {
        if (i > 4) return fail(2); // stage 1
        if (i >= s.length) return;
        b = at(i++);
        rl += (b & 127) * mul;
        mul *= 128;
      } while (b & 128);
      // PINGRESP 0, SUBACK 3 (one filter per SUBSCRIBE), PUBLISH at least a topic length, the rest 2
      if (ty === 3 ? rl < 2 : rl !== (ty === 13 ? 0 : ty === 9 ? 3 : 2)) return fail(4); // stage 2
      // So only a PUBLISH can be larger than receiveMax (at least 16). It is reported now, handled
      // once receiveMax bytes of it are here (enough for its topic and id, to acknowledge it), and
      // the rest is dropped as it arrives: memory stays bounded.
      const end = i + rl;
      if (end > receiveMax && !told) {
        told = true;
        err('MESSAGE_TOO_LARGE', 'incoming PUBLISH of ' + end + ' bytes is larger than the receive buffer (' +
          receiveMax + ' bytes): dropped');
        continue; // the handler may have called end()
      }
      const have = Math.min(end, s.length);
      if (have < end && have < receiveMax) return;
      told = false;
      skipping = end - have;
      pending = s.slice(have);

      // The body is here (of an oversize PUBLISH, never delivered, perhaps only its start).
      const b2 = rx = s.slice(i, have), qos = fl >> 1 & 3, whole = end <= receiveMax, two = at(0) << 8 | at(1);
      const idAt = two + 2, p = qos ? two + 4 : idAt;
      // First what makes the bytes invalid MQTT: CONNACK flags, a SUBACK code, a PUBLISH's topic
      // and id (its topic only when the packet is whole) ...
      if (ty === 2 ? at(0) > 1 : ty === 9 ? (ex = at(2)) > 2 && ex !== 128 :
        ty === 3 && (!two || p > rl || qos && p <= b2.length && !(at(idAt) << 8 | at(two + 3)) ||
          whole && topicFault(b2, 2, idAt))) return fail(6); // stage 3
      // ... then what is valid MQTT but wrong for this client, or not now
      if ((ty === 2 ? state === CONNECTED : state !== CONNECTED) || ty === 3 && qos > 1 ||
        ty > 4 && ty < 8 || ty === 2 && at(1) > 5) return fail(9); // stage 4
      if (ty === 3) {
        // An oversize QoS 1 message is acknowledged too, or the broker's window for us fills up
        // (unless even its topic did not fit: then the id is not here).
        if (qos && p <= b2.length) send(packet(64, b2.slice(idAt, p)));
        if (whole) self.onMessage(b2.slice(2, idAt), b2.slice(p), { qos: qos, retain: (h & 1) === 1, dup: (h & 8) === 8 });
      } else if (ty === 2) {
        ex = at(1);
        if (ex) {
          // 2 (identifier rejected), 4 (credentials), 5 (not authorised): retrying cannot help
          if (ex === 2 || ex > 3) wanted = false;
          return drop(('CONNACK_REFUSED_' + REFUSED[ex]) as MqttErrorCode, 'connection refused (CONNACK ' + ex + '): ' + REFUSED_WHY[ex > 4 ? 4 : ex]);
        }
        state = CONNECTED;
        self.connected = true;
        upAt = platform.now();
        wrote = heard = false;
        filters.forEach(subscribeNow);
        setTimer(half);
        // before the outbox goes out: a status published here replaces the last link's unsent one
        self.onConnect((at(0) & 1) === 1);
        flush();
      } else if (ty === 4) {
        const o = find(two, sent);
        if (o >= 0) {
          remove(o);
          flush();
        }
      } else if (ty === 9 && ex === 128) err('SUBSCRIBE_FAILED', 'the broker refused a subscription');
    }
  }
} as unknown as new (options: LiteOptions) => LiteClient;
