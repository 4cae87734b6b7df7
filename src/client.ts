// The public client: options, callbacks and topic dispatch on top of the session (of which it is
// a subclass), wired to one platform transport and one platform timer.
//
// Re-entrancy: a callback never runs inside connect(), end(), publish(), subscribe() or
// unsubscribe(); what happens during those calls is reported from a zero-delay timer. Transport
// events that arrive while the client is busy (a platform that calls back synchronously) wait
// the same way, so the session is never entered twice; connect()/end() called from inside a
// callback run once the current input is done.
//
// Per message the client does no bookkeeping beyond the session's: the platform timer is
// re-armed only when the session's deadline moves earlier (a publish never moves it), and the
// handlers matching a topic are remembered until the topic or the subscriptions change.
import { MqttError, INVALID_ARGUMENT, CONNECTION_LOST } from './errors.js';
import type { MqttErrorCode } from './errors.js';
import type { Will } from './codec/encode.js';
import { Session } from './session/session.js';
import type { SessionOptions, Subscription, Utf8Encoder, PublishResult } from './session/session.js';
import { parseBrokerUrl } from './url.js';
import { topicMatches } from './topic.js';

export interface Platform {
  /** Opens a link. The sink hears nothing from inside connect(), write() or close(), and nothing
   *  at all after close(). `path` is given only for ws:// and wss:// brokers (the HTTP path, e.g.
   *  '/mqtt'), which only a platform declaring webSocket: true is given. */
  connect(host: string, port: number, secure: boolean, sink: TransportSink, path?: string): Transport;
  /** This platform speaks MQTT over WebSocket (ws:// and wss:// URLs), and nothing else. */
  webSocket?: boolean;
  now(): number;
  setTimer(ms: number, fn: () => void): unknown;
  clearTimer(handle: unknown): void;
  deviceId?(): string;
  /** The engine's native UTF-8 encoder (TextEncoder), when it is not a global. */
  textEncoder?: Utf8Encoder;
}
export interface TransportSink {
  onOpen(): void;
  onData(chunk: Uint8Array, start: number, end: number): void;
  onClose(reason?: string): void;
}
export interface Transport {
  /** Sends buf[start..end); the bytes must be copied or sent before it returns (buf is reused).
   *  Never throws: a link that cannot take them is reported through the sink's onClose. */
  write(buf: Uint8Array, start: number, end: number): void;
  close(): void;
}

export interface MessageInfo { qos: number; retain: boolean; dup: boolean }
/** payload is a view valid only during the call, and info one reused object: copy what you keep. */
export type MessageHandler = (topic: string, payload: Uint8Array, info: MessageInfo) => void;

export interface ClientOptions {
  url?: string;
  servers?: string[];
  host?: string; port?: number; secure?: boolean;
  clientId?: string; username?: string; password?: string;
  keepalive?: number; clean?: boolean; will?: Will;
  receiveBufferSize?: number; transmitBufferSize?: number; outboxSize?: number; maxInflight?: number;
  reconnect?: { min?: number; max?: number; jitter?: number }; connectTimeout?: number;
  platform: Platform;
}

export type { PublishResult };

/** Where the client connects (or tries to): never the credentials. path: ws:// and wss:// only. */
export interface ServerAddress { host: string; port: number; secure: boolean; path?: string }

// Deferred work, 3 entries per item in `queue`: (kind, connection generation, argument).
// Callbacks for what happened during an application call:
const CONNECT_CB = 1, PUBLISHED_CB = 2, ERROR_CB = 3, CLOSE_CB = 4;
// transport events that arrived while the client was busy (argument: a copy of the data, or the reason):
const OPEN_IN = 5, DATA_IN = 6, CLOSE_IN = 7;
// connect()/end() asked for from inside a callback, run once the current input is done
const START = 1, END = 2;
// topics whose handlers are remembered (as many as the decoder remembers topic strings)
const MATCHES = 4, MATCHED = 2 * MATCHES; // MATCHED: entries of `matched`
const NONE: Subscription[] = Object.freeze([]) as unknown as Subscription[]; // no handler matched
const NO_WORK: unknown[] = Object.freeze([]) as unknown as unknown[]; // nothing deferred

// Numeric options, passed to the session under the same name: (name, min, max) per entry.
const MAX_SIZE = 268435460, MAX_MS = 2147483647;
const NUMBER_OPTIONS = Object.freeze(['receiveBufferSize', 16, MAX_SIZE, 'transmitBufferSize', 16, MAX_SIZE,
  'outboxSize', 0, MAX_SIZE, 'maxInflight', 1, 65535, 'connectTimeout', 1, MAX_MS, 'keepalive', 0, 65535]);

function noop(): void {}

const NOTHING_THROWN = Object.freeze({});

/** Unset, or a number from min to max (a whole one unless `fraction`); else a throw. */
function checkNumber(name: string, v: unknown, min: number, max: number, fraction?: boolean): void {
  if (v === undefined) return;
  if (typeof v !== 'number' || !(v >= min && v <= max) || (!fraction && v !== Math.floor(v))) {
    throw new MqttError(INVALID_ARGUMENT, name + ' must be a ' + (fraction ? '' : 'whole ') + 'number from ' + min + ' to ' + max + ', not ' + String(v));
  }
}

/** One per connection attempt, so events from an abandoned transport are recognised and ignored. */
class ConnectionSink implements TransportSink {
  private c: MqttClient;
  private gen: number;
  constructor(c: MqttClient, gen: number) { this.c = c; this.gen = gen; }
  onOpen(): void { this.c._in(OPEN_IN, this.gen, null); }
  onData(chunk: Uint8Array, start: number, end: number): void {
    const c = this.c;
    if (this.gen === c.gen) c._data(chunk, start, end);
  }
  onClose(reason?: string): void { this.c._in(CLOSE_IN, this.gen, reason); }
}

// The options as the session takes them, checked; throws MqttError INVALID_ARGUMENT.
function sessionOptions(options: ClientOptions, p: Platform, servers: ServerAddress[]): SessionOptions {
  const so = {} as SessionOptions;
  // Unset options stay undefined, which the session reads as "use the default".
  for (let i = 0; i < NUMBER_OPTIONS.length; i += 3) {
    const name = NUMBER_OPTIONS[i] as string;
    const v = (options as unknown as Record<string, unknown>)[name];
    checkNumber('options.' + name, v, NUMBER_OPTIONS[i + 1] as number, NUMBER_OPTIONS[i + 2] as number);
    (so as unknown as Record<string, unknown>)[name] = v;
  }
  const rc = options.reconnect;
  if (rc !== undefined) {
    if (rc === null || typeof rc !== 'object') throw new MqttError(INVALID_ARGUMENT, 'options.reconnect must be { min, max, jitter }');
    checkNumber('options.reconnect.min', rc.min, 1, MAX_MS);
    checkNumber('options.reconnect.max', rc.max, 1, MAX_MS);
    if ((rc.max as number) < (rc.min as number)) throw new MqttError(INVALID_ARGUMENT, 'options.reconnect.max must not be below reconnect.min');
    checkNumber('options.reconnect.jitter', rc.jitter, 0, 1, true);
    so.reconnectMin = rc.min; so.reconnectMax = rc.max; so.reconnectJitter = rc.jitter;
  }
  if (options.clean !== undefined && typeof options.clean !== 'boolean') throw new MqttError(INVALID_ARGUMENT, 'options.clean must be a boolean');
  so.cleanSession = options.clean !== false;

  let id = options.clientId;
  if (id === undefined) {
    const dev = p.deviceId ? p.deviceId() : '';
    id = 'mcu-' + (dev ? dev : (0x100000000 + Math.floor(Math.random() * 0x100000000)).toString(16).slice(1));
  } else if (typeof id !== 'string') {
    throw new MqttError(INVALID_ARGUMENT, 'options.clientId must be a string');
  } else if (id.length === 0 && !so.cleanSession) {
    throw new MqttError(INVALID_ARGUMENT, 'an empty clientId needs clean: true (MQTT 3.1.1 §3.1.3.1)');
  }
  so.clientId = id;

  // The brokers: the URIs, then host/port. Options win over the URI for the credentials; the
  // first URI that carries them supplies them. The client keeps no copy: they live only in the
  // encoded CONNECT inside the session's buffer.
  let username = options.username, password = options.password;
  const urls = options.servers === undefined ? [] : options.servers;
  if (!Array.isArray(urls)) throw new MqttError(INVALID_ARGUMENT, 'options.servers must be an array of broker URIs');
  for (let i = -1; i < urls.length; i++) {
    const url = i < 0 ? options.url : urls[i];
    if (url === undefined) continue;
    const b = parseBrokerUrl(url);
    if (username === undefined && password === undefined) { username = b.username; password = b.password; }
    if ((b.path !== undefined) !== (p.webSocket === true)) {
      throw new MqttError(INVALID_ARGUMENT, p.webSocket === true ? 'this platform speaks MQTT over WebSocket: give a ws:// or wss:// URL'
        : 'a ws:// or wss:// URL needs the WebSocket platform (createWebSocketPlatform), not a TCP one');
    }
    const a: ServerAddress = { host: b.host, port: b.port, secure: b.secure };
    if (b.path !== undefined) a.path = b.path;
    servers.push(a);
  }
  if (options.host !== undefined) {
    if (typeof options.host !== 'string' || options.host.length === 0) throw new MqttError(INVALID_ARGUMENT, 'options.host must be a non-empty string');
    if (p.webSocket === true) throw new MqttError(INVALID_ARGUMENT, 'this platform speaks MQTT over WebSocket: give a ws:// or wss:// URL');
    const secure = options.secure === true;
    checkNumber('options.port', options.port, 1, 65535);
    servers.push({ host: options.host, port: options.port !== undefined ? options.port : secure ? 8883 : 1883, secure: secure });
  } else if (options.port !== undefined || options.secure !== undefined) {
    throw new MqttError(INVALID_ARGUMENT, 'options.port and options.secure need options.host (or put them in the URI)');
  }
  if (servers.length === 0) throw new MqttError(INVALID_ARGUMENT, 'no broker given: set options.url (mqtt://host:1883), options.servers or options.host');
  if (username !== undefined && typeof username !== 'string') throw new MqttError(INVALID_ARGUMENT, 'options.username must be a string');
  if (password !== undefined && typeof password !== 'string') throw new MqttError(INVALID_ARGUMENT, 'options.password must be a string');
  so.username = username;
  so.password = password;

  const will = options.will;
  if (will !== undefined) {
    if (will === null || typeof will !== 'object' || typeof will.topic !== 'string') throw new MqttError(INVALID_ARGUMENT, 'options.will must be { topic, payload, qos, retain }');
    so.will = { topic: will.topic, payload: will.payload === undefined ? '' : will.payload, qos: will.qos === undefined ? 0 : will.qos, retain: will.retain === true };
  }
  if (p.textEncoder) so.encoder = p.textEncoder;
  return so;
}

function checkPlatform(options: ClientOptions): Platform {
  if (!options || typeof options !== 'object') throw new MqttError(INVALID_ARGUMENT, 'MqttClient needs an options object');
  const p = options.platform;
  if (!p || typeof p.connect !== 'function' || typeof p.now !== 'function' ||
    typeof p.setTimer !== 'function' || typeof p.clearTimer !== 'function') {
    throw new MqttError(INVALID_ARGUMENT, 'options.platform must be a Platform (connect, now, setTimer, clearTimer)');
  }
  return p;
}

export class MqttClient extends Session {
  onConnect: (sessionPresent: boolean) => void;
  /** Catch-all: gets every message that no subscribe() handler matched. */
  onMessage: MessageHandler;
  onPublished: (id: number) => void;
  onError: (e: MqttError) => void;
  /** An established connection (one that had its CONNACK) ended. */
  onClose: () => void;

  connected: boolean;
  readonly clientId: string;

  private p: Platform;
  private brokers: ServerAddress[];
  private si: number;             // index of the broker in use
  private failed: boolean;        // the current attempt has not had its CONNACK: the next one tries the next broker
  private t: Transport | null;
  /** @internal bumped whenever a transport is dropped, so its ConnectionSink ignores its late events
   *  (a field, not a getter: it is read per received chunk, and a getter is a call on XS) */
  gen: number;
  private busy: boolean;          // inside a transport event or the timer
  private app: number;            // application calls in progress: their events are deferred
  private cmd: number;            // START or END asked for from inside a callback
  private timer: unknown;
  private due: number;            // when the platform timer fires; Infinity: not set
  private timerFn: () => void;
  private queue: unknown[];
  private reason: string;         // the transport's reason, added to CONNECTION_LOST
  private thrown: unknown;
  private info: MessageInfo;
  // the handlers for the last MATCHES topics dispatched, while the subscriptions stay the same:
  // topic, list, topic, list… in one array (on XS every array costs slots of its own)
  private matched: (string | Subscription[] | null)[];
  private mNext: number;
  private mSubs: Subscription[] | null;

  constructor(options: ClientOptions) {
    const p = checkPlatform(options);
    const brokers: ServerAddress[] = [];
    const so = sessionOptions(options, p, brokers);
    try {
      super(so);
    } catch (e) {
      throw new MqttError(INVALID_ARGUMENT, e instanceof MqttError ? e.message : String(e));
    }
    this.onConnect = this.onMessage = this.onPublished = this.onError = this.onClose = noop;
    this.connected = false;
    this.clientId = so.clientId;
    this.p = p;
    this.brokers = brokers;
    this.si = 0;
    this.failed = false;
    this.t = null;
    this.gen = 0;
    this.busy = false;
    this.app = 0;
    this.cmd = 0;
    this.timer = null;
    this.due = Infinity;
    const self = this;
    this.timerFn = function () { self.onTimer(); };
    this.queue = NO_WORK;
    this.reason = '';
    this.thrown = NOTHING_THROWN;
    this.info = { qos: 0, retain: false, dup: false };
    this.matched = [null, NONE, null, NONE, null, NONE, null, NONE];
    this.mNext = 0;
    this.mSubs = null;
  }

  /** The broker in use (or being tried): it moves on after a failed attempt when there are several. */
  get server(): ServerAddress {
    const b = this.brokers[this.si], a: ServerAddress = { host: b.host, port: b.port, secure: b.secure };
    if (b.path !== undefined) a.path = b.path;
    return a;
  }

  /** What JSON.stringify shows: the state, never the options or buffers. */
  toJSON(): object {
    return { clientId: this.clientId, server: this.server, connected: this.connected, stats: this.stats };
  }

  connect(): void { this.command(START); }

  /** DISCONNECT (so the broker discards the will), close, and stay closed until connect(). */
  override end(): void { this.command(END); }

  /**
   * Subscribes (offline: remembered and sent on connect). With a handler, messages whose topic
   * matches the filter go to it instead of onMessage. Returns 'sent', 'queued' or an error code,
   * which is also reported to onError.
   */
  override subscribe(filter: string, qos?: number, handler?: MessageHandler): PublishResult {
    return this.request2(filter, qos === 1 ? 1 : 0, handler ? handler : null, true);
  }

  override unsubscribe(filter: string): PublishResult {
    return this.request2(filter, 0, null, false);
  }

  // ---- internals ------------------------------------------------------------------------------

  private request2(filter: string, qos: number, handler: unknown, sub: boolean): PublishResult {
    this.app++;
    try {
      return sub ? super.subscribe(filter, qos, handler) : super.unsubscribe(filter);
    } catch (e) {
      const err = e instanceof MqttError ? e : new MqttError(INVALID_ARGUMENT, String(e));
      this._error(err);
      return err.code;
    } finally {
      this.app--;
      if (this.queue.length > 0) this.arm();
    }
  }

  /** connect() or end(): now, or from inside a callback once the current input is done. */
  private command(cmd: number): void {
    if (this.busy) { this.cmd = cmd; return; }
    this.cmd = cmd;
    this.settle();
  }

  /** After a transport event, the timer or an application command: a pending connect()/end()
   *  (whose events are reported later, like those of a direct call), then the timer. */
  private settle(): void {
    const cmd = this.cmd;
    if (cmd !== 0) {
      this.cmd = 0;
      this.app++;
      try {
        if (cmd === END) super.end(this.p.now());
        else super.start(this.p.now());
      } finally {
        this.app--;
      }
    }
    this.arm();
  }

  /** One platform timer, for the earlier of the session's deadline and deferred work. It is
   *  only ever moved earlier: one that fires early finds nothing to do and is set again. */
  private arm(): void {
    const due = this.queue.length > 0 ? 0 : this.deadline;
    if (this.due <= due) return;
    const p = this.p;
    if (this.due !== Infinity) p.clearTimer(this.timer);
    const now = p.now();
    this.due = due > now ? due : now;
    this.timer = p.setTimer(this.due - now, this.timerFn);
  }

  // Keepalive runs here, so like _data() it goes without try/finally.
  private onTimer(): void {
    this.due = Infinity;
    if (this.busy) { this.arm(); return; }
    this.busy = true;
    const q = this.queue;
    if (q.length > 0) {
      this.queue = NO_WORK;
      for (let i = 0; i < q.length; i += 3) {
        const kind = q[i] as number, gen = q[i + 1] as number, arg = q[i + 2];
        if (kind < OPEN_IN) this.report(kind, arg);
        else if (gen === this.gen) this.input(kind, arg, 0, kind === DATA_IN ? (arg as Uint8Array).length : 0);
      }
    }
    this.tick(this.p.now());
    this.settle();
    this.busy = false;
    if (this.thrown !== NOTHING_THROWN) this.rethrow();
  }

  /** Bytes from the current transport (the ConnectionSink has checked its generation). This is
   *  the per-message path, so it is direct: no try/finally (~25 XS meter units), because nothing
   *  under it throws — every application callback is called inside a try, and a Transport's
   *  write() must not throw (docs/CONTRACTS.md). */
  _data(chunk: Uint8Array, start: number, end: number): void {
    if (this.busy || this.app > 0) {
      // a data chunk is valid only during the call
      this.later(DATA_IN, this.gen, chunk.slice(start, end));
      this.arm();
      return;
    }
    this.busy = true;
    this.receive(chunk, start, end);
    if (this.cmd !== 0 || this.due > this.deadline) this.settle();
    this.busy = false;
    if (this.thrown !== NOTHING_THROWN) this.rethrow();
  }

  /** Open and close from the ConnectionSink of transport generation `gen`. */
  _in(kind: number, gen: number, arg: unknown): void {
    if (gen !== this.gen) return;
    if (this.busy || this.app > 0) {
      this.later(kind, gen, arg);
      this.arm();
      return;
    }
    this.busy = true;
    try {
      this.input(kind, arg, 0, 0);
      if (this.cmd !== 0 || this.due > this.deadline) this.settle();
    } finally {
      this.busy = false;
    }
    this.rethrow();
  }

  private input(kind: number, arg: unknown, start: number, end: number): void {
    if (kind === DATA_IN) this.receive(arg as Uint8Array, start, end);
    else if (kind === OPEN_IN) this.opened(this.p.now());
    else {
      this.gen++;
      this.t = null;
      this.reason = arg ? String(arg) : '';
      this.closed(this.p.now());
    }
  }

  /** Runs a callback now, or, inside an application call, from the timer. A callback that
   *  throws must not leave the session half-way through an input: the first exception is kept
   *  and rethrown once the client is consistent again. */
  private report(kind: number, arg: unknown): void {
    if (this.app > 0) {
      this.later(kind, 0, arg);
      return;
    }
    try {
      if (kind === CONNECT_CB) this.onConnect(arg as boolean);
      else if (kind === PUBLISHED_CB) this.onPublished(arg as number);
      else if (kind === ERROR_CB) this.onError(arg as MqttError);
      else this.onClose();
    } catch (e) {
      if (this.thrown === NOTHING_THROWN) this.thrown = e;
    }
  }

  /** Queues work for the timer (the queue is made on first need: most clients never defer anything). */
  private later(kind: number, gen: number, arg: unknown): void {
    if (this.queue === NO_WORK) this.queue = [];
    this.queue.push(kind, gen, arg);
  }

  private rethrow(): void {
    const e = this.thrown;
    if (e === NOTHING_THROWN) return;
    this.thrown = NOTHING_THROWN;
    throw e;
  }

  // ---- what the session asks for and reports ----------------------------------------------

  protected _open(): void {
    if (this.failed) this.si = (this.si + 1) % this.brokers.length;
    this.failed = true;
    this.reason = '';
    const b = this.brokers[this.si];
    const gen = ++this.gen;
    try {
      this.t = this.p.connect(b.host, b.port, b.secure, new ConnectionSink(this, gen), b.path);
    } catch (e) {
      // reported like a transport that closed at once, after the session's current call
      this.t = null;
      this.later(CLOSE_IN, gen, e && (e as MqttError).message ? (e as MqttError).message : String(e));
    }
  }

  protected _close(): void {
    const t = this.t;
    this.t = null;
    this.gen++;
    if (t !== null) {
      try { t.close(); } catch (e) { /* the link is being dropped anyway */ }
    }
  }

  protected _write(buf: Uint8Array, start: number, end: number): void {
    const t = this.t;
    if (t === null) return;
    // a transport that answers inside write() is heard later, not inside the caller's call
    this.app++;
    t.write(buf, start, end);
    this.app--;
  }

  protected _connected(sessionPresent: boolean): void {
    this.connected = true;
    this.failed = false;
    this.report(CONNECT_CB, sessionPresent);
  }

  /** Every handler whose filter matches gets the message; onMessage gets it only if none did. */
  protected _message(topic: string, payload: Uint8Array, qos: number, retain: boolean, dup: boolean): void {
    const info = this.info;
    info.qos = qos;
    info.retain = retain;
    info.dup = dup;
    const subs = this.subs, mt = this.matched;
    if (subs !== this.mSubs) { mt[0] = mt[2] = mt[4] = mt[6] = null; this.mSubs = subs; }
    let m = 0;
    while (m < MATCHED && mt[m] !== topic) m += 2;
    if (m === MATCHED) {
      let found: Subscription[] = NONE;
      for (let i = 0; i < subs.length; i++) {
        if (subs[i].handler !== null && topicMatches(subs[i].filter, topic)) { if (found === NONE) found = []; found.push(subs[i]); }
      }
      m = this.mNext;
      this.mNext = (m + 2) % MATCHED;
      mt[m] = topic;
      mt[m + 1] = found;
    }
    // A handler may (un)subscribe: the session then makes a new list, and this one stays as it was.
    const list = mt[m + 1] as Subscription[];
    if (list.length === 0) {
      try { this.onMessage(topic, payload, info); } catch (e) { if (this.thrown === NOTHING_THROWN) this.thrown = e; }
    }
    for (let i = 0; i < list.length; i++) {
      try { (list[i].handler as MessageHandler).call(this, topic, payload, info); } catch (e) { if (this.thrown === NOTHING_THROWN) this.thrown = e; }
    }
  }

  // Per QoS 1 message, so not through report(): the same, for one kind.
  protected _published(packetId: number): void {
    if (this.app > 0) { this.later(PUBLISHED_CB, 0, packetId); return; }
    try { this.onPublished(packetId); } catch (e) { if (this.thrown === NOTHING_THROWN) this.thrown = e; }
  }

  protected _error(err: MqttError): void {
    if (err.code === CONNECTION_LOST && this.reason) err = new MqttError(CONNECTION_LOST, err.message + ': ' + this.reason);
    this.report(ERROR_CB, err);
  }

  protected _now(): number { return this.p.now(); }

  protected _disconnected(): void {
    if (!this.connected) return;
    this.connected = false;
    this.report(CLOSE_CB, undefined);
  }
}
