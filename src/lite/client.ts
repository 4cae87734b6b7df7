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
// CONNACK return codes 1..5
const REFUSED = ['', 'PROTOCOL_VERSION', 'IDENTIFIER_REJECTED', 'SERVER_UNAVAILABLE', 'BAD_CREDENTIALS', 'NOT_AUTHORIZED'];
// connection states
const STOPPED = 0, WAITING = 1, CONNECTING = 2, CONNECTED = 3;

function noop(): void {}

function invalid(what: string): MqttError {
  return new MqttError(INVALID_ARGUMENT, 'invalid ' + what);
}

/** Unset → `def`; otherwise a whole number from min to max, or the constructor throws. */
function num(v: number | undefined, def: number, min: number, max: number, what: string): number {
  if (v === undefined) return def;
  if (!(v >= min && v <= max && v === Math.floor(v))) throw invalid(what);
  return v;
}

/** An MQTT string: two length bytes, then the bytes. */
function str(s: string): string {
  if (s.length > 65535) throw invalid('string over 65535 bytes');
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

function id2(id: number): string {
  return chr(id >> 8, id & 255);
}

/**
 * A topic name (no wildcards) or, with `filter`, a filter whose wildcards are whole levels and
 * whose '#' is last. Plain regexes only: Espruino's engine mishandles groups and alternation.
 */
function validTopic(t: string, filter?: boolean): boolean {
  return !!t && t.length > 0 && t.length < 65536 && t.indexOf('\0') < 0 &&
    !(filter ? /[^\/][#+]/.test(t) || /[#+][^\/]/.test(t) || /#./.test(t) : /[#+]/.test(t));
}

// `new LiteClient(options)`: a constructor function that puts its methods on the new object.
export const LiteClient = function (this: LiteClient, options: LiteOptions): void {
  const self = this;
  const platform = options.platform;

  // ---- options -------------------------------------------------------------------------------
  let user: string | undefined, pass: string | undefined;
  const url = '' + options.url;
  let k = url.indexOf('://');
  const scheme = url.slice(0, k);
  const secure = scheme === 'mqtts';
  if (!secure && scheme !== 'mqtt') throw invalid('url');
  // a path (even just a trailing slash) means nothing to MQTT
  let rest = url.slice(k + 3).split('/')[0];
  k = rest.lastIndexOf('@');
  if (k >= 0) {
    const cred = rest.slice(0, k), c = cred.indexOf(':');
    rest = rest.slice(k + 1);
    // a malformed %-escape throws URIError
    user = decodeURIComponent(c < 0 ? cred : cred.slice(0, c));
    if (c >= 0) pass = decodeURIComponent(cred.slice(c + 1));
  }
  k = rest.indexOf(':');
  const host = k < 0 ? rest : rest.slice(0, k);
  const port = k < 0 ? (secure ? 8883 : 1883) : num(+rest.slice(k + 1), 0, 1, 65535, 'url port');
  if (!host) throw invalid('url');
  if (options.username != null) user = options.username;
  if (options.password != null) pass = options.password;
  if (pass != null && user == null) throw invalid('password without username');

  // The app passes one made from the chip id; a bare client gets a random one.
  const id = options.clientId || 'mqtt-' + Math.random().toString(16).slice(2, 10);
  const keepalive = num(options.keepalive, 60, 0, 65535, 'keepalive'), half = keepalive * 500;
  const receiveMax = num(options.receiveBufferSize, 1024, 16, 1e9, 'receiveBufferSize');
  const transmitMax = num(options.transmitBufferSize, 512, 16, 1e9, 'transmitBufferSize');
  // QoS 1 packets are 7 bytes or more, so at most 65 534 fit: nextId() always finds a free id
  const outboxMax = num(options.outboxSize, 4096, 0, 458738, 'outboxSize');
  const inflightMax = num(options.maxInflight, 8, 1, 65535, 'maxInflight');

  const w = options.will;
  if (w && !validTopic(w.topic)) throw invalid('will topic');
  const flags = 2 | (w ? 4 | (w.qos ? 8 : 0) | (w.retain ? 32 : 0) : 0) |
    (user != null ? 128 : 0) | (pass != null ? 64 : 0);
  const connectPacket = packet(16, '\0\x04MQTT\x04' + chr(flags, keepalive >> 8, keepalive & 255) + str(id) +
    (w ? str(w.topic) + str('' + w.payload) : '') + (user != null ? str(user) : '') +
    (pass != null ? str(pass) : ''));

  // ---- state ---------------------------------------------------------------------------------
  let link: LiteTransport | null | undefined;
  let state = STOPPED;
  let wanted: boolean | undefined; // connect() called and end() not since
  let backoff = 1000;
  let timer: unknown;
  let pending = ''; // received bytes of a packet not yet complete
  let skipping = 0; // bytes still to drop of an oversize packet
  let pinged: boolean | undefined; // a PINGREQ is out and nothing has arrived since
  let sentAt: number, heardAt: number; // set by the CONNECT written and the CONNACK read
  let lastId = 0;
  // The outbox: encoded QoS 1 PUBLISHes back to back, in order, in one array taken at start-up,
  // so a full outbox or a long backlog costs no more memory than an empty one (on Espruino a
  // string per message would cost several variables each). ob[0..sent) was written on this link
  // and awaits PUBACK (`inflight` packets); ob[sent..used) waits for room in the window or a link.
  const ob = new Uint8Array(outboxMax);
  let used = 0, sent = 0, inflight = 0;
  // Subscriptions, as parallel lists: filter, QoS.
  const filters: string[] = [], filterQos: number[] = [];

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
    const pid = qos ? nextId() : 0;
    const pkt = packet(48 | (qos ? 2 : 0) | (retain ? 1 : 0), str(topic) + (qos ? id2(pid) : '') + payload);
    if (pkt.length > transmitMax) return PACKET_TOO_LARGE;
    if (!qos) {
      if (state !== CONNECTED) return NOT_CONNECTED;
      send(pkt);
      return SENT;
    }
    if (used + pkt.length > outboxMax) return QUEUE_FULL;
    for (let i = 0; i < pkt.length; i++) ob[used++] = pkt.charCodeAt(i);
    const before = inflight;
    flush();
    return inflight > before ? SENT : QUEUED;
  };

  self.subscribe = function (filter, qos) {
    if (!validTopic(filter, true)) return TOPIC_INVALID;
    let i = filters.indexOf(filter);
    if (i < 0) i = filters.push(filter) - 1;
    filterQos[i] = qos ? 1 : 0;
    return subscribeNow(i);
  };

  self.unsubscribe = function (filter) {
    if (!validTopic(filter, true)) return TOPIC_INVALID;
    const i = filters.indexOf(filter);
    if (i >= 0) {
      filters.splice(i, 1);
      filterQos.splice(i, 1);
    }
    // offline: nothing to send, the next (clean) session will not have the filter
    if (state !== CONNECTED) return QUEUED;
    send(packet(162, id2(nextId()) + str(filter)));
    return SENT;
  };

  // ---- internals -----------------------------------------------------------------------------
  function subscribeNow(i: number): LiteResult {
    if (state !== CONNECTED) return QUEUED;
    send(packet(130, id2(nextId()) + str(filters[i]) + chr(filterQos[i])));
    return SENT;
  }

  /** 1..65535, never one still in the outbox. */
  function nextId(): number {
    do lastId = lastId % 65535 + 1;
    while (find(lastId, used) >= 0);
    return lastId;
  }

  // ---- the outbox, walked packet by packet (it holds tens of packets, not thousands) ----------
  /** The length of the stored packet at p (fixed header included); its body starts at `body`. */
  let body = 0;
  function size(p: number): number {
    let n = 0, m = 1, b: number;
    body = p + 1;
    do {
      b = ob[body++];
      n += (b & 127) * m;
      m *= 128;
    } while (b & 128);
    return body - p + n;
  }

  /** The offset of the stored packet with this id in ob[0..end), or -1. */
  function find(pid: number, end: number): number {
    for (let p = 0, n: number; p < end; p += n) {
      n = size(p);
      const at = body + 2 + (ob[body] << 8 | ob[body + 1]);
      if ((ob[at] << 8 | ob[at + 1]) === pid) return p;
    }
    return -1;
  }

  /** Removes the stored packet at p (moving the later ones down). */
  function remove(p: number): void {
    const n = size(p);
    for (let i = p; i < used - n; i++) ob[i] = ob[i + n];
    used -= n;
    if (p < sent) {
      sent -= n;
      inflight--;
    }
  }

  /** ob[p..p+n) as a byte string, for the transport. */
  function bytes(p: number, n: number): string {
    let s = '';
    while (n--) s += chr(ob[p++]);
    return s;
  }

  function open(): void {
    let mine: LiteTransport | null = null;
    const sink: LiteSink = {
      onOpen: function () { if (link === mine) send(connectPacket); },
      onData: function (d: string) { if (link === mine) receive(d); },
      onClose: function (why?: string) { if (link === mine) drop(CONNECTION_LOST, 'connection lost' + (why ? ': ' + why : '')); },
    };
    state = CONNECTING;
    setTimer(10000);
    try {
      mine = link = platform.connect(host, port, secure, sink);
    } catch (e) {
      drop(CONNECTION_LOST, 'cannot connect: ' + e);
    }
  }

  function send(s: string): void {
    (link as LiteTransport).write(s);
    sentAt = platform.now();
  }

  /** Writes queued QoS 1 PUBLISHes while the in-flight window has room. */
  function flush(): void {
    while (state === CONNECTED && inflight < inflightMax && sent < used) {
      const n = size(sent);
      send(bytes(sent, n));
      sent += n;
      inflight++;
    }
  }

  function setTimer(ms: number): void {
    // never clearTimeout(undefined): on Espruino that clears every timer
    if (timer !== undefined) platform.clearTimer(timer);
    timer = ms > 0 ? platform.setTimer(ms, onTimer) : undefined;
  }

  // One timer: the reconnect delay, the CONNACK deadline, or the keepalive check, by state.
  function onTimer(): void {
    timer = undefined;
    if (state === WAITING) open();
    else if (state === CONNECTING) drop('CONNECT_TIMEOUT', 'no CONNACK in 10 s');
    else if (state === CONNECTED) {
      if (pinged) return drop('PING_TIMEOUT', 'no answer to PINGREQ');
      // Ping when we have been quiet, and also when the broker has: a client that only sends
      // QoS 0 would otherwise never learn that its link is dead.
      const now = platform.now();
      if (now - sentAt >= half || now - heardAt >= half) {
        pinged = true;
        send(chr(192, 0));
      }
      setTimer(half);
    }
  }

  /** Ends the current link (if any): error, then onClose; reconnects later unless end() was called. */
  function drop(code: MqttErrorCode | '', why: string): void {
    const was = state === CONNECTED, old = link;
    link = null;
    self.connected = false;
    pending = '';
    skipping = 0;
    pinged = false;
    // What was in flight goes out again, first and with DUP, on the next link.
    for (let p = 0; p < sent; p += size(p)) ob[p] |= 8;
    sent = inflight = 0;
    if (old) old.end();
    if (wanted) {
      state = WAITING;
      // jitter only shortens the delay, so the 60 s cap holds
      setTimer(backoff * (0.5 + Math.random() / 2));
      backoff = Math.min(backoff * 2, 60000);
    } else {
      state = STOPPED;
      setTimer(0);
    }
    if (code) self.onError(new MqttError(code, why));
    if (was) self.onClose();
  }

  function receive(d: string): void {
    const mine = link;
    pinged = false;
    heardAt = platform.now();
    const n = Math.min(skipping, d.length);
    skipping -= n;
    d = d.slice(n);
    pending += d;
    // Each packet leaves `pending` before it is handled, so a callback that throws or calls
    // end() leaves the stream consistent.
    while (link === mine) {
      const s = pending;
      let len = 0, mul = 1, i = 1, b: number;
      do {
        if (i >= s.length) return;
        if (i === 5) return drop(PACKET_MALFORMED, 'remaining length over 4 bytes');
        b = s.charCodeAt(i++);
        len += (b & 127) * mul;
        mul *= 128;
      } while (b & 128);
      // A packet larger than receiveMax is handled once receiveMax bytes of it are here (enough
      // for a PUBLISH's topic and id); the rest is dropped as it arrives. So memory stays bounded.
      const end = i + len, have = Math.min(end, s.length);
      if (have < end && have < i + receiveMax) return;
      skipping = end - have;
      pending = s.slice(have);
      handle(s.charCodeAt(0), s, i, end);
    }
  }

  function handle(h: number, s: string, i: number, end: number): void {
    const type = h >> 4, len = end - i;
    const two = s.charCodeAt(i) << 8 | s.charCodeAt(i + 1);
    if (type === 2 ? state !== CONNECTING : state !== CONNECTED) return drop(PROTOCOL_ERROR, 'unexpected packet type ' + type);
    if (type === 3) {
      const qos = (h >> 1) & 3;
      // QoS 2 too: we never subscribe at 2, so the broker must not send it
      if (qos > 1) return drop(PROTOCOL_ERROR, 'PUBLISH QoS ' + qos);
      const idAt = i + 2 + two, p = qos ? idAt + 2 : idAt;
      if (!(len >= 2 && p <= end)) return drop(PACKET_MALFORMED, 'PUBLISH lengths');
      // An oversize QoS 1 message is acknowledged too, or the broker's window for us fills up
      // (unless even its topic did not fit: then the id is not here).
      if (qos && p <= s.length) send(packet(64, s.slice(idAt, p)));
      if (len > receiveMax) return self.onError(new MqttError('MESSAGE_TOO_LARGE', 'message of ' + len + ' bytes dropped'));
      return self.onMessage(s.slice(i + 2, idAt), s.slice(p, end), { qos: qos, retain: (h & 1) === 1, dup: (h & 8) === 8 });
    }
    // exact lengths: PINGRESP 0, SUBACK 3 (one filter per SUBSCRIBE), the rest 2
    if (h & 15 || len !== (type === 13 ? 0 : type === 9 ? 3 : 2)) return drop(PACKET_MALFORMED, 'packet type ' + type);
    if (type === 2) {
      const rc = s.charCodeAt(i + 1);
      if (rc) {
        if (rc > 5) return drop(PACKET_MALFORMED, 'CONNACK code ' + rc);
        // 2 (identifier rejected), 4 (credentials), 5 (not authorised): retrying cannot help
        if (rc === 2 || rc > 3) wanted = false;
        return drop(('CONNACK_REFUSED_' + REFUSED[rc]) as MqttErrorCode, 'broker refused the connection');
      }
      state = CONNECTED;
      self.connected = true;
      backoff = 1000;
      for (let f = 0; f < filters.length; f++) subscribeNow(f);
      flush();
      setTimer(half);
      self.onConnect((s.charCodeAt(i) & 1) === 1);
    } else if (type === 4) {
      const at = find(two, sent);
      if (at >= 0) {
        remove(at);
        flush();
      }
    } else if (type === 9) {
      if (s.charCodeAt(i + 2) === 128) self.onError(new MqttError('SUBSCRIBE_FAILED', 'broker refused a subscription'));
    } else if (type !== 11 && type !== 13) {
      drop(PROTOCOL_ERROR, 'packet type ' + type);
    }
  }
} as unknown as new (options: LiteOptions) => LiteClient;
