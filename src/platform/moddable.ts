// Moddable adapter: ECMA-419 TCP (`embedded:io/socket/tcp`), Timer from `timer`, Time.ticks,
// the native TextEncoder from `text/encoder`. Small on purpose: the protocol lives in the core.
//
// Nothing is allocated per message in steady traffic:
// - ECMA-419 write() sends a whole buffer, so a packet needs a view of exactly its bytes. The
//   client writes from one buffer, and a sensor's packets repeat in place and size, so the last
//   few views are kept and reused (WRITE_VIEWS of them).
// - Reads go into one buffer of our own, through a view of exactly the bytes waiting (read(view)
//   fills all of it); the views of the sizes seen lately are kept the same way. So a message
//   arrives as a view of our buffer, not as a new ArrayBuffer, and the client passes the payload
//   on as one more view (the only allocation per incoming message).
// - TLS: pass the `embedded:io/socket/tcp/tls` class as options.tls; importing it here would make
//   every app link the TLS stack (and fail to link on builds without it).
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

type SocketClass = new (options: Record<string, unknown>) => {
  read(into: Uint8Array): number | undefined;
  write(value: Uint8Array): void;
  close(): void;
};

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

// A few views, found by the buffer they view and where they start and end; the oldest is
// replaced first. (Plain numbers and references to compare: a view's own byteOffset and length
// are getters, dearer on XS than the view they would save.)
class Views {
  private views: Uint8Array[];
  private bufs: Uint8Array[];
  private ends: number[]; // start, end of each view
  private next: number;
  constructor() { this.views = []; this.bufs = []; this.ends = []; this.next = 0; }
  of(buf: Uint8Array, start: number, end: number): Uint8Array {
    const vs = this.views, bs = this.bufs, es = this.ends;
    for (let i = 0; i < vs.length; i++) if (es[2 * i + 1] === end && es[2 * i] === start && bs[i] === buf) return vs[i];
    const v = buf.subarray(start, end);
    let i = vs.length;
    if (i === VIEWS) { i = this.next; this.next = (i + 1) % VIEWS; }
    vs[i] = v; bs[i] = buf; es[2 * i] = start; es[2 * i + 1] = end;
    return v;
  }
}

class ModdableTransport implements Transport {
  private sink: TransportSink;
  private socket: InstanceType<SocketClass> | null;
  private writable: number;
  private pending: Uint8Array | null;
  private pendingLength: number;
  private o: ModdablePlatformOptions;
  private done: boolean;
  private opened: boolean;
  private linger: Timer | null; // set while close() waits for pending bytes
  private out: Views;
  private inBuf: Uint8Array | null;
  private inViews: Views;

  constructor(host: string, port: number, secure: boolean, sink: TransportSink, o: ModdablePlatformOptions) {
    this.sink = sink;
    this.socket = null;
    this.writable = 0;
    this.pending = null;
    this.pendingLength = 0;
    this.o = o;
    this.done = false;
    this.opened = false;
    this.linger = null;
    this.out = new Views();
    this.inBuf = null;
    this.inViews = new Views();
    if (secure && !o.tls) {
      this.fail('mqtts needs the TLS socket: pass the embedded:io/socket/tcp/tls class as options.tls');
      return;
    }
    const self = this;
    if (isAddress(host)) this.open(host, host, port, secure);
    else {
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
    const self = this, o = this.o;
    const Socket = (secure ? o.tls : TCP) as unknown as SocketClass;
    const options: Record<string, unknown> = {
      address: address,
      port: port,
      format: 'buffer',
      onWritable: function (bytes: number) { self.onWritable(bytes); },
      onReadable: function (bytes: number) { self.onReadable(bytes); },
      onError: function () { self.fail('socket error'); },
    };
    if (secure) { options.host = host; options.secure = o.secure || {}; }
    try { this.socket = new Socket(options); }
    catch (e) { this.fail('cannot open socket: ' + e); }
  }
  private onWritable(bytes: number): void {
    if (this.done) return;
    this.writable = bytes;
    // ECMA-419 has no connect event: the first onWritable means the connection is up.
    if (!this.opened) { this.opened = true; this.sink.onOpen(); }
    this.flush();
    if (this.linger && !this.pendingLength) this.fail(undefined);
  }
  private onReadable(bytes: number): void {
    let buf = this.inBuf;
    if (buf === null) buf = this.inBuf = new Uint8Array(this.o.readSize || 512);
    while (bytes > 0 && !this.done && !this.linger && this.socket) {
      const n = bytes < buf.length ? bytes : buf.length;
      this.socket.read(this.inViews.of(buf, 0, n));
      bytes -= n;
      this.sink.onData(buf, 0, n);
    }
  }
  private flush(): void {
    const p = this.pending;
    if (!p || !this.pendingLength || !this.socket || this.writable <= 0) return;
    const n = this.pendingLength < this.writable ? this.pendingLength : this.writable;
    this.socket.write(p.subarray(0, n));
    this.writable -= n;
    p.copyWithin(0, n, this.pendingLength);
    this.pendingLength -= n;
  }
  write(buf: Uint8Array, start: number, end: number): void {
    if (this.done || this.linger || !this.socket) return;
    const n = end - start;
    if (!this.pendingLength && n <= this.writable) {
      this.socket.write(this.out.of(buf, start, end));
      this.writable -= n;
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
  private fail(reason: string | undefined): void {
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

export function createModdablePlatform(options?: ModdablePlatformOptions): Platform {
  const o = options || {};
  // Time.ticks is a 32-bit millisecond counter on the chips: it wraps (to negative, or to 0)
  // after 24.8 or 49.7 days, and the client's deadlines need a clock that only moves forward.
  // Differences modulo 2^32 are right for either kind of wrap.
  let lastTicks = Time.ticks;
  let elapsed = lastTicks >>> 0;
  return {
    connect: function (host: string, port: number, secure: boolean, sink: TransportSink): Transport {
      return new ModdableTransport(host, port, secure, sink, o);
    },
    now: function () {
      const t = Time.ticks;
      let d = t - lastTicks;
      if (d < 0) d += 4294967296;
      lastTicks = t;
      elapsed += d;
      return elapsed;
    },
    // fn ignores the timer argument Timer passes, so no wrapper closure per timer is needed.
    setTimer: function (ms: number, fn: () => void) { return Timer.set(fn as unknown as TimerCallback, ms); },
    clearTimer: function (h: unknown) { if (h) Timer.clear(h as Timer); },
    deviceId: function () {
      let mac = '';
      // lin without a network module throws; without an interface it answers undefined
      try { mac = Net.get('MAC') || ''; } catch (e) { /* no MAC */ }
      let id = '';
      for (let i = 0; i < mac.length; i++) if (mac.charAt(i) !== ':') id += mac.charAt(i).toLowerCase();
      // No MAC (the desktop simulator): the wall clock, so two simulators started one after
      // the other do not share a client id and throw each other off the broker.
      return id || 'sim' + Date.now().toString(36);
    },
    textEncoder: new TextEncoder(),
  };
}
