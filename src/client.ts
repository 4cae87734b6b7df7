// The public client: options, callbacks and topic dispatch around one Session, wired to one
// platform transport and one platform timer.
//
// Re-entrancy rule: a callback never runs inside a call the application is making. Whatever the
// session reports during publish/subscribe/unsubscribe/connect/end is queued and delivered from
// a zero-delay timer; what it reports while handling socket data or a timer is delivered at once.
// Transport events that a platform delivers synchronously inside connect()/write()/close() are
// queued the same way, so the session is never entered twice.
import { MqttError } from './errors.js';
import type { MqttErrorCode } from './errors.js';
import type { Will } from './codec/encode.js';
import { utf8Length, validateTopicFilter, validateTopicName, writeUtf8 } from './codec/utf8.js';
import { Session } from './session/session.js';
import type { Decoder } from './codec/decoder.js';
import type { SessionEvents, SessionOptions, SessionStats } from './session/session.js';
import { parseBrokerUrl } from './url.js';
import type { BrokerAddress } from './url.js';
import { topicMatches, topicMatchesBytes } from './topic.js';

export interface Platform {
  connect(host: string, port: number, secure: boolean, sink: TransportSink): Transport;
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

// deferred queue entries: 6 slots each (kind, a, b, c, d, e)
const Q_CONNECT = 1, Q_MESSAGE = 2, Q_PUBLISHED = 3, Q_ERROR = 4, Q_CLOSE = 5,
  Q_OPEN_IN = 6, Q_DATA_IN = 7, Q_CLOSE_IN = 8;
const Q_SLOTS = 6;
// connect()/end() called from inside a callback, run once the current session input is done
const CMD_END = 1, CMD_START = 2;

function noop(): void {}

function invalid(message: string): MqttError {
  return new MqttError('INVALID_ARGUMENT', message);
}

function checkInt(name: string, v: unknown, min: number, max: number): void {
  if (v === undefined) return;
  if (typeof v !== 'number' || v !== Math.floor(v) || v < min || v > max) {
    throw invalid(name + ' must be a whole number from ' + min + ' to ' + max + ', not ' + String(v));
  }
}

function randomHex(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(Math.random() * 16).toString(16);
  return s;
}

/** One per connection attempt, so events from an abandoned socket are recognised and ignored. */
class ConnectionSink implements TransportSink {
  private client: MqttClient;
  private gen: number;
  constructor(client: MqttClient, gen: number) { this.client = client; this.gen = gen; }
  onOpen(): void { this.client._transportOpen(this.gen); }
  onData(chunk: Uint8Array, start: number, end: number): void { this.client._transportData(this.gen, chunk, start, end); }
  onClose(reason?: string): void { this.client._transportClose(this.gen, reason); }
}

/** The session's event interface, kept off the public class (whose `connected` is a flag). */
class SessionBridge implements SessionEvents {
  private c: MqttClient;
  constructor(c: MqttClient) { this.c = c; }
  open(): void { this.c._wantOpen = true; }
  // The session expects its last bytes (DISCONNECT) to be pulled here, before the transport closes.
  close(): void { this.c._drain(); this.c._wantClose = true; }
  connected(sessionPresent: boolean): void { this.c._connected(sessionPresent); }
  message(topic: string, payload: Uint8Array, qos: number, retain: boolean, dup: boolean): void {
    this.c._message(topic, payload, qos, retain, dup);
  }
  published(packetId: number): void { this.c._emit(Q_PUBLISHED, packetId); }
  // SUBACK failures arrive as error(SUBSCRIBE_FAILED) naming the filter. An answered request
  // frees a slot for one that had to wait.
  subscribed(packetId: number, codes: Uint8Array): void { void packetId; void codes; this.c._requestDone(); }
  unsubscribed(packetId: number): void { void packetId; this.c._requestDone(); }
  error(err: MqttError): void { this.c._error(err); }
  disconnected(willReconnect: boolean): void { this.c._disconnected(willReconnect); }
}

export class MqttClient {
  onConnect: (sessionPresent: boolean) => void;
  /** Catch-all: gets every message that no subscribe() handler matched. */
  onMessage: MessageHandler;
  onPublished: (id: number) => void;
  onError: (e: MqttError) => void;
  onClose: () => void;

  lastPacketId: number;
  connected: boolean;
  readonly clientId: string;
  readonly stats: SessionStats;

  private session: Session;
  private platform: Platform;
  private servers: BrokerAddress[];
  private serverIndex: number;
  private attempted: boolean;
  private attemptOk: boolean;
  private transport: Transport | null;
  private gen: number;
  private busy: boolean;
  private appDepth: number;
  _wantOpen: boolean;
  _wantClose: boolean;
  private timer: unknown;
  private timerSet: boolean;
  private timerDue: number;
  private timerFn: () => void;
  private queue: unknown[];
  private cmds: number[];
  private closeReason: string;
  private thrown: unknown;
  private hasThrown: boolean;
  private info: MessageInfo;
  // subscriptions, as parallel arrays: what dispatch walks for every message
  private filters: string[];
  private subQos: number[];
  private handlers: (MessageHandler | null)[];
  private filterBytes: Uint8Array[]; // UTF-8 of each filter, for matching without touching strings
  // The session's decoder, whose buffer holds the topic bytes while message() runs, so filters
  // match without decoding the topic string (see topicMatchesBytes for why it matters).
  private rx: Decoder;
  private sent: boolean[];        // handed to the session (false: subscribed while offline)
  private unsent: string[];       // unsubscribed while offline, to tell the broker on connect

  constructor(options: ClientOptions) {
    if (!options || typeof options !== 'object') throw invalid('MqttClient needs an options object');
    const p = options.platform;
    if (!p || typeof p.connect !== 'function' || typeof p.now !== 'function' ||
      typeof p.setTimer !== 'function' || typeof p.clearTimer !== 'function') {
      throw invalid('options.platform must be a Platform (connect, now, setTimer, clearTimer)');
    }
    this.platform = p;
    this.servers = [];
    if (options.url !== undefined) this.servers.push(parseBrokerUrl(options.url));
    if (options.servers !== undefined) {
      if (!Array.isArray(options.servers)) throw invalid('options.servers must be an array of broker URIs');
      for (let i = 0; i < options.servers.length; i++) this.servers.push(parseBrokerUrl(options.servers[i]));
    }
    if (options.host !== undefined) {
      if (typeof options.host !== 'string' || options.host.length === 0) throw invalid('options.host must be a non-empty string');
      const secure = options.secure === true;
      checkInt('options.port', options.port, 1, 65535);
      this.servers.push({ host: options.host, port: options.port !== undefined ? options.port : secure ? 8883 : 1883, secure: secure });
    } else if (options.port !== undefined || options.secure !== undefined) {
      throw invalid('options.port and options.secure need options.host (or put them in the URI)');
    }
    if (this.servers.length === 0) throw invalid('no broker given: set options.url (mqtt://host:1883), options.servers or options.host');

    checkInt('options.keepalive', options.keepalive, 0, 65535);
    checkInt('options.receiveBufferSize', options.receiveBufferSize, 16, 268435460);
    checkInt('options.transmitBufferSize', options.transmitBufferSize, 16, 268435460);
    checkInt('options.outboxSize', options.outboxSize, 0, 268435460);
    checkInt('options.maxInflight', options.maxInflight, 1, 65535);
    checkInt('options.connectTimeout', options.connectTimeout, 1, 2147483647);
    const rc = options.reconnect;
    if (rc !== undefined) {
      if (rc === null || typeof rc !== 'object') throw invalid('options.reconnect must be { min, max, jitter }');
      checkInt('options.reconnect.min', rc.min, 1, 2147483647);
      checkInt('options.reconnect.max', rc.max, 1, 2147483647);
      if (rc.min !== undefined && rc.max !== undefined && rc.max < rc.min) throw invalid('options.reconnect.max must not be below reconnect.min');
      if (rc.jitter !== undefined && !(typeof rc.jitter === 'number' && rc.jitter >= 0 && rc.jitter <= 1)) {
        throw invalid('options.reconnect.jitter must be a number from 0 to 1');
      }
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
    for (let i = 0; i < this.servers.length && username === undefined && password === undefined; i++) {
      username = this.servers[i].username;
      password = this.servers[i].password;
    }
    if (username !== undefined && typeof username !== 'string') throw invalid('options.username must be a string');
    if (password !== undefined && typeof password !== 'string') throw invalid('options.password must be a string');
    if (password !== undefined && username === undefined) throw invalid('MQTT 3.1.1 does not allow a password without a user name');

    const will = options.will;
    if (will !== undefined) {
      if (will === null || typeof will !== 'object' || typeof will.topic !== 'string') throw invalid('options.will must be { topic, payload, qos, retain }');
      try { validateTopicName(will.topic); } catch (e) { throw invalid('options.will.topic: ' + (e as MqttError).message); }
      if (will.qos !== undefined && will.qos !== 0 && will.qos !== 1) throw invalid('options.will.qos must be 0 or 1');
    }

    const so: SessionOptions = { clientId: clientId, cleanSession: clean };
    if (options.keepalive !== undefined) so.keepalive = options.keepalive;
    if (username !== undefined) so.username = username;
    if (password !== undefined) so.password = password;
    if (will !== undefined) so.will = { topic: will.topic, payload: will.payload === undefined ? '' : will.payload, qos: will.qos === 1 ? 1 : 0, retain: will.retain === true };
    if (options.receiveBufferSize !== undefined) so.receiveBufferSize = options.receiveBufferSize;
    if (options.transmitBufferSize !== undefined) so.transmitBufferSize = options.transmitBufferSize;
    if (options.outboxSize !== undefined) so.outboxSize = options.outboxSize;
    if (options.maxInflight !== undefined) so.maxInflight = options.maxInflight;
    if (options.connectTimeout !== undefined) so.connectTimeout = options.connectTimeout;
    if (rc !== undefined) {
      if (rc.min !== undefined) so.reconnectMin = rc.min;
      if (rc.max !== undefined) so.reconnectMax = rc.max;
      if (rc.jitter !== undefined) so.reconnectJitter = rc.jitter;
    }
    try {
      this.session = new Session(so, new SessionBridge(this));
    } catch (e) {
      const m = e instanceof MqttError ? e.message : String(e);
      throw invalid(m);
    }

    this.onConnect = noop;
    this.onMessage = noop;
    this.onPublished = noop;
    this.onError = noop;
    this.onClose = noop;
    this.lastPacketId = 0;
    this.connected = false;
    this.stats = this.session.stats;
    this.serverIndex = 0;
    this.attempted = false;
    this.attemptOk = false;
    this.transport = null;
    this.gen = 0;
    this.busy = false;
    this.appDepth = 0;
    this._wantOpen = false;
    this._wantClose = false;
    this.timer = null;
    this.timerSet = false;
    this.timerDue = 0;
    const self = this;
    this.timerFn = function () { self.onTimer(); };
    this.queue = [];
    this.cmds = [];
    this.closeReason = '';
    this.thrown = undefined;
    this.hasThrown = false;
    this.info = { qos: 0, retain: false, dup: false };
    this.filters = [];
    this.subQos = [];
    this.handlers = [];
    this.filterBytes = [];
    this.rx = this.session.rx;
    this.sent = [];
    this.unsent = [];
  }

  /** The broker currently used (or tried): changes when a connect attempt fails and there are several. */
  get server(): BrokerAddress { return this.servers[this.serverIndex]; }

  connect(): void {
    if (this.busy) { this.cmds.push(CMD_START); return; }
    this.enter();
    try { this.session.start(this.platform.now()); } finally { this.leave(); }
  }

  publish(topic: string, payload: string | Uint8Array, qos?: 0 | 1, retain?: boolean): PublishResult {
    if (qos !== undefined && qos !== 0 && qos !== 1) return 'INVALID_ARGUMENT';
    const outer = this.enter();
    let r: PublishResult;
    try {
      r = this.session.publish(topic, payload, qos === 1 ? 1 : 0, retain === true, this.platform.now());
      if (qos === 1 && (r === 'sent' || r === 'queued')) this.lastPacketId = this.session.lastPacketId;
    } catch (e) {
      // the session promises not to throw; a defect there must not reach the caller either
      r = e instanceof MqttError ? e.code : 'INVALID_ARGUMENT';
    } finally {
      if (outer) this.leave(); else this.nestedDone();
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
    let i = -1, existed = false, wasSent = false;
    try {
      validateTopicFilter(filter);
      i = this.filters.indexOf(filter);
      existed = i >= 0;
      if (!existed) {
        i = this.filters.length;
        const fb = new Uint8Array(utf8Length(filter));
        writeUtf8(fb, 0, filter);
        this.filters.push(filter); this.subQos.push(q); this.handlers.push(null); this.sent.push(false); this.filterBytes.push(fb);
      }
      wasSent = this.sent[i];
      this.subQos[i] = q;
      this.handlers[i] = handler ? handler : null;
      this.sent[i] = false;
      const u = this.unsent.indexOf(filter);
      if (u >= 0) this.unsent.splice(u, 1);
      if (this.connected && this.tryRequest(true, filter, q)) {
        this.sent[i] = true;
        r = 'sent';
      }
    } catch (e) {
      const err = e instanceof MqttError ? e : new MqttError('INVALID_ARGUMENT', String(e));
      if (i >= 0 && !existed) this.dropSub(i);
      else if (i >= 0) this.sent[i] = wasSent;
      this._error(err);
      r = err.code;
    } finally {
      if (outer) this.leave(); else this.nestedDone();
    }
    return r;
  }

  unsubscribe(filter: string): 'sent' | 'queued' | MqttErrorCode {
    const outer = this.enter();
    let r: 'sent' | 'queued' | MqttErrorCode = 'queued';
    try {
      validateTopicFilter(filter);
      const i = this.filters.indexOf(filter);
      const wasSent = i >= 0 ? this.sent[i] : true;
      if (i >= 0) this.dropSub(i);
      if (this.connected && this.tryRequest(false, filter, 0)) r = 'sent';
      else if (wasSent && this.unsent.indexOf(filter) < 0) this.unsent.push(filter);
    } catch (e) {
      const err = e instanceof MqttError ? e : new MqttError('INVALID_ARGUMENT', String(e));
      this._error(err);
      r = err.code;
    } finally {
      if (outer) this.leave(); else this.nestedDone();
    }
    return r;
  }

  /** DISCONNECT (so the broker discards the will), close, and stay closed until connect(). */
  end(): void {
    // From inside a callback the session is mid-input; it ends as soon as that input is done.
    // The session would cope with a nested end() (it settles its state before every event), but
    // deferring lets the PUBACK of a message being handled go out first, and keeps the session
    // from being entered twice.
    if (this.busy) { this.connected = false; this.cmds.push(CMD_END); return; }
    this.enter();
    try { this.session.end(this.platform.now()); } finally { this.leave(); }
  }

  // ---- internals ------------------------------------------------------------------------------

  /** Marks an application call; false when it is nested in one of our callbacks. */
  private enter(): boolean {
    this.appDepth++;
    if (this.busy) return false;
    this.busy = true;
    return true;
  }

  /** A call from inside a callback: write its bytes now (a long burst of messages each answered
   *  by a publish must not fill the transmit buffer), and let the outer input settle the rest. */
  private nestedDone(): void {
    this.appDepth--;
    this._drain();
  }

  private leave(): void {
    try { this.settle(); } finally {
      this.appDepth--;
      this.busy = false;
    }
    this.rethrow();
  }

  private dropSub(i: number): void {
    this.filters.splice(i, 1); this.subQos.splice(i, 1); this.handlers.splice(i, 1); this.sent.splice(i, 1);
    this.filterBytes.splice(i, 1);
  }

  /** One SUBSCRIBE/UNSUBSCRIBE; false when the session's request table is full (retried on the
   *  next SUBACK/UNSUBACK); other problems throw. */
  private tryRequest(sub: boolean, filter: string, qos: number): boolean {
    try {
      if (sub) this.session.subscribe([filter], [qos], this.platform.now());
      else this.session.unsubscribe([filter], this.platform.now());
      return true;
    } catch (e) {
      if (e instanceof MqttError && e.code === 'QUEUE_FULL') return false;
      throw e;
    }
  }

  /** Sends what was subscribed/unsubscribed while offline or while the request table was full. */
  private flushPending(): void {
    for (let i = 0; i < this.filters.length; i++) {
      if (this.sent[i]) continue;
      try {
        if (!this.tryRequest(true, this.filters[i], this.subQos[i])) return;
        this.sent[i] = true;
      } catch (e) {
        this._error(e instanceof MqttError ? e : new MqttError('INVALID_ARGUMENT', String(e)));
        this.dropSub(i);
        i--;
      }
    }
    while (this.unsent.length > 0) {
      try {
        if (!this.tryRequest(false, this.unsent[0], 0)) return;
      } catch (e) {
        this._error(e instanceof MqttError ? e : new MqttError('INVALID_ARGUMENT', String(e)));
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

  /** After every session input: write what it produced, act on its open/close requests. */
  private settle(): void {
    for (let guard = 0; guard < 32; guard++) {
      this._drain();
      if (this._wantClose) {
        this._wantClose = false;
        const t = this.transport;
        this.transport = null;
        this.gen++;
        if (t !== null) {
          try { t.close(); } catch (e) { /* the link is being dropped anyway */ }
          this.session.closed(this.platform.now());
        }
        continue;
      }
      if (this.cmds.length > 0) {
        const cmd = this.cmds.shift();
        this.appDepth++; // its events are reported like those of a direct call: later
        try {
          if (cmd === CMD_END) this.session.end(this.platform.now());
          else this.session.start(this.platform.now());
        } finally { this.appDepth--; }
        continue;
      }
      if (this._wantOpen) {
        this._wantOpen = false;
        this.openTransport();
        continue;
      }
      break;
    }
    this.arm();
  }

  private openTransport(): void {
    if (this.attempted && !this.attemptOk && this.servers.length > 1) {
      this.serverIndex = (this.serverIndex + 1) % this.servers.length;
    }
    this.attempted = true;
    this.attemptOk = false;
    this.closeReason = '';
    const s = this.servers[this.serverIndex];
    const gen = ++this.gen;
    try {
      this.transport = this.platform.connect(s.host, s.port, s.secure, new ConnectionSink(this, gen));
    } catch (e) {
      this.transport = null;
      this.push(Q_CLOSE_IN, gen, null, 'cannot connect to ' + s.host + ':' + s.port + ': ' + String(e && (e as MqttError).message ? (e as MqttError).message : e), null, null);
    }
  }

  /** One platform timer: the earliest of the session's next deadline and any deferred events. */
  private arm(): void {
    const now = this.platform.now();
    const delay = this.queue.length > 0 ? 0 : this.session.nextTick(now);
    if (delay < 0) {
      if (this.timerSet) { this.platform.clearTimer(this.timer); this.timerSet = false; this.timer = null; }
      return;
    }
    const due = now + delay;
    // an earlier timer that is already set just finds nothing to do, and re-arms then
    if (this.timerSet && this.timerDue <= due) return;
    if (this.timerSet) this.platform.clearTimer(this.timer);
    this.timerDue = due;
    this.timerSet = true;
    this.timer = this.platform.setTimer(delay, this.timerFn);
  }

  private onTimer(): void {
    this.timerSet = false;
    this.timer = null;
    if (this.busy) { this.arm(); return; }
    this.busy = true;
    try {
      const n = this.queue.length;
      if (n > 0) {
        const items = this.queue;
        this.queue = [];
        for (let i = 0; i < n; i += Q_SLOTS) this.deliver(items, i);
      }
      this.session.tick(this.platform.now());
      this.settle();
    } finally {
      this.busy = false;
    }
    this.rethrow();
  }

  private push(kind: number, a: unknown, b: unknown, c: unknown, d: unknown, e: unknown): void {
    this.queue.push(kind, a, b, c, d, e);
  }

  private deliver(q: unknown[], i: number): void {
    const kind = q[i] as number;
    if (kind === Q_CONNECT) this.call1(this.onConnect, q[i + 1]);
    else if (kind === Q_MESSAGE) this.dispatch(q[i + 1] as string, q[i + 2] as Uint8Array, q[i + 3] as number, q[i + 4] as boolean, q[i + 5] as boolean, false);
    else if (kind === Q_PUBLISHED) this.call1(this.onPublished, q[i + 1]);
    else if (kind === Q_ERROR) this.call1(this.onError, q[i + 1]);
    else if (kind === Q_CLOSE) this.call1(this.onClose, undefined);
    else if (kind === Q_OPEN_IN) this.inOpen(q[i + 1] as number);
    else if (kind === Q_DATA_IN) { const d = q[i + 2] as Uint8Array; this.inData(q[i + 1] as number, d, 0, d.length); }
    else if (kind === Q_CLOSE_IN) this.inClose(q[i + 1] as number, q[i + 3] as string | undefined);
  }

  // A callback that throws must not leave the session half-way through an input: remember the
  // first exception and rethrow it once the client is consistent again.
  private call1(fn: (x: never) => void, arg: unknown): void {
    try { (fn as (x: unknown) => void).call(this, arg); } catch (e) { this.caught(e); }
  }

  private caught(e: unknown): void {
    if (!this.hasThrown) { this.hasThrown = true; this.thrown = e; }
  }

  private rethrow(): void {
    if (!this.hasThrown) return;
    const e = this.thrown;
    this.hasThrown = false;
    this.thrown = undefined;
    throw e;
  }

  // ---- from the transport (via ConnectionSink) --------------------------------------------------

  _transportOpen(gen: number): void {
    if (gen !== this.gen) return;
    if (this.busy) { this.push(Q_OPEN_IN, gen, null, null, null, null); this.arm(); return; }
    this.busy = true;
    try { this.inOpen(gen); this.settle(); } finally { this.busy = false; }
    this.rethrow();
  }

  _transportData(gen: number, chunk: Uint8Array, start: number, end: number): void {
    if (gen !== this.gen) return;
    if (this.busy) { this.push(Q_DATA_IN, gen, new Uint8Array(chunk.subarray(start, end)), null, null, null); this.arm(); return; }
    this.busy = true;
    try { this.inData(gen, chunk, start, end); this.settle(); } finally { this.busy = false; }
    this.rethrow();
  }

  _transportClose(gen: number, reason?: string): void {
    if (gen !== this.gen) return;
    if (this.busy) { this.push(Q_CLOSE_IN, gen, null, reason, null, null); this.arm(); return; }
    this.busy = true;
    try { this.inClose(gen, reason); this.settle(); } finally { this.busy = false; }
    this.rethrow();
  }

  private inOpen(gen: number): void {
    if (gen !== this.gen || this.transport === null) return;
    this.session.opened(this.platform.now());
  }

  private inData(gen: number, chunk: Uint8Array, start: number, end: number): void {
    if (gen !== this.gen) return;
    this.session.receive(chunk, start, end, this.platform.now());
  }

  private inClose(gen: number, reason?: string): void {
    if (gen !== this.gen) return;
    this.transport = null;
    this.gen++;
    this.closeReason = reason ? reason : '';
    this.session.closed(this.platform.now());
  }

  // ---- from the session (via SessionBridge) -----------------------------------------------------

  _emit(kind: number, a: unknown): void {
    if (this.appDepth > 0) { this.push(kind, a, null, null, null, null); return; }
    if (kind === Q_PUBLISHED) this.call1(this.onPublished, a);
    else if (kind === Q_CONNECT) this.call1(this.onConnect, a);
    else if (kind === Q_ERROR) this.call1(this.onError, a);
    else if (kind === Q_CLOSE) this.call1(this.onClose, undefined);
  }

  _connected(sessionPresent: boolean): void {
    this.connected = true;
    this.attemptOk = true;
    // Filters subscribed or unsubscribed while offline go out now, before the application hears.
    this.flushPending();
    this._emit(Q_CONNECT, sessionPresent);
  }

  _requestDone(): void {
    if (this.connected) this.flushPending();
  }

  _message(topic: string, payload: Uint8Array, qos: number, retain: boolean, dup: boolean): void {
    // The payload is a view valid only now, so a deferred message carries a copy (rare path).
    if (this.appDepth > 0) { this.push(Q_MESSAGE, topic, new Uint8Array(payload), qos, retain, dup); return; }
    // a delivered PUBLISH always has a non-empty topic in rx (the decoder rejects an empty one)
    this.dispatch(topic, payload, qos, retain, dup, true);
  }

  /** Every handler whose filter matches gets the message; onMessage gets it only if none did. */
  private dispatch(topic: string, payload: Uint8Array, qos: number, retain: boolean, dup: boolean, inBuffer: boolean): void {
    const info = this.info;
    info.qos = qos;
    info.retain = retain;
    info.dup = dup;
    let matched = false;
    const n = this.filters.length;
    for (let i = 0; i < n && i < this.filters.length; i++) {
      const h = this.handlers[i];
      if (h === null) continue;
      const rx = this.rx;
      if (inBuffer ? topicMatchesBytes(this.filterBytes[i], rx.buf, rx.topicStart, rx.topicEnd) : topicMatches(this.filters[i], topic)) {
        matched = true;
        try { h.call(this, topic, payload, info); } catch (e) { this.caught(e); }
      }
    }
    if (!matched) {
      try { this.onMessage(topic, payload, info); } catch (e) { this.caught(e); }
    }
  }

  _error(err: MqttError): void {
    if (err.code === 'CONNECTION_LOST' && this.closeReason && err.message.indexOf(this.closeReason) < 0) {
      err = new MqttError('CONNECTION_LOST', err.message + ': ' + this.closeReason);
    }
    this._emit(Q_ERROR, err);
  }

  _disconnected(willReconnect: boolean): void {
    void willReconnect;
    this.connected = false;
    // Subscriptions the broker may have lost (all without session present, the unacknowledged
    // ones with it) are re-sent by the session on reconnect; ours stay marked as sent.
    this._emit(Q_CLOSE, undefined);
  }
}
