// Moddable adapter: ECMA-419 TCP (`embedded:io/socket/tcp`), Timer from `timer`, Time.ticks,
// the native TextEncoder from `text/encoder`. Small on purpose: the protocol lives in the core.
//
// Memory, as measured on Moddable's XS (mcsim, bench/moddable.ts): this module is preloaded, so
// its functions and prototypes live in flash, but every closure it makes at run time costs RAM
// (~320 B of slots on a 64-bit build, plus a RAM copy of the closure's code). So nothing here makes
// one per platform or per connection: the platform and the transport are class instances whose
// methods stay in flash, and the TCP socket's callbacks are module-level functions that find their
// transport through the socket's `target` (ECMA-419 copies options.target to socket.target and
// calls back with `this` set to the socket). The SDK's TLS socket (examples/io/tcp/tlssocket)
// does neither, so a TLS connection gets three closures of its own.
//
// Nothing is allocated per message in steady traffic:
// - ECMA-419 write() sends a whole buffer, so a packet needs a view of exactly its bytes. The
//   client writes from one buffer, and a sensor's packets repeat in place and size, so the last
//   few views are kept and reused (VIEWS of them).
// - Reads go into one buffer of our own, through a view of exactly the bytes waiting (read(view)
//   fills all of it, and throws when fewer are waiting); the views of the sizes seen lately are
//   kept the same way. So a message arrives as a view of our buffer, not as a new ArrayBuffer, and
//   the client passes the payload on as one more view (the only allocation per incoming message).
// - TLS: pass the `embedded:io/socket/tcp/tls` class as options.tls; importing it here would make
//   every app link the TLS stack (and fail to link on builds without it). The SDK's TLS socket
//   (examples/io/tcp/tlssocket) opens its TCP socket with `new options.TCP.io(...)`, so we pass it.
// - DNS: `Net.resolve` from the `net` module (lwIP's resolver; esp, esp32 and lin). IP literals
//   skip DNS.
// - write() throws "would block" past what onWritable granted, so anything that does not fit
//   waits in one pending buffer, allocated on first need and reused.
// - close() with bytes still pending (e.g. the DISCONNECT end() just wrote) keeps the socket until
//   they are flushed, at most LINGER_MS: closing at once would lose them, and the broker would
//   then publish the will although the application ended cleanly.
import TCP from 'embedded:io/socket/tcp';
import Timer from 'timer';
import type { TimerCallback } from 'timer';
import Time from 'time';
import TextEncoder from 'text/encoder';
// Moddable's own `net` module (lwIP's resolver, MAC address), not Node's: this file only ever
// compiles with mcconfig, and tsconfig.json excludes it from the Node build.
import Net from 'net';
import type { Platform, Transport, TransportSink } from '../client.js';
import type { Utf8Encoder } from '../session/session.js';

interface Socket {
  read(into: Uint8Array): number | undefined;
  write(value: Uint8Array): void;
  close(): void;
}
type SocketClass = new (options: Record<string, unknown>) => Socket;
/** What the callbacks below are called on: the socket, carrying the transport as its target. */
interface Targeted { target: ModdableTransport }

export interface ModdablePlatformOptions {
  tls?: unknown; // the class exported by "embedded:io/socket/tcp/tls"
  secure?: Record<string, unknown>; // TLS options for it (e.g. { ca }), passed as `secure`
  pendingSize?: number; // bytes that may wait for the socket to drain, default 2048
  readSize?: number; // bytes read at a time, default 512; a packet that fits is handed on whole
}

const LINGER_MS = 2000; // as the Node adapter
const VIEWS = 4; // views kept for writes, and for reads

function isAddress(host: string): boolean {
  for (let i = 0; i < host.length; i++) {
    const c = host.charCodeAt(i);
    if (c !== 46 && (c < 48 || c > 57)) return false;
  }
  return host.length > 0;
}

// The socket's callbacks, one set for every socket (see the top of the file).
function onWritable(this: Targeted, bytes: number): void { this.target.writable(bytes); }
function onReadable(this: Targeted, bytes: number): void { this.target.readable(bytes); }
function onError(this: Targeted): void { this.target.fail('socket error'); }

// A few views of the buffer the client writes from, found by where they start and end; the
// oldest is replaced first. (Numbers to compare rather than the views' own byteOffset: a getter.)
class Views {
  private buf: Uint8Array | null;
  private views: Uint8Array[];
  private ends: Int32Array; // start, end of each view
  private next: number;
  constructor() { this.buf = null; this.views = []; this.ends = new Int32Array(2 * VIEWS); this.next = 0; }
  of(buf: Uint8Array, start: number, end: number): Uint8Array {
    const vs = this.views, es = this.ends;
    if (buf !== this.buf) { this.buf = buf; vs.length = 0; this.next = 0; } // views of another buffer are of no use
    for (let i = 0; i < vs.length; i++) if (es[2 * i + 1] === end && es[2 * i] === start) return vs[i];
    const v = buf.subarray(start, end);
    let i = vs.length;
    if (i === VIEWS) { i = this.next; this.next = (i + 1) % VIEWS; }
    vs[i] = v; es[2 * i] = start; es[2 * i + 1] = end;
    return v;
  }
}

class ModdableTransport implements Transport {
  private sink: TransportSink;
  private socket: Socket | null;
  private bytes: number; // what write() may take now
  private pending: Uint8Array | null;
  private pendingLength: number;
  private o: ModdablePlatformOptions;
  private done: boolean;
  private opened: boolean;
  private linger: Timer | null; // set while close() waits for pending bytes
  private out: Views;
  private inBuf: Uint8Array | null;
  private inViews: Uint8Array[]; // views of inBuf from 0, told apart by length
  private inNext: number;

  constructor(host: string, port: number, secure: boolean, sink: TransportSink, o: ModdablePlatformOptions) {
    this.sink = sink;
    this.socket = null;
    this.bytes = 0;
    this.pending = null;
    this.pendingLength = 0;
    this.o = o;
    this.done = false;
    this.opened = false;
    this.linger = null;
    this.out = new Views();
    this.inBuf = null;
    this.inViews = [];
    this.inNext = 0;
    if (secure && !o.tls) {
      this.fail('mqtts needs the TLS socket: pass the embedded:io/socket/tcp/tls class as options.tls');
      return;
    }
    if (isAddress(host)) this.open(host, host, port, secure);
    else {
      // once per connection attempt to a host name: a closure is fine here
      const self = this;
      try {
        Net.resolve(host, function (name: string, address?: string) {
          if (self.done) return;
          if (!address) self.fail('cannot resolve ' + name);
          else self.open(address, host, port, secure);
        });
      } catch (e) {
        this.fail('DNS queue full for ' + host);
      }
    }
  }
  private open(address: string, host: string, port: number, secure: boolean): void {
    const o = this.o;
    const Socket = (secure ? o.tls : TCP) as unknown as SocketClass;
    const options: Record<string, unknown> = {
      address: address, port: port, format: 'buffer', target: this,
      onWritable: onWritable, onReadable: onReadable, onError: onError,
    };
    if (secure) {
      options.host = host;
      options.secure = o.secure || {};
      options.TCP = { io: TCP }; // the SDK's TLS socket opens its TCP socket through this
      const self = this;
      options.onWritable = function (bytes: number) { self.writable(bytes); };
      options.onReadable = function (bytes: number) { self.readable(bytes); };
      options.onError = function () { self.fail('socket error'); };
    }
    try { this.socket = new Socket(options); }
    catch (e) { this.fail('cannot open socket: ' + e); }
  }
  /** From the socket: write() may take `bytes` bytes now. */
  writable(bytes: number): void {
    if (this.done) return;
    this.bytes = bytes;
    // ECMA-419 has no connect event: the first onWritable means the connection is up.
    if (!this.opened) { this.opened = true; this.sink.onOpen(); }
    this.flush();
    if (this.linger && !this.pendingLength) this.fail(undefined);
  }
  /** From the socket: `bytes` bytes are waiting. */
  readable(bytes: number): void {
    let buf = this.inBuf;
    if (buf === null) buf = this.inBuf = new Uint8Array(this.o.readSize || 512);
    while (bytes > 0 && !this.done && !this.linger && this.socket) {
      const n = bytes < buf.length ? bytes : buf.length;
      this.socket.read(n === buf.length ? buf : this.inView(n));
      bytes -= n;
      this.sink.onData(buf, 0, n);
    }
  }
  // A view of the first n bytes of inBuf (read(view) fills exactly the view); the oldest of the
  // VIEWS kept is replaced first.
  private inView(n: number): Uint8Array {
    const vs = this.inViews;
    for (let i = 0; i < vs.length; i++) if (vs[i].length === n) return vs[i];
    const v = (this.inBuf as Uint8Array).subarray(0, n);
    let i = vs.length;
    if (i === VIEWS) { i = this.inNext; this.inNext = (i + 1) % VIEWS; }
    vs[i] = v;
    return v;
  }
  private flush(): void {
    const p = this.pending;
    if (!p || !this.pendingLength || !this.socket || this.bytes <= 0) return;
    const n = this.pendingLength < this.bytes ? this.pendingLength : this.bytes;
    this.socket.write(p.subarray(0, n)); // only under back-pressure: a view made each time will do
    this.bytes -= n;
    p.copyWithin(0, n, this.pendingLength);
    this.pendingLength -= n;
  }
  write(buf: Uint8Array, start: number, end: number): void {
    if (this.done || this.linger || !this.socket) return;
    const n = end - start;
    if (!this.pendingLength && n <= this.bytes) {
      this.socket.write(this.out.of(buf, start, end));
      this.bytes -= n;
      return;
    }
    if (!this.pending) this.pending = new Uint8Array(this.o.pendingSize || 2048);
    if (this.pendingLength + n > this.pending.length) {
      this.fail('socket send backlog over ' + this.pending.length + ' bytes');
      return;
    }
    this.pending.set(buf.subarray(start, end), this.pendingLength);
    this.pendingLength += n;
    this.flush();
  }
  close(): void {
    if (this.done || this.linger) return;
    if (this.pendingLength && this.socket) {
      const self = this;
      this.linger = Timer.set(function () { self.linger = null; self.fail(undefined); }, LINGER_MS);
      return;
    }
    this.fail(undefined);
  }
  fail(reason: string | undefined): void {
    if (this.done) return;
    this.done = true;
    if (this.linger) { Timer.clear(this.linger); this.linger = null; }
    const s = this.socket;
    this.socket = null;
    if (s) { try { s.close(); } catch (e) { /* already gone */ } }
    // Never call back inside the client's own connect() call: defer to the next turn.
    const sink = this.sink;
    Timer.set(function () { sink.onClose(reason); }, 0);
  }
}

// Time.ticks is a 32-bit millisecond counter on the chips: it wraps (to negative, or to 0) after
// 24.8 or 49.7 days, and the client's deadlines need a clock that only moves forward. Differences
// modulo 2^32 are right for either kind of wrap.
class ModdablePlatform implements Platform {
  textEncoder: Utf8Encoder;
  private o: ModdablePlatformOptions;
  private lastTicks: number;
  private elapsed: number;
  constructor(o: ModdablePlatformOptions) {
    this.o = o;
    this.lastTicks = Time.ticks;
    this.elapsed = this.lastTicks >>> 0;
    this.textEncoder = new TextEncoder();
  }
  connect(host: string, port: number, secure: boolean, sink: TransportSink): Transport {
    return new ModdableTransport(host, port, secure, sink, this.o);
  }
  now(): number {
    const t = Time.ticks;
    let d = t - this.lastTicks;
    if (d < 0) d += 4294967296;
    this.lastTicks = t;
    this.elapsed += d;
    return this.elapsed;
  }
  // fn ignores the timer argument Timer passes, so no wrapper closure per timer is needed.
  setTimer(ms: number, fn: () => void): unknown { return Timer.set(fn as unknown as TimerCallback, ms); }
  clearTimer(h: unknown): void { if (h) Timer.clear(h as Timer); }
  deviceId(): string {
    let mac = '';
    // lin without a network module throws; without an interface it answers undefined
    try { mac = Net.get('MAC') || ''; } catch (e) { /* no MAC */ }
    let id = '';
    for (let i = 0; i < mac.length; i++) if (mac.charAt(i) !== ':') id += mac.charAt(i).toLowerCase();
    // No MAC (the desktop simulator): the wall clock, so two simulators started one after
    // the other do not share a client id and throw each other off the broker.
    return id || 'sim' + Date.now().toString(36);
  }
}

export function createModdablePlatform(options?: ModdablePlatformOptions): Platform {
  return new ModdablePlatform(options || {});
}
