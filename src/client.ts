// The public client: options, callbacks and topic dispatch around one Session, wired to one
// platform transport and one platform timer.
//
// Re-entrancy rule: a callback never runs inside a call the application is making. Whatever the
// session reports during publish/subscribe/unsubscribe/connect/end is queued and delivered from
// a zero-delay timer; what it reports while handling socket data or a timer is delivered at once.
// Transport events that a platform delivers synchronously inside connect()/write()/close() are
// queued the same way, so the session is never entered twice.
import { MqttError, INVALID_ARGUMENT, CONNECTION_LOST } from './errors.js';
import type { MqttErrorCode } from './errors.js';
import type { Will } from './codec/encode.js';
import { validateTopicFilter } from './codec/utf8.js';
import { Session } from './session/session.js';
import type { SessionEvents, SessionOptions, SessionStats } from './session/session.js';
import { parseBrokerUrl } from './url.js';
import type { BrokerAddress } from './url.js';
import { topicMatchesBytes, utf8Bytes } from './topic.js';

export interface Platform {
  // path: set only for ws:// and wss:// brokers (the HTTP path, e.g. '/mqtt'), which only a
  // platform declaring webSocket: true is given
  connect(host: string, port: number, secure: boolean, sink: TransportSink, path?: string): Transport;
  webSocket?: boolean;
  now(): number;
  setTimer(ms: number, fn: () => void): unknown;
  clearTimer(handle: unknown): void;
  deviceId?(): string;
}
export interface TransportSink {
  onOpen(): void;
  onData(chunk: Uint8Array, start: number, end: number): void;
  onClose(reason?: string): void;
}
export interface Transport {
  write(buf: Uint8Array, start: number, end: number): void;
  close(): void;
}

export interface MessageInfo { qos: number; retain: boolean; dup: boolean }
/** payload is a view into the receive buffer, valid only during the call: copy what you keep. */
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

export type PublishResult = 'sent' | 'queued' | MqttErrorCode;

// Deferred work, 3 slots per entry in `queue`: (kind, connection generation, argument).
// Events the session reported during an application call, delivered from a zero-delay timer:
const CONNECT_EVENT = 1, PUBLISHED_EVENT = 2, ERROR_EVENT = 3, CLOSE_EVENT = 4;
// and transport events that arrived while the client was busy (argument: data copy or reason):
const OPEN_IN = 5, DATA_IN = 6, CLOSE_IN = 7;
// connect()/end() called from inside a callback, run once the current session input is done
const START = 1, END = 2;

// Numeric options, passed to the session under the same name: (name, min, max) per entry.
// keepalive is passed on unchecked: the CONNECT encoder rejects what MQTT cannot carry, and the
// session's throw surfaces here as INVALID_ARGUMENT.
const MAX_SIZE = 268435460, MAX_MS = 2147483647;
const NUMBER_OPTIONS = ['receiveBufferSize', 16, MAX_SIZE, 'transmitBufferSize', 16, MAX_SIZE,
  'outboxSize', 0, MAX_SIZE, 'maxInflight', 1, 65535, 'connectTimeout', 1, MAX_MS];

function noop(): void {}

const NOTHING_THROWN = {};

function invalid(message: string): MqttError {
  return new MqttError(INVALID_ARGUMENT, message);
}

/** Unset, or a number from min to max (a whole one unless `fraction`). */
function checkNumber(name: string, v: unknown, min: number, max: number, fraction?: boolean): void {
  if (v === undefined) return;
  if (typeof v !== 'number' || !(v >= min && v <= max) || (!fraction && v !== Math.floor(v))) {
    throw invalid(name + ' must be a ' + (fraction ? '' : 'whole ') + 'number from ' + min + ' to ' + max + ', not ' + String(v));
  }
}

function randomHex(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(Math.random() * 16).toString(16);
  return s;
}

/** One per connection attempt, so events from an abandoned socket are recognised and ignored. */
class ConnectionSink implements TransportSink {
  private owner: MqttClient;
  private gen: number;
  constructor(owner: MqttClient, gen: number) { this.owner = owner; this.gen = gen; }
  onOpen(): void { this.owner._fromTransport(OPEN_IN, this.gen, null, 0, 0); }
  onData(chunk: Uint8Array, start: number, end: number): void { this.owner._fromTransport(DATA_IN, this.gen, chunk, start, end); }
  onClose(reason?: string): void { this.owner._fromTransport(CLOSE_IN, this.gen, reason, 0, 0); }
}

/** The session's event interface, kept off the public class (whose `connected` is a flag). */
class SessionBridge implements SessionEvents {
  private owner: MqttClient;
  constructor(owner: MqttClient) { this.owner = owner; }
  open(): void { this.owner._wantOpen = true; }
  // The session expects its last bytes (DISCONNECT) to be pulled here, before the transport closes.
  close(): void { this.owner._drain(); this.owner._wantClose = true; }
  connected(sessionPresent: boolean): void {
    const c = this.owner;
    c.connected = true;
    c._attemptFailed = false;
    // Filters subscribed or unsubscribed while offline go out now, before the application hears.
    c._flushPending();
    c._emit(CONNECT_EVENT, sessionPresent);
  }
  // The payload is a view valid only now; the session never delivers a message during an
  // application call (it receives only from transport data, which waits while the client is busy).
  message(topic: string, payload: Uint8Array, qos: number, retain: boolean, dup: boolean): void {
    this.owner._dispatch(topic, payload, qos, retain, dup);
  }
  published(packetId: number): void { this.owner._emit(PUBLISHED_EVENT, packetId); }
  // SUBACK failures arrive as error(SUBSCRIBE_FAILED) naming the filter. An answered request
  // frees a slot for one that had to wait.
  subscribed(): void { this.owner._flushPending(); }
  unsubscribed(): void { this.owner._flushPending(); }
  error(err: MqttError): void { this.owner._error(err); }
  // Subscriptions the broker may have lost (all without session present, the unacknowledged
  // ones with it) are re-sent by the session on reconnect; ours stay marked as sent.
  disconnected(): void { this.owner.connected = false; this.owner._emit(CLOSE_EVENT, undefined); }
}

/** One subscribe() filter, in subscription order: what dispatch walks for every message. */
class Subscription {
  filter: string;
  bytes: Uint8Array; // UTF-8 of the filter, matched without touching the topic string
  qos: number;
  handler: MessageHandler | null;
  sent: boolean; // handed to the session (false: subscribed offline, or waiting for a request slot)
  constructor(filter: string) {
    this.filter = filter;
    this.bytes = utf8Bytes(filter);
    this.qos = 0;
    this.handler = null;
    this.sent = false;
  }
}

export class MqttClient {
  onConnect: (sessionPresent: boolean) => void = noop;
  /** Catch-all: gets every message that no subscribe() handler matched. */
  onMessage: MessageHandler = noop;
  onPublished: (id: number) => void = noop;
  onError: (e: MqttError) => void = noop;
  onClose: () => void = noop;

  lastPacketId = 0;
  connected = false;
  readonly clientId: string;
  readonly stats: SessionStats;
  /** The broker currently used (or tried): changes when a connect attempt fails and there are several. */
  server: BrokerAddress;

  private session: Session;
  private platform: Platform;
  private brokers: BrokerAddress[] = [];
  private serverIndex = 0;
  _attemptFailed = false;         // from each connection attempt until its CONNACK: try the next broker
  private transport: Transport | null = null;
  private gen = 0;                // bumped whenever a transport is dropped, to ignore its late events
  private busy = false;           // inside a session input or an application call
  private appDepth = 0;           // application calls in progress (their events are deferred)
  _wantOpen = false;              // the session asked for a transport / to close it: done in settle()
  _wantClose = false;
  private timer: unknown = null;
  private timerSet = false;
  private timerDue = 0;
  private timerFn: () => void;
  private queue: unknown[] = [];
  private cmds: number[] = [];
  private closeReason = '';       // the transport's reason, added to CONNECTION_LOST
  private thrown: unknown = NOTHING_THROWN;
  private info: MessageInfo = { qos: 0, retain: false, dup: false };
  private subs: Subscription[] = [];
  private dispatching = false;    // inside _dispatch: unsubscribe() marks entries instead of removing them
  private unsent: string[] = [];  // unsubscribed while offline, to tell the broker on connect

  constructor(options: ClientOptions) {
    if (!options || typeof options !== 'object') throw invalid('MqttClient needs an options object');
    const p = options.platform;
    if (!p || typeof p.connect !== 'function' || typeof p.now !== 'function' ||
      typeof p.setTimer !== 'function' || typeof p.clearTimer !== 'function') {
      throw invalid('options.platform must be a Platform (connect, now, setTimer, clearTimer)');
    }
    this.platform = p;
    const brokers = this.brokers;
    if (options.url !== undefined) brokers.push(parseBrokerUrl(options.url));
    if (options.servers !== undefined) {
      if (!Array.isArray(options.servers)) throw invalid('options.servers must be an array of broker URIs');
      for (let i = 0; i < options.servers.length; i++) brokers.push(parseBrokerUrl(options.servers[i]));
    }
    if (options.host !== undefined) {
      if (typeof options.host !== 'string' || options.host.length === 0) throw invalid('options.host must be a non-empty string');
      const secure = options.secure === true;
      checkNumber('options.port', options.port, 1, 65535);
      brokers.push({ host: options.host, port: options.port !== undefined ? options.port : secure ? 8883 : 1883, secure: secure });
    } else if (options.port !== undefined || options.secure !== undefined) {
      throw invalid('options.port and options.secure need options.host (or put them in the URI)');
    }
    if (brokers.length === 0) throw invalid('no broker given: set options.url (mqtt://host:1883), options.servers or options.host');
    for (let i = 0; i < brokers.length; i++) {
      if ((brokers[i].path !== undefined) !== (p.webSocket === true)) {
        throw invalid(p.webSocket === true ? 'this platform speaks MQTT over WebSocket: give a ws:// or wss:// URL'
          : 'ws:// and wss:// need a WebSocket platform (createWebSocketPlatform); this one speaks MQTT over TCP');
      }
    }
    this.server = brokers[0];

    // Unset options stay undefined in `so`, which the session reads as "use the default".
    const so = {} as SessionOptions;
    so.keepalive = options.keepalive;
    for (let i = 0; i < NUMBER_OPTIONS.length; i += 3) {
      const name = NUMBER_OPTIONS[i] as string;
      const v = (options as unknown as Record<string, unknown>)[name];
      checkNumber('options.' + name, v, NUMBER_OPTIONS[i + 1] as number, NUMBER_OPTIONS[i + 2] as number);
      (so as unknown as Record<string, unknown>)[name] = v;
    }
    const rc = options.reconnect;
    if (rc !== undefined) {
      if (rc === null || typeof rc !== 'object') throw invalid('options.reconnect must be { min, max, jitter }');
      checkNumber('options.reconnect.min', rc.min, 1, MAX_MS);
      checkNumber('options.reconnect.max', rc.max, 1, MAX_MS);
      // (false when either is unset)
      if ((rc.max as number) < (rc.min as number)) throw invalid('options.reconnect.max must not be below reconnect.min');
      checkNumber('options.reconnect.jitter', rc.jitter, 0, 1, true);
    }
    if (options.clean !== undefined && typeof options.clean !== 'boolean') throw invalid('options.clean must be a boolean');
    const clean = options.clean !== false;

    let clientId = options.clientId;
    if (clientId === undefined) {
      const dev = p.deviceId ? p.deviceId() : '';
      clientId = 'mcu-' + (dev ? dev : randomHex(8));
    } else if (typeof clientId !== 'string') {
      throw invalid('options.clientId must be a string');
    } else if (clientId.length === 0 && !clean) {
      throw invalid('an empty clientId needs clean: true (MQTT 3.1.1 §3.1.3.1)');
    }
    this.clientId = clientId;

    // Options win over the URI; the first server that carries credentials supplies them.
    let username = options.username, password = options.password;
    for (let i = 0; i < brokers.length && username === undefined && password === undefined; i++) {
      username = brokers[i].username;
      password = brokers[i].password;
    }
    if (username !== undefined && typeof username !== 'string') throw invalid('options.username must be a string');
    if (password !== undefined && typeof password !== 'string') throw invalid('options.password must be a string');

    const will = options.will;
    if (will !== undefined) {
      // its topic, QoS and lengths are checked by the CONNECT encoder when the session is made
      if (will === null || typeof will !== 'object' || typeof will.topic !== 'string') throw invalid('options.will must be { topic, payload, qos, retain }');
    }

    so.clientId = clientId;
    so.cleanSession = clean;
    so.username = username;
    so.password = password;
    if (will) so.will = { topic: will.topic, payload: will.payload === undefined ? '' : will.payload, qos: will.qos === undefined ? 0 : will.qos, retain: will.retain === true };
    if (rc) { so.reconnectMin = rc.min; so.reconnectMax = rc.max; so.reconnectJitter = rc.jitter; }
    try {
      this.session = new Session(so, new SessionBridge(this));
    } catch (e) {
      throw invalid(e instanceof MqttError ? e.message : String(e));
    }
    this.stats = this.session.stats;
    const self = this;
    this.timerFn = function () { self.onTimer(); };
  }

  connect(): void { this.command(START); }

  publish(topic: string, payload: string | Uint8Array, qos?: 0 | 1, retain?: boolean): PublishResult {
    const outer = this.enter();
    let r: PublishResult;
    try {
      // a QoS other than 0/1 is the session's INVALID_ARGUMENT
      r = this.session.publish(topic, payload, qos === undefined ? 0 : qos, retain === true, this.time());
      if (qos === 1 && (r === 'sent' || r === 'queued')) this.lastPacketId = this.session.lastPacketId;
    } catch (e) {
      // the session promises not to throw; a defect there must not reach the caller either
      r = e instanceof MqttError ? e.code : INVALID_ARGUMENT;
    } finally {
      this.leave(outer);
    }
    return r;
  }

  /**
   * Subscribes (or, while offline, remembers the filter and subscribes on connect). With a
   * handler, messages whose topic matches the filter go to it instead of onMessage. Returns
   * 'sent', 'queued' (offline, or too many requests await their SUBACK) or an error code, which
   * is also reported to onError.
   */
  subscribe(filter: string, qos?: 0 | 1, handler?: MessageHandler): 'sent' | 'queued' | MqttErrorCode {
    const q = qos === 1 ? 1 : 0;
    const outer = this.enter();
    let r: 'sent' | 'queued' | MqttErrorCode = 'queued';
    try {
      validateTopicFilter(filter);
      const i = this.find(filter);
      const s = i >= 0 ? this.subs[i] : new Subscription(filter);
      s.qos = q;
      s.handler = handler ? handler : null;
      const u = this.unsent.indexOf(filter);
      if (u >= 0) this.unsent.splice(u, 1);
      // a request that throws leaves `sent` as it was, and a new filter unlisted
      s.sent = this.connected && this.tryRequest(true, filter, q);
      if (s.sent) r = 'sent';
      if (i < 0) this.subs.push(s);
    } catch (e) {
      r = this.fail(e);
    } finally {
      this.leave(outer);
    }
    return r;
  }

  unsubscribe(filter: string): 'sent' | 'queued' | MqttErrorCode {
    const outer = this.enter();
    let r: 'sent' | 'queued' | MqttErrorCode = 'queued';
    try {
      validateTopicFilter(filter);
      const i = this.find(filter);
      const wasSent = i < 0 || this.subs[i].sent;
      if (i >= 0) {
        // Inside dispatch the list is being walked: mark the entry, and dispatch removes it after.
        if (this.dispatching) { this.subs[i].filter = ''; this.subs[i].handler = null; }
        else this.subs.splice(i, 1);
      }
      if (this.connected && this.tryRequest(false, filter, 0)) r = 'sent';
      else if (wasSent && this.unsent.indexOf(filter) < 0) this.unsent.push(filter);
    } catch (e) {
      r = this.fail(e);
    } finally {
      this.leave(outer);
    }
    return r;
  }

  /** DISCONNECT (so the broker discards the will), close, and stay closed until connect(). */
  end(): void {
    // From inside a callback the session is mid-input; it ends as soon as that input is done.
    // The session would cope with a nested end() (it settles its state before every event), but
    // deferring lets the PUBACK of a message being handled go out first, and keeps the session
    // from being entered twice.
    if (this.busy) this.connected = false;
    this.command(END);
  }

  // ---- internals ------------------------------------------------------------------------------

  /** connect() or end(): now, or from inside a callback once the current input is done. */
  private command(cmd: number): void {
    if (this.busy) { this.cmds.push(cmd); return; }
    this.enter();
    try { this.runCommand(cmd); } finally { this.leave(true); }
  }

  private runCommand(cmd: number): void {
    if (cmd === END) this.session.end(this.time());
    else this.session.start(this.time());
  }

  /** Marks an application call; false when it is nested in one of our callbacks. */
  private enter(): boolean {
    this.appDepth++;
    if (this.busy) return false;
    this.busy = true;
    return true;
  }

  /** Ends an application call. A nested one (from inside a callback) writes its bytes now (a
   *  long burst of messages each answered by a publish must not fill the transmit buffer), and
   *  lets the outer input settle the rest. */
  private leave(outer: boolean): void {
    if (!outer) {
      this.appDepth--;
      this._drain();
      return;
    }
    try { this.settle(); } finally {
      this.appDepth--;
      this.busy = false;
    }
    this.rethrow();
  }

  /** Reports a failed subscribe/unsubscribe to onError; returns its code. */
  private fail(e: unknown): MqttErrorCode {
    const err = e instanceof MqttError ? e : invalid(String(e));
    this._error(err);
    return err.code;
  }

  private time(): number {
    return this.platform.now();
  }

  private find(filter: string): number {
    for (let i = 0; i < this.subs.length; i++) if (this.subs[i].filter === filter) return i;
    return -1;
  }

  /** One SUBSCRIBE/UNSUBSCRIBE; false when the session's request table is full (retried on the
   *  next SUBACK/UNSUBACK); other problems throw. */
  private tryRequest(sub: boolean, filter: string, qos: number): boolean {
    try {
      if (sub) this.session.subscribe([filter], [qos], this.time());
      else this.session.unsubscribe([filter], this.time());
      return true;
    } catch (e) {
      if (e instanceof MqttError && e.code === 'QUEUE_FULL') return false;
      throw e;
    }
  }

  /** Sends what was subscribed/unsubscribed while offline or while the request table was full. */
  _flushPending(): void {
    if (!this.connected) return;
    for (let i = 0; i < this.subs.length; i++) {
      const s = this.subs[i];
      if (s.sent) continue;
      try {
        if (!this.tryRequest(true, s.filter, s.qos)) return;
        s.sent = true;
      } catch (e) {
        this.fail(e);
        this.subs.splice(i, 1);
        i--;
      }
    }
    while (this.unsent.length > 0) {
      try {
        if (!this.tryRequest(false, this.unsent[0], 0)) return;
      } catch (e) {
        this.fail(e);
      }
      this.unsent.shift();
    }
  }

  _drain(): void {
    const s = this.session;
    while (s.pull() > 0) {
      const t = this.transport;
      if (t !== null) t.write(s.out, s.outStart, s.outEnd);
    }
  }

  /** Forgets the current transport: its late events are ignored from now on. */
  private detach(): Transport | null {
    const t = this.transport;
    this.transport = null;
    this.gen++;
    return t;
  }

  /** After every session input: write what it produced, act on its open/close requests. */
  private settle(): void {
    for (let guard = 0; guard < 32; guard++) {
      this._drain();
      if (this._wantClose) {
        this._wantClose = false;
        const t = this.detach();
        if (t !== null) {
          try { t.close(); } catch (e) { /* the link is being dropped anyway */ }
          this.session.closed(this.time());
        }
      } else if (this.cmds.length > 0) {
        const cmd = this.cmds.shift() as number;
        this.appDepth++; // its events are reported like those of a direct call: later
        try { this.runCommand(cmd); } finally { this.appDepth--; }
      } else if (this._wantOpen) {
        this._wantOpen = false;
        this.openTransport();
      } else {
        break;
      }
    }
    this.arm();
  }

  private openTransport(): void {
    if (this._attemptFailed) this.serverIndex = (this.serverIndex + 1) % this.brokers.length;
    this._attemptFailed = true;
    this.closeReason = '';
    const s = this.server = this.brokers[this.serverIndex];
    const gen = ++this.gen;
    try {
      this.transport = this.platform.connect(s.host, s.port, s.secure, new ConnectionSink(this, gen), s.path);
    } catch (e) {
      this.transport = null;
      this.queue.push(CLOSE_IN, gen, 'cannot connect to ' + s.host + ':' + s.port + ': ' + String(e && (e as MqttError).message ? (e as MqttError).message : e));
    }
  }

  /** One platform timer: the earliest of the session's next deadline and any deferred work. */
  private arm(): void {
    const now = this.time();
    const delay = this.queue.length > 0 ? 0 : this.session.nextTick(now);
    // an earlier timer that is already set just finds nothing to do, and re-arms then
    if (this.timerSet && (delay < 0 || this.timerDue > now + delay)) {
      this.platform.clearTimer(this.timer);
      this.timerSet = false;
    }
    if (delay < 0 || this.timerSet) return;
    this.timerDue = now + delay;
    this.timerSet = true;
    this.timer = this.platform.setTimer(delay, this.timerFn);
  }

  private onTimer(): void {
    this.timerSet = false;
    if (this.busy) { this.arm(); return; }
    this.busy = true;
    try {
      const q = this.queue;
      if (q.length > 0) {
        this.queue = [];
        for (let i = 0; i < q.length; i += 3) {
          const kind = q[i] as number, arg = q[i + 2];
          if (kind < OPEN_IN) this.callback(kind, arg);
          else this.transportInput(kind, q[i + 1] as number, arg, 0, kind === DATA_IN ? (arg as Uint8Array).length : 0);
        }
      }
      this.session.tick(this.time());
      this.settle();
    } finally {
      this.busy = false;
    }
    this.rethrow();
  }

  // A callback that throws must not leave the session half-way through an input: remember the
  // first exception and rethrow it once the client is consistent again.
  private callback(kind: number, arg: unknown): void {
    const fn = kind === CONNECT_EVENT ? this.onConnect : kind === PUBLISHED_EVENT ? this.onPublished
      : kind === ERROR_EVENT ? this.onError : this.onClose;
    try { (fn as (x: unknown) => void).call(this, arg); } catch (e) { this.caught(e); }
  }

  private caught(e: unknown): void {
    if (this.thrown === NOTHING_THROWN) this.thrown = e;
  }

  private rethrow(): void {
    const e = this.thrown;
    if (e === NOTHING_THROWN) return;
    this.thrown = NOTHING_THROWN;
    throw e;
  }

  // ---- from the transport (via ConnectionSink) --------------------------------------------------

  _fromTransport(kind: number, gen: number, arg: unknown, start: number, end: number): void {
    if (gen !== this.gen) return;
    if (this.busy) {
      // a data chunk is valid only during the call
      this.queue.push(kind, gen, kind === DATA_IN ? new Uint8Array((arg as Uint8Array).subarray(start, end)) : arg);
      this.arm();
      return;
    }
    this.busy = true;
    try { this.transportInput(kind, gen, arg, start, end); this.settle(); } finally { this.busy = false; }
    this.rethrow();
  }

  private transportInput(kind: number, gen: number, arg: unknown, start: number, end: number): void {
    if (gen !== this.gen) return;
    if (kind === OPEN_IN) {
      if (this.transport !== null) this.session.opened(this.time());
    } else if (kind === DATA_IN) {
      this.session.receive(arg as Uint8Array, start, end, this.time());
    } else {
      this.detach();
      this.closeReason = arg ? arg as string : '';
      this.session.closed(this.time());
    }
  }

  // ---- from the session (via SessionBridge) -----------------------------------------------------

  /** Reports a session event: at once, or after the application call it happened in. */
  _emit(kind: number, arg: unknown): void {
    if (this.appDepth > 0) this.queue.push(kind, 0, arg);
    else this.callback(kind, arg);
  }

  /** Every handler whose filter matches gets the message; onMessage gets it only if none did. */
  _dispatch(topic: string, payload: Uint8Array, qos: number, retain: boolean, dup: boolean): void {
    const info = this.info;
    info.qos = qos;
    info.retain = retain;
    info.dup = dup;
    // The topic is still in the receive buffer (the decoder rejects an empty one).
    const rx = this.session.rx;
    let matched = false;
    // A handler may subscribe (a new filter is matched from the next message on) or unsubscribe
    // (the entry is only marked, with an empty filter, so the list does not shift under this loop).
    const subs = this.subs, n = subs.length;
    this.dispatching = true;
    for (let i = 0; i < n; i++) {
      const s = subs[i];
      const h = s.handler;
      if (h !== null && topicMatchesBytes(s.bytes, rx.buf, rx.topicStart, rx.topicEnd)) {
        matched = true;
        try { h.call(this, topic, payload, info); } catch (e) { this.caught(e); }
      }
    }
    this.dispatching = false;
    for (let i = subs.length - 1; i >= 0; i--) if (subs[i].filter === '') subs.splice(i, 1);
    if (!matched) {
      try { this.onMessage(topic, payload, info); } catch (e) { this.caught(e); }
    }
  }

  _error(err: MqttError): void {
    if (err.code === CONNECTION_LOST && this.closeReason && err.message.indexOf(this.closeReason) < 0) {
      err = new MqttError(CONNECTION_LOST, err.message + ': ' + this.closeReason);
    }
    this._emit(ERROR_EVENT, err);
  }
}
