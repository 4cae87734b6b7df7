// A compact MQTT 3.1.1 client for Espruino, where the program and its data share ~1 700
// variables of 12 bytes (ESP8266). It keeps the promises that matter on a device: QoS 0/1,
// retained, will, user/password, keepalive with a ping timeout, reconnect with backoff, a bounded
// outbox that resends unacknowledged QoS 1 messages with DUP after a reconnect, typed errors, and
// docs/CONTRACTS.md's table of faults (the same codes and words as the core MqttClient).
//
// How it is written follows what costs memory on Espruino (measured with process.memory() on a
// 1 700-variable build, code run from Storage, see README "Testing on the real Espruino"):
// - every function object costs ~4 variables, +1 per parameter, +1 when it is a closure, and ~4
//   more when it is a closure two scopes deep, so the code is a few larger functions, all made once
//   per client directly in the constructor, none per message or per link (a link's sink is an
//   object of three shared methods and the link's number, which they check through `this`);
// - every variable a closure can see stays alive, so nothing is kept that is only needed once
//   (the options are read by config() and dropped; flags are 0/1, which need no extra variable);
// - the outbox is one Uint8Array taken at start-up, so a full outbox, a backlog or a reconnect
//   adds nothing; a message in flight costs a few short-lived strings (Espruino's sockets speak
//   byte strings);
// - constant text (error codes, messages) is written where it is used: run from Storage it stays
//   in flash. Error messages are stripped from the Espruino build altogether; words() finds them
//   again on Node and Moddable.
//
// The price, chosen on purpose: topics and payloads are byte strings (encode non-ASCII text as
// UTF-8 yourself); every message goes to onMessage (no per-filter handlers); always a clean
// session; fixed backoff and CONNACK deadline; mqtt:// and mqtts:// only; no failover list.
// README.md ("On Espruino: LiteClient") lists the differences for users.
import { MqttError } from '../errors.js';
import type { MqttErrorCode } from '../errors.js';
import type { LiteErrorHandler, LiteMessageHandler, LiteOptions, LiteSink,
  LiteTransport } from './types.js';

export type LiteResult = 'sent' | 'queued' | MqttErrorCode;

/** A link's sink: the shared methods and the link's number. */
interface Sink extends LiteSink { n: number }

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
   * nothing stored), NOT_CONNECTED (QoS 0 while offline). Any QoS but 0 is QoS 1. A retained
   * QoS 1 message replaces an older retained one on the same topic not yet written on this link.
   */
  publish(topic: string, payload: string, qos?: 0 | 1, retain?: boolean): LiteResult;
  /** Remembers the filter (subscribed again on every connect) and subscribes now when connected. */
  subscribe(filter: string, qos?: 0 | 1): LiteResult;
  unsubscribe(filter: string): LiteResult;
}

const chr = String.fromCharCode;
// connection states
const STOPPED = 0, WAITING = 1, CONNECTING = 2, CONNECTED = 3;
// A link that stayed up this long was healthy: the next attempt waits only the minimum delay.
const HEALTHY = 30000;

function noop(): void {}

/** An MQTT string: two length bytes, then the bytes. */
function str(s: string): string {
  if (s.length > 65535) throw new MqttError('INVALID_ARGUMENT', 'a string over 65535 bytes');
  return chr(s.length >> 8, s.length & 255) + s;
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
 * whose '#' is last. No regular expression: on Espruino the first one used costs the RegExp class
 * for good (8 variables).
 */
function validTopic(t: string, filter?: number): boolean {
  if (!t || t.length > 65535 || t.indexOf('\0') >= 0) return false;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    // a wildcard: only in a filter, after '/' or first, and then '+' before '/' or last, '#' last
    if ((c === 35 || c === 43) && (!filter || i && t.charCodeAt(i - 1) !== 47 ||
      i + 1 < t.length && (c === 35 || t.charCodeAt(i + 1) !== 47))) return false;
  }
  return true;
}

/**
 * The options, checked: [host, port, secure (0/1), CONNECT packet, keepalive × 500 (ms),
 * receive buffer, transmit buffer, outbox, in-flight window]. Throws MqttError INVALID_ARGUMENT,
 * or URIError for a malformed %-escape in the URL's user or password.
 */
function config(options: LiteOptions): [string, number, number, string, number, number, number, number, number] {
  // mqtt[s]://[user[:password]@]host[:port][/path]: split at '/', the host after the last '@'
  let user: string | undefined, pass: string | undefined;
  const bad = 'INVALID_ARGUMENT'; // a local: one copy of the text, and gone when config() returns
  const parts = ('' + options.url).split('/');
  const secure = parts[0] === 'mqtts:' ? 1 : 0;
  const auth = (parts[2] || '').split('@'), hostPort = (auth.pop() as string).split(':');
  const host = hostPort[0];
  if (!secure && parts[0] !== 'mqtt:' || parts[1] || !host || hostPort.length > 2) throw new MqttError(bad, 'invalid url');
  if (auth.length) {
    const cred = auth.join('@').split(':');
    user = decodeURIComponent(cred.shift() as string);
    if (cred.length) pass = decodeURIComponent(cred.join(':'));
  }
  if (options.username != null) user = options.username;
  if (options.password != null) pass = options.password;
  if (pass != null && user == null) throw new MqttError(bad, 'a password needs a username');
  // Each number: unset → default; else a whole number in its range, or INVALID_ARGUMENT.
  // A stored message's body length has two bytes (see the outbox), so the transmit buffer is at
  // most 65 535; stored messages take 8 bytes or more, so at most 65 534 fit in 524 272: then
  // nextId() always finds a free packet id.
  const n = [hostPort[1], secure ? 8883 : 1883, 1, 65535, options.keepalive, 60, 0, 65535,
    options.receiveBufferSize, 1024, 16, 1e9, options.transmitBufferSize, 512, 16, 65535,
    options.outboxSize, 4096, 0, 524272, options.maxInflight, 8, 1, 65535] as Array<number | string | undefined>;
  for (let i = 0; i < n.length; i += 4) {
    const v = n[i] === undefined ? n[i + 1] as number : +(n[i] as number);
    if (!(v >= (n[i + 2] as number) && v <= (n[i + 3] as number) && v % 1 === 0)) throw new MqttError(bad, 'invalid option ' + i / 4);
    n[i] = v;
  }
  const w = options.will, keepalive = n[4] as number;
  if (w && !validTopic(w.topic)) throw new MqttError(bad, 'invalid will topic');
  // The chip's id keeps two devices apart, the random part two clients on one device (Espruino's
  // Math.random repeats its sequence on every boot, so alone it would repeat across devices).
  const id = options.clientId || 'mqtt-' + (options.platform.deviceId ? options.platform.deviceId() : '') + Math.random().toString(16).slice(2, 8);
  return [host, n[0] as number, secure,
    packet(16, str('MQTT') + chr(4, 2 | (w ? 4 | (w.qos ? 8 : 0) | (w.retain ? 32 : 0) : 0) |
      (user != null ? 128 : 0) | (pass != null ? 64 : 0)) + chr(keepalive >> 8, keepalive & 255) + str(id) +
      (w ? str(w.topic) + str(w.payload) : '') + (user != null ? str(user) : '') + (pass != null ? str(pass) : '')),
    keepalive * 500, n[8] as number, n[12] as number, n[16] as number, n[20] as number];
}

/** What a platform passed with a close: a text, Espruino's {code, message}, or its hadError boolean. */
function reason(why: unknown): string {
  const m = why && typeof why === 'object' ? (why as { message?: unknown }).message : why;
  return typeof m === 'string' && m ? ': ' + m : '';
}

const NAMES = ['', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'SUBSCRIBE',
  'SUBACK', 'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT'];

/**
 * The words of docs/CONTRACTS.md's table for a fault receive() found in a packet: `stage` says
 * which of its checks did (see there), s[i..] is the packet's body, `state` the client's. Only
 * ever called inside an error message: the Espruino build strips those, and with them this and
 * NAMES, so there each check only has to decide the code.
 */
function words(stage: number, s: string, i: number, ty: number, fl: number, rl: number, state: number): string {
  const n = NAMES[ty], two = s.charCodeAt(i) << 8 | s.charCodeAt(i + 1), b = s.charCodeAt(i + (ty === 9 ? 2 : 1));
  return [!(ty % 15) ? 'packet type ' + ty + ' is reserved' : 0x5502 >> ty & 1 ? 'the broker sent ' + n + ', which only a client sends' :
    ty === 3 ? 'PUBLISH with QoS 3' : n + ' with fixed-header flags 0x' + fl.toString(16),
  'remaining length longer than 4 bytes', n + ' with remaining length ' + rl,
  ty === 2 ? 'CONNACK with flags 0x' + s.charCodeAt(i).toString(16) : ty === 9 ? 'SUBACK return code 0x' + b.toString(16) :
    !two ? 'PUBLISH with an empty topic' : two + (fl & 6 ? 4 : 2) > rl ? 'PUBLISH topic runs past the end of the packet' : 'PUBLISH with packet id 0',
  (ty === 2 ? state === CONNECTED : state !== CONNECTED) ? (ty === 2 ? 'CONNACK received twice' : n + ' received before CONNACK') :
    ty === 3 ? 'PUBLISH with QoS 2, which this client never subscribes to' :
    ty !== 2 ? n + ' received, but this client never uses QoS 2' : 'CONNACK with unknown return code ' + b,
  'PUBLISH topic is not valid UTF-8', 'PUBLISH topic contains U+0000', 'PUBLISH topic contains a wildcard (+ or #)',
  'connection refused (CONNACK ' + b + '): ' + ['the broker does not speak MQTT 3.1.1', 'the broker rejected the client id; use another one',
    'the broker is unavailable; retrying', "bad user name or password, or not authorized; check the credentials and the broker's access rules"][b > 4 ? 3 : b - 1],
  ][stage];
}

// `new LiteClient(options)`: a constructor function that puts its methods on the new object.
export const LiteClient = function (this: LiteClient, options: LiteOptions): void {
  const self = this, platform = options.platform;
  let c: ReturnType<typeof config> | null = config(options);
  const host = c[0], port = c[1], secure = c[2], connectPacket = c[3], half = c[4], receiveMax = c[5],
    transmitMax = c[6], inflightMax = c[8];
  // The outbox: QoS 1 PUBLISHes in order. Each is stored as two bytes of body length, the fixed
  // header byte, the body (topic, packet id, payload). ob[0..sent) was written on this link and
  // awaits PUBACK (`inflight` messages); ob[sent..used) waits for room in the window or a link.
  const ob = new Uint8Array(c[7]);
  // the closures below keep this scope alive: let go of what they do not need
  c = null;
  options = null as unknown as LiteOptions;

  let used = 0, sent = 0, inflight = 0;
  let link: LiteTransport | null | undefined;
  let linkNo = 0; // the current link's number; events from any other link are ignored
  let state = STOPPED;
  let wanted = 0; // connect() called and end() not since
  let backoff = 1000;
  let timer: unknown;
  let due = 0; // when the timer should fire: a keepalive tick can tell that it runs late
  let failed: unknown; // what platform.connect() threw, for the message (the Espruino build drops it)
  let pending = ''; // received bytes of a packet not yet complete
  let skipping = 0; // bytes still to drop of an oversize PUBLISH
  let told = 0; // the oversize PUBLISH at the head of `pending` has been reported
  // An oversize QoS 1 PUBLISH whose packet id lies in the bytes being dropped (its topic alone
  // did not fit): the id's bytes gathered so far, and how many dropped bytes still come before it.
  let ackId = '', ackIn = -1;
  let pinged = 0; // a PINGREQ is out and nothing has arrived since
  // Whether anything was written / heard since the last keepalive tick. Flags, not timestamps:
  // a timer may fire a hair early on the platform's clock, and then `now - last >= K/2` fails.
  let wrote = 0, heard = 0;
  let upAt = 0; // when CONNACK 0 came
  let lastId = 0;
  // Subscriptions, each as the payload of its SUBSCRIBE: the filter as an MQTT string, the QoS.
  const filters: string[] = [];

  self.connected = false;
  self.onConnect = self.onMessage = self.onError = self.onClose = noop;

  // ---- public methods ------------------------------------------------------------------------
  self.connect = function () {
    wanted = 1;
    if (state === STOPPED) {
      state = WAITING;
      onTimer(); // opens the link now
    }
  };

  self.end = function () {
    wanted = 0;
    if (state === CONNECTED) send(chr(224, 0));
    drop('', '');
  };

  self.publish = function (topic, payload, qos, retain) {
    if (!validTopic(topic)) return 'TOPIC_INVALID';
    const head = qos ? retain ? 51 : 50 : retain ? 49 : 48, body = str(topic) + (qos ? nextId() : '') + payload;
    const pkt = packet(head, body);
    if (pkt.length > transmitMax) return 'PACKET_TOO_LARGE';
    if (!qos) {
      if (state !== CONNECTED) return 'NOT_CONNECTED';
      send(pkt);
      return 'sent';
    }
    // A newer retained message replaces an older one on the same topic not yet written on this
    // link: the broker keeps only the last anyway, and statuses must not pile up during a storm.
    for (let p = sent, k: number; retain && p < used;) {
      k = ob[p + 3] << 8 | ob[p + 4];
      if (ob[p + 2] & 1 && k === topic.length) {
        while (k && ob[p + 4 + k] === topic.charCodeAt(k - 1)) k--;
      }
      const n = 3 + (ob[p] << 8 | ob[p + 1]);
      if (k) p += n;
      else { // the same topic: remove it, moving the later ones down
        for (let i = p; i < used - n; i++) ob[i] = ob[i + n];
        used -= n;
      }
    }
    const n = body.length + 3;
    // larger than the whole outbox can never be stored: not a matter of waiting
    if (n > ob.length) return 'PACKET_TOO_LARGE';
    if (used + n > ob.length) return 'QUEUE_FULL';
    ob[used] = n - 3 >> 8;
    ob[used + 1] = n - 3 & 255;
    ob[used + 2] = head;
    for (let i = 3; i < n; i++) ob[used + i] = body.charCodeAt(i - 3);
    used += n;
    const before = inflight;
    flush();
    return inflight > before ? 'sent' : 'queued';
  };

  /**
   * subscribe(filter, qos) itself (any further argument, such as MqttClient's handler, is ignored),
   * and with qos -1 unsubscribe(filter). Filters are remembered for every connect.
   */
  function sub(filter: string, qos?: number): LiteResult {
    if (!validTopic(filter, 1)) return 'TOPIC_INVALID';
    const e = str(filter) + chr(qos ? 1 : 0);
    for (let i = filters.length; i--;) if (filters[i].slice(2, -1) === filter) filters.splice(i, 1);
    if (qos !== -1) filters.push(e);
    // offline: nothing to send; the next (clean) session gets what `filters` holds
    if (state !== CONNECTED) return 'queued';
    send(qos === -1 ? packet(162, nextId() + str(filter)) : packet(130, nextId() + e));
    return 'sent';
  }
  self.subscribe = sub;
  self.unsubscribe = function (filter) { return sub(filter, -1); };

  // ---- the outbox ----------------------------------------------------------------------------
  /** A new packet id, 1..65535 and never one still in the outbox, as its two bytes. */
  function nextId(): string {
    let p: number;
    do {
      lastId = lastId % 65535 + 1;
      // is a stored PUBLISH still using it?
      for (p = 0; p < used; p += 3 + (ob[p] << 8 | ob[p + 1])) {
        const k = p + 5 + (ob[p + 3] << 8 | ob[p + 4]);
        if ((ob[k] << 8 | ob[k + 1]) === lastId) break;
      }
    } while (p < used);
    return chr(lastId >> 8, lastId & 255);
  }

  /** Writes stored PUBLISHes while the in-flight window has room. */
  function flush(): void {
    while (state === CONNECTED && inflight < inflightMax && sent < used) {
      const n = ob[sent] << 8 | ob[sent + 1];
      let body = '';
      for (let i = 0; i < n; i++) body += chr(ob[sent + 3 + i]);
      send(packet(ob[sent + 2], body));
      // the stored copy, if it is written again, is a resend
      ob[sent + 2] |= 8;
      sent += 3 + n;
      inflight++;
    }
  }

  // ---- the link ------------------------------------------------------------------------------
  // The sink's methods, shared by every link's sink: each link's sink carries the link's number,
  // and events reach the client only from the current link. (The platform calls them as methods
  // of the sink, or of an object made from it with Object.create, as host-sim's watcher does.)
  function onOpen(this: Sink): void {
    if (this.n === linkNo) send(connectPacket);
  }
  function onData(this: Sink, d: string): void {
    if (this.n === linkNo) receive(d);
  }
  function onClose(this: Sink, why?: unknown): void {
    if (this.n === linkNo) drop('CONNECTION_LOST', 'connection lost' + reason(why));
  }

  function send(s: string): void {
    (link as LiteTransport).write(s);
    wrote = 1;
  }

  /** Arms the one timer for `ms` from now (0: as soon as the current call returns), or with -1 stops it. */
  function setTimer(ms: number): void {
    // never clearTimeout(undefined): on Espruino that clears every timer
    if (timer !== undefined) platform.clearTimer(timer);
    due = platform.now() + ms;
    timer = ms < 0 ? undefined : platform.setTimer(ms, onTimer);
  }

  // One timer: the reconnect delay (then it opens the link; connect() calls it for that too), the
  // CONNACK deadline, or the keepalive tick, by state.
  function onTimer(): void {
    timer = undefined;
    if (state === WAITING) {
      state = CONNECTING;
      setTimer(10000);
      try {
        link = platform.connect(host, port, secure === 1, { onOpen: onOpen, onData: onData, onClose: onClose, n: ++linkNo } as Sink);
      } catch (e) {
        // Espruino throws at once when it cannot even create the socket (on Linux, when nothing
        // listens). Reported from the timer, not inside connect(): callbacks never run inside a
        // call the application is making.
        failed = e;
        setTimer(0);
      }
    } else if (state === CONNECTING) {
      if (link) drop('CONNECT_TIMEOUT', 'no CONNACK within 10000 ms');
      else drop('CONNECTION_LOST', 'connection lost' + reason(failed));
    } else if (state === CONNECTED) {
      if (pinged) return drop('PING_TIMEOUT', 'no answer from the broker within ' + half * 3 + ' ms (keepalive ' + half / 500 + ' s): the link is dead');
      // A tick every K/2. Ping when we have been quiet since the last one, and also when the
      // broker has: a client that only sends QoS 0 would otherwise never learn that its link is
      // dead. The PINGREQ counts as the next interval's traffic, so a quiet link pings every K,
      // and a broker that answers nothing by the next tick is gone (1.5 K after its last packet).
      // A tick K/2 late or more (the engine was busy) pings too: its flags may be older than K.
      pinged = wrote && heard && platform.now() - due < half ? 0 : 1;
      wrote = heard = 0;
      if (pinged) send(chr(192, 0));
      setTimer(half);
    }
  }

  /** Ends the current link (if any): error, then onClose; reconnects later unless end() was called. */
  function drop(code: MqttErrorCode | '', why: string): void {
    const was = state === CONNECTED, old = link;
    link = null;
    linkNo++; // what the old link still reports is ignored
    self.connected = false;
    pending = '';
    skipping = told = pinged = 0;
    ackId = '';
    ackIn = -1;
    // What was in flight goes out again, first (and with DUP, set when it was written), on the next link.
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
      setTimer(-1);
    }
    if (code) self.onError(new MqttError(code, why));
    if (was) self.onClose();
  }

  // ---- incoming bytes ------------------------------------------------------------------------
  // Each packet is checked as early as its bytes allow: the first byte (type and flags) at once
  // (stage 0), the remaining length (1) and whether it is right for the type (2) as soon as they
  // are known, the body when it is in: what makes it invalid MQTT (3, and 5..7 for the topic),
  // then what is valid but wrong for this client or not now (4). A fault closes the link.
  function receive(d: string): void {
    const mine = link, malformed = 'PACKET_MALFORMED', protocol = 'PROTOCOL_ERROR'; // locals: gone after the call
    pinged = 0;
    heard = 1;
    const n = Math.min(skipping, d.length);
    if (ackIn >= n) ackIn -= n;
    else if (ackIn >= 0) {
      ackId += d.substr(ackIn, 2 - ackId.length);
      ackIn = 0; // the id's second byte, if not here, starts the next chunk
      if (ackId.length === 2) {
        send(packet(64, ackId));
        ackId = '';
        ackIn = -1;
      }
    }
    skipping -= n;
    pending += d.slice(n);
    // Each packet leaves `pending` before it is handled, so a callback that throws or calls
    // end() leaves the stream consistent.
    while (link === mine && pending) {
      const s = pending, h = s.charCodeAt(0), ty = h >> 4, fl = h & 15;
      // CONNECT, SUBSCRIBE, UNSUBSCRIBE, PINGREQ, DISCONNECT (bits 1, 8, 10, 12, 14): PROTOCOL_ERROR;
      // types 0 and 15, flags other than MQTT 3.1.1 fixes (PUBLISH: not QoS 3; PUBREL 2; else 0)
      const client = 0x5502 >> ty & 1;
      if (client || !(ty % 15) || (ty === 3 ? (fl & 6) === 6 : fl !== (ty === 6 ? 2 : 0))) {
        return drop(client ? protocol : malformed, words(0, s, 1, ty, fl, 0, state));
      }
      let i = 1, mul = 1, rl = 0, b = 0;
      do {
        if (i > 4) return drop(malformed, words(1, s, 1, ty, fl, 0, state));
        if (i >= s.length) return;
        b = s.charCodeAt(i++);
        rl += (b & 127) * mul;
        mul *= 128;
      } while (b & 128);
      // PUBLISH: at least a topic (and a packet id); SUBACK: a packet id and a code; PINGRESP 0;
      // the rest exactly 2
      if (ty === 3 ? rl < (fl & 2 ? 5 : 3) : ty === 9 ? rl < 3 : rl !== (ty === 13 ? 0 : 2)) return drop(malformed, words(2, s, i, ty, fl, rl, state));
      // Only a PUBLISH may be larger than receiveMax (at least 16). It is reported now, handled
      // once receiveMax bytes of it are here (enough for its id to acknowledge it, unless its
      // topic alone is longer), and the rest is dropped as it arrives: memory stays bounded.
      const end = i + rl;
      if (end > receiveMax && ty !== 3) {
        return drop(protocol, NAMES[ty] + ' of ' + end + ' bytes is larger than the receive buffer (' + receiveMax + ' bytes)');
      }
      if (end > receiveMax && !told) {
        told = 1;
        self.onError(new MqttError('MESSAGE_TOO_LARGE', 'incoming PUBLISH of ' + end + ' bytes is larger than the receive buffer (' +
          receiveMax + ' bytes): dropped'));
        continue; // the handler may have called end()
      }
      const have = Math.min(end, s.length);
      if (have < end && have < receiveMax) return;
      told = 0;
      skipping = end - have;
      pending = s.slice(have);

      // The body is s[i..have) (of an oversize PUBLISH, never delivered, perhaps only its start).
      const qos = fl >> 1 & 3, whole = end <= receiveMax, two = s.charCodeAt(i) << 8 | s.charCodeAt(i + 1);
      const idAt = i + 2 + two, p = qos ? idAt + 2 : idAt;
      // A PUBLISH topic, when the packet is whole: well-formed UTF-8 (RFC 3629: no overlong
      // forms, no surrogates, nothing above U+10FFFF), no U+0000, no wildcard. `bad` is the
      // first fault met: 1 not UTF-8, 2 U+0000, 3 a wildcard.
      let bad = 0;
      if (ty === 3 && whole && p <= end) {
        for (let k = i + 2, need = 0, lo = 0, hi = 0; !bad && k <= idAt; k++) {
          const c = k < idAt ? s.charCodeAt(k) : -1;
          if (need) {
            if (c < lo || c > hi) bad = 1;
            need--;
            lo = 128;
            hi = 191;
          } else if (c > 127) {
            if (c < 194 || c > 244) bad = 1;
            need = c < 224 ? 1 : c < 240 ? 2 : 3;
            // the second byte's range narrows after E0 (overlong), ED (surrogates), F0 (overlong), F4 (> U+10FFFF)
            lo = c === 224 ? 160 : c === 240 ? 144 : 128;
            hi = c === 237 ? 159 : c === 244 ? 143 : 191;
          } else if (!c) bad = 2;
          else if (c === 35 || c === 43) bad = 3;
        }
      }
      // First what makes the bytes invalid MQTT: CONNACK flags, a SUBACK code, a PUBLISH's topic and id ...
      if (bad || (ty === 2 ? s.charCodeAt(i) > 1 : ty === 9 ? (b = s.charCodeAt(i + 2)) > 2 && b !== 128 :
        ty === 3 && (!two || p > end || qos && p <= s.length && !(s.charCodeAt(idAt) << 8 | s.charCodeAt(idAt + 1))))) {
        return drop(malformed, words(bad ? 4 + bad : 3, s, i, ty, fl, rl, state));
      }
      // ... then what is valid MQTT but wrong for this client, or not now
      if ((ty === 2 ? state === CONNECTED : state !== CONNECTED) || ty === 3 && qos > 1 ||
        ty > 4 && ty < 8 || ty === 2 && s.charCodeAt(i + 1) > 5) return drop(protocol, words(4, s, i, ty, fl, rl, state));
      if (ty === 3) {
        // An oversize QoS 1 message is acknowledged too, or the broker's window for us fills up;
        // when its id is not all here yet, receive() gathers it from the bytes it drops.
        if (qos && p <= have) send(packet(64, s.slice(idAt, p)));
        else if (qos) {
          ackId = s.slice(idAt, have);
          ackIn = idAt > have ? idAt - have : 0;
        }
        if (whole) self.onMessage(s.slice(i + 2, idAt), s.slice(p, end), { qos: qos, retain: (h & 1) === 1, dup: (h & 8) === 8 });
      } else if (ty === 2) {
        b = s.charCodeAt(i + 1);
        if (b) {
          // 2 (identifier rejected), 4 (credentials), 5 (not authorised): retrying cannot help
          if (b === 2 || b > 3) wanted = 0;
          return drop(('CONNACK_REFUSED_' + 'PROTOCOL_VERSION,IDENTIFIER_REJECTED,SERVER_UNAVAILABLE,BAD_CREDENTIALS,NOT_AUTHORIZED'.split(',')[b - 1]) as MqttErrorCode,
            words(8, s, i, ty, fl, rl, state));
        }
        state = CONNECTED;
        self.connected = true;
        upAt = platform.now();
        // CONNECT and CONNACK count as traffic: the first PINGREQ of a quiet link comes after K
        wrote = heard = 1;
        for (let f = 0; f < filters.length; f++) send(packet(130, nextId() + filters[f]));
        setTimer(half || -1); // keepalive 0: no ticks (and the CONNACK deadline is over)
        // before the outbox goes out: a status published here replaces the last link's unsent one
        self.onConnect((s.charCodeAt(i) & 1) === 1);
        flush();
      } else if (ty === 4) {
        // the acknowledged PUBLISH leaves the outbox (the later ones move down)
        for (let o = 0, n = 0; o < sent; o += n) {
          const k = o + 5 + (ob[o + 3] << 8 | ob[o + 4]);
          n = 3 + (ob[o] << 8 | ob[o + 1]);
          if ((ob[k] << 8 | ob[k + 1]) === two) {
            for (let j = o; j < used - n; j++) ob[j] = ob[j + n];
            used -= n;
            sent -= n;
            inflight--;
            flush();
            break;
          }
        }
      } else if (ty === 9 && b === 128) self.onError(new MqttError('SUBSCRIBE_FAILED', 'the broker refused a subscription'));
    }
  }
} as unknown as new (options: LiteOptions) => LiteClient;
