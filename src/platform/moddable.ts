// Moddable adapter: ECMA-419 TCP (`embedded:io/socket/tcp`), Timer from `timer`, Time.ticks.
// Small on purpose: the protocol lives in the core.
//
// - TLS: pass the `embedded:io/socket/tcp/tls` class as options.tls; importing it here would make
//   every app link the TLS stack (and fail to link on builds without it).
// - DNS: `Net.resolve` from the `net` module. The ECMA-419 resolver
//   (`embedded:network/dns/resolver/udp`) needs a UDP socket class and the DNS server list, which
//   on Moddable come from `Net.get("DNS")` anyway; Net.resolve is one typed call over lwIP's own
//   resolver and exists on esp, esp32 and lin. IP literals skip DNS.
// - Writes: ECMA-419 write() throws when more than `writable` bytes are given, so anything that
//   does not fit waits in one pending buffer, allocated on first need and reused.
// - close() with bytes still pending (e.g. the DISCONNECT end() just wrote) keeps the socket until
//   they are flushed, at most LINGER_MS: closing at once would lose them, and the broker would
//   then publish the will although the application ended cleanly.
import TCP from 'embedded:io/socket/tcp';
import Timer from 'timer';
import type { TimerCallback } from 'timer';
import Time from 'time';
// Moddable's own `net` module (lwIP's resolver, MAC address), not Node's: this file only ever
// compiles with mcconfig, and tsconfig.json excludes it from the Node build.
import Net from 'net';
import type { Platform, Transport, TransportSink } from '../client.js';

type SocketClass = new (options: Record<string, unknown>) => {
  read(count?: number): number | ArrayBuffer | undefined;
  write(value: Uint8Array): void;
  close(): void;
};

export interface ModdablePlatformOptions {
  tls?: unknown; // the class exported by "embedded:io/socket/tcp/tls"
  secure?: Record<string, unknown>; // TLS options for it (e.g. { ca }), passed as `secure`
  pendingSize?: number; // bytes that may wait for the socket to drain, default 2048
}

const LINGER_MS = 2000; // as the Node adapter

function isAddress(host: string): boolean {
  for (let i = 0; i < host.length; i++) {
    const c = host.charCodeAt(i);
    if (c !== 46 && (c < 48 || c > 57)) return false;
  }
  return host.length > 0;
}

class ModdableTransport implements Transport {
  private sink: TransportSink;
  private socket: InstanceType<SocketClass> | null;
  private writable: number;
  private pending: Uint8Array | null;
  private pendingLength: number;
  private pendingSize: number;
  private done: boolean;
  private opened: boolean;
  private linger: Timer | null; // set while close() waits for pending bytes
  constructor(host: string, port: number, secure: boolean, sink: TransportSink, o: ModdablePlatformOptions) {
    this.sink = sink;
    this.socket = null;
    this.writable = 0;
    this.pending = null;
    this.pendingLength = 0;
    this.pendingSize = o.pendingSize || 2048;
    this.done = false;
    this.opened = false;
    this.linger = null;
    if (secure && !o.tls) {
      this.fail('mqtts needs the TLS socket: pass the embedded:io/socket/tcp/tls class as options.tls');
      return;
    }
    const self = this;
    if (isAddress(host)) this.open(host, host, port, secure, o);
    else {
      try {
        Net.resolve(host, function (name: string, address?: string) {
          if (self.done) return;
          if (!address) self.fail('cannot resolve ' + name);
          else self.open(address, host, port, secure, o);
        });
      } catch (e) {
        this.fail('DNS queue full for ' + host);
      }
    }
  }
  private open(address: string, host: string, port: number, secure: boolean, o: ModdablePlatformOptions): void {
    const self = this;
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
    if (this.done || this.linger || !this.socket) return;
    const ab = this.socket.read(bytes) as ArrayBuffer;
    if (ab && ab.byteLength) this.sink.onData(new Uint8Array(ab), 0, ab.byteLength);
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
      this.socket.write(buf.subarray(start, end));
      this.writable -= n;
      return;
    }
    if (!this.pending) this.pending = new Uint8Array(this.pendingSize);
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
  private release(): void {
    if (this.linger) { Timer.clear(this.linger); this.linger = null; }
    const s = this.socket;
    this.socket = null;
    if (s) { try { s.close(); } catch (e) { /* already gone */ } }
  }
  private fail(reason: string | undefined): void {
    if (this.done) return;
    this.done = true;
    this.release();
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
      try { mac = Net.get('MAC') || ''; } catch (e) { /* no MAC: the client picks a random id */ }
      let id = '';
      for (let i = 0; i < mac.length; i++) if (mac.charAt(i) !== ':') id += mac.charAt(i).toLowerCase();
      return id;
    },
  };
}
