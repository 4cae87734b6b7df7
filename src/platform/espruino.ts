// Espruino adapter: `net`/`tls` sockets that speak byte strings, setTimeout, getSerial().
// Small on purpose: the protocol lives in the core. One closure set per connection, none per
// message; incoming chunks become bytes with E.toUint8Array (one allocation the engine makes anyway).
import type { Platform, Transport, TransportSink } from '../client.js';

// E.toString needs one contiguous ("flat") block and returns undefined when the heap has none,
// which a long-running ESP8266 reaches; writing that would put "undefined" on the wire. The
// fallback builds the string in pieces: String.fromCharCode.apply takes at most 256 arguments.
function toByteString(buf: Uint8Array, start: number, end: number): string {
  const s = E.toString(buf.subarray(start, end));
  if (typeof s === 'string') return s;
  let out = '';
  for (let i = start; i < end; i += 256) {
    out += String.fromCharCode.apply(null, buf.subarray(i, i + 256 < end ? i + 256 : end) as unknown as number[]);
  }
  return out;
}

class EspruinoTransport implements Transport {
  private socket: EspruinoSocket;
  private done: boolean;
  constructor(host: string, port: number, secure: boolean, sink: TransportSink, ca: unknown) {
    const self = this;
    this.done = false;
    const opts: { host: string; port: number; ca?: unknown } = { host: host, port: port };
    if (ca) opts.ca = ca;
    // ESP8266 builds have no `tls`: fail through onClose like any other connect error. The name
    // is in a variable so no `require("tls")` literal reaches the upload file: the espruino CLI
    // would try to download a `tls` module for a board that lacks it.
    const moduleName = secure ? 'tls' : 'net';
    let net: EspruinoNet;
    try { net = require(moduleName); }
    catch (e) { net = null as unknown as EspruinoNet; }
    if (!net) {
      setTimeout(function () { self.finish(sink, 'TLS is not available in this firmware'); }, 0);
      this.socket = null as unknown as EspruinoSocket;
      return;
    }
    this.socket = net.connect(opts, function () { if (!self.done) sink.onOpen(); });
    this.socket.on('data', function (s: string) { if (!self.done) { const u = E.toUint8Array(s); sink.onData(u, 0, u.length); } });
    this.socket.on('error', function (err) { self.finish(sink, 'socket error ' + (err && (err.message || err.code))); });
    this.socket.on('close', function () { self.finish(sink, undefined); });
  }
  private finish(sink: TransportSink, reason: string | undefined): void {
    if (this.done) return;
    this.done = true;
    sink.onClose(reason);
  }
  write(buf: Uint8Array, start: number, end: number): void {
    if (this.done || !this.socket) return;
    this.socket.write(toByteString(buf, start, end));
  }
  close(): void {
    if (this.socket) this.socket.end();
  }
}

export interface EspruinoPlatformOptions { ca?: unknown }

export function createEspruinoPlatform(options?: EspruinoPlatformOptions): Platform {
  const ca = options ? options.ca : undefined;
  return {
    connect: function (host: string, port: number, secure: boolean, sink: TransportSink): Transport {
      return new EspruinoTransport(host, port, secure, sink, ca);
    },
    now: function () { return Date.now(); },
    setTimer: function (ms: number, fn: () => void) { return setTimeout(fn, ms); },
    clearTimer: function (h: unknown) { if (h !== undefined && h !== null) clearTimeout(h as number); },
    deviceId: function () { return getSerial(); },
  };
}
