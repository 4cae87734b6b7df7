// The WebSocket Platform: MQTT over WebSocket (ws:// and wss:// URLs) through the standard
// WebSocket class — the browser's own, or on Node.js one the caller passes (Node 20 has no
// global WebSocket; the `ws` package's class is the same API). Subprotocol "mqtt", binary
// frames (MQTT 3.1.1 §6). No Node.js API here: the dashboard page bundles this file.
import type { Platform, Transport, TransportSink } from '../client.js';

/** The part of the standard WebSocket this adapter uses. */
export interface WebSocketLike {
  binaryType: string;
  readyState: number;
  bufferedAmount: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}
export type WebSocketClass = new (url: string, protocols?: string | string[]) => WebSocketLike;

export interface WebSocketPlatformOptions {
  /** the WebSocket class; default: the global one (browsers, Deno, Node 22+) */
  WebSocket?: WebSocketClass;
  /** for default client ids ('mcu-' + deviceId); default: none, so the client picks a random one */
  deviceId?: string;
  /** bytes the socket may hold unsent before the link is cut as congested (default 4 MiB) */
  maxWriteBacklog?: number;
}

interface Globals {
  WebSocket?: WebSocketClass;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  performance?: { now(): number };
}
const g = globalThis as unknown as Globals;

const OPEN = 1;
const MIN_CHUNK = 256;
const DEFAULT_BACKLOG = 4 * 1024 * 1024;

// The client hands over one packet per write(), often many in one turn (a burst of QoS 0, an
// outbox resent after a reconnect). They are gathered and sent as one binary message from a
// microtask, after the code that wrote has finished: MQTT over WebSocket lets packets span or
// share messages, and one frame per turn costs far less than one per packet.
class WebSocketTransport implements Transport {
  private ws: WebSocketLike;
  private closing: boolean;
  private error: string;
  private pend: Uint8Array | null;
  private pendLen: number;
  private scheduled: boolean;
  private maxBacklog: number;
  private flushFn: () => void;

  constructor(ws: WebSocketLike, url: string, sink: TransportSink, maxBacklog: number) {
    this.ws = ws;
    this.closing = false;
    this.error = '';
    this.pend = null;
    this.pendLen = 0;
    this.scheduled = false;
    this.maxBacklog = maxBacklog;
    const self = this;
    this.flushFn = function () { self.scheduled = false; self.flush(); };
    let opened = false;
    ws.binaryType = 'arraybuffer';
    ws.onopen = function () {
      opened = true;
      if (!self.closing) sink.onOpen();
    };
    ws.onmessage = function (ev) {
      if (self.closing) return;
      const d = ev.data;
      if (d instanceof ArrayBuffer) sink.onData(new Uint8Array(d), 0, d.byteLength);
      else { self.error = 'WebSocket ' + url + ' sent a text message (MQTT needs binary ones)'; self.drop(); }
    };
    ws.onerror = function (ev) {
      // browsers say nothing more (on purpose); the ws package gives the socket's message
      const m = ev && (ev as { message?: unknown }).message;
      if (!self.error && typeof m === 'string' && m) self.error = 'WebSocket ' + url + ' failed: ' + m;
    };
    ws.onclose = function (ev) {
      if (self.closing) return;
      self.closing = true;
      const why = 'code ' + ev.code + (ev.reason ? ', ' + ev.reason : '');
      sink.onClose(self.error ? self.error + ' (' + why + ')'
        : opened ? 'WebSocket ' + url + ' closed by the server (' + why + ')'
          : 'WebSocket ' + url + ' could not be opened (' + why + '): no server there, or it refused the upgrade');
    };
  }

  write(buf: Uint8Array, start: number, end: number): void {
    if (this.closing || this.ws.readyState !== OPEN) return;
    const n = end - start;
    if (n <= 0) return;
    let p = this.pend;
    const len = this.pendLen;
    if (p === null || len + n > p.length) {
      let size = p === null ? MIN_CHUNK : p.length * 2;
      while (size < len + n) size *= 2;
      const q = new Uint8Array(size);
      if (p !== null) q.set(p.subarray(0, len), 0);
      p = this.pend = q;
    }
    p.set(buf.subarray(start, end), len);
    this.pendLen = len + n;
    if (!this.scheduled) {
      this.scheduled = true;
      Promise.resolve().then(this.flushFn);
    }
  }

  private flush(): void {
    const p = this.pend;
    if (p === null) return;
    const len = this.pendLen;
    this.pend = null; // a fresh buffer for the next turn: the socket may still hold this one
    this.pendLen = 0;
    if (this.ws.readyState !== OPEN) return;
    this.ws.send(p.subarray(0, len));
    if (this.ws.bufferedAmount > this.maxBacklog && !this.closing) {
      // The server does not read what we send: cut the link rather than buffer without end.
      this.error = 'WebSocket dropped: ' + this.ws.bufferedAmount + ' bytes waiting to be sent, more than the ' +
        this.maxBacklog + ' allowed (the server is not reading)';
      this.drop();
    }
  }

  /** Ends the link from our side as a failure: the client hears onClose with the error. */
  private drop(): void {
    // 4000: an application's own code (browsers allow only 1000 and 3000-4999 in close())
    try { this.ws.close(4000); } catch (e) { /* already closing */ }
  }

  close(): void {
    if (this.closing) return;
    this.flush(); // what was written before close() (the DISCONNECT) goes out first
    this.closing = true;
    try { this.ws.close(1000); } catch (e) { /* already closed */ }
  }
}

export class WebSocketPlatform implements Platform {
  readonly webSocket = true;
  private WS: WebSocketClass;
  private id: string;
  private maxBacklog: number;

  constructor(options?: WebSocketPlatformOptions) {
    const o = options || {};
    const WS = o.WebSocket || g.WebSocket;
    if (typeof WS !== 'function') {
      throw new TypeError('no WebSocket class: this engine has no global WebSocket, so pass one ' +
        '(on Node.js 20: createWebSocketPlatform({ WebSocket }) with WebSocket from the ws package)');
    }
    this.WS = WS;
    this.id = o.deviceId || '';
    this.maxBacklog = o.maxWriteBacklog !== undefined && o.maxWriteBacklog > 0 ? o.maxWriteBacklog : DEFAULT_BACKLOG;
  }

  connect(host: string, port: number, secure: boolean, sink: TransportSink, path?: string): Transport {
    const url = (secure ? 'wss://' : 'ws://') + (host.indexOf(':') >= 0 ? '[' + host + ']' : host) + ':' + port +
      (path !== undefined ? path : '/mqtt');
    return new WebSocketTransport(new this.WS(url, 'mqtt'), url, sink, this.maxBacklog);
  }

  now(): number { return g.performance ? g.performance.now() : Date.now(); }

  setTimer(ms: number, fn: () => void): unknown { return g.setTimeout(fn, ms); }

  clearTimer(handle: unknown): void { g.clearTimeout(handle); }

  deviceId(): string { return this.id; }
}

export function createWebSocketPlatform(options?: WebSocketPlatformOptions): WebSocketPlatform {
  return new WebSocketPlatform(options);
}
