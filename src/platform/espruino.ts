// Espruino adapter for the lite client. A `net`/`tls` socket already speaks byte strings and has
// the write/end of a LiteTransport, so it is returned as it is. Its events reach the client's
// sink through functions made once, at the top level: Espruino calls a socket's listeners with
// `this` set to the socket, which carries its sink. (Closures made per connection would cost the
// chip memory each time; see src/lite/client.ts.) Only 'close' is listened to: it follows every
// 'error' (which passes {code, message}, and then 'close' passes true), and the reason would only
// go into the error's message, which the Espruino build strips.
import type { LitePlatform, LiteSink, LiteTransport } from '../lite/types.js';

export interface EspruinoPlatformOptions { ca?: unknown }

interface SocketWithSink extends EspruinoSocket { s: LiteSink }
interface PlatformWithCa extends LitePlatform { ca?: unknown }

function opened(this: SocketWithSink): void { this.s.onOpen(); }
function received(this: SocketWithSink, data: string): void { this.s.onData(data); }
function closed(this: SocketWithSink): void { this.s.onClose(); }

function connect(this: PlatformWithCa, host: string, port: number, secure: boolean, sink: LiteSink): LiteTransport {
  // The module name is in a variable so no `require("tls")` literal reaches the upload file:
  // the espruino CLI would try to download a `tls` module for a board that lacks it. Where there
  // is no tls (ESP8266), require throws, and so does connect() when it cannot even create the
  // socket (Espruino on Linux, with nothing listening): the client reports CONNECTION_LOST.
  const name = secure ? 'tls' : 'net';
  const o: { host: string; port: number; ca?: unknown } = { host: host, port: port };
  if (this.ca) o.ca = this.ca;
  const socket = (require(name) as EspruinoNet).connect(o, opened) as SocketWithSink;
  socket.s = sink;
  socket.on('data', received);
  socket.on('close', closed);
  return socket;
}

function setTimer(ms: number, fn: () => void): unknown { return setTimeout(fn, ms); }

/** The platform, made once (a board uses it as it is). */
export const espruinoPlatform: LitePlatform = {
  connect: connect,
  now: Date.now, // a static native: it needs no `this`
  setTimer: setTimer,
  clearTimer: clearTimeout as (h: unknown) => void,
  deviceId: getSerial,
};

/** The platform; with `ca`, one whose TLS connections check the broker against that CA. */
export function createEspruinoPlatform(options?: EspruinoPlatformOptions): LitePlatform {
  if (!options || !options.ca) return espruinoPlatform;
  const p = Object.create(espruinoPlatform) as PlatformWithCa;
  p.ca = options.ca;
  return p;
}
