// Espruino adapter for the lite client. A `net`/`tls` socket already speaks byte strings and has
// the write/end of a LiteTransport, so it is returned as it is, and the sink's callbacks are the
// socket's listeners (the client ignores events from a socket it has ended, and what 'close' or
// 'error' passes is only the text of a message that the Espruino build strips anyway).
import type { LitePlatform, LiteSink, LiteTransport } from '../lite/types.js';

export interface EspruinoPlatformOptions { ca?: unknown }

export function createEspruinoPlatform(options?: EspruinoPlatformOptions): LitePlatform {
  const ca = options && options.ca;
  return {
    connect: function (host: string, port: number, secure: boolean, sink: LiteSink): LiteTransport {
      // The module name is in a variable so no `require("tls")` literal reaches the upload file:
      // the espruino CLI would try to download a `tls` module for a board that lacks it. Where
      // there is no tls (ESP8266), require throws and the client reports CONNECTION_LOST.
      const name = secure ? 'tls' : 'net';
      const socket = (require(name) as EspruinoNet).connect({ host: host, port: port, ca: ca }, sink.onOpen);
      socket.on('data', sink.onData);
      socket.on('error', sink.onClose as (e: unknown) => void);
      socket.on('close', sink.onClose as (e: unknown) => void);
      return socket;
    },
    now: Date.now, // a static native: it needs no `this`
    setTimer: function (ms: number, fn: () => void) { return setTimeout(fn, ms); },
    clearTimer: clearTimeout as (h: unknown) => void,
    deviceId: getSerial,
  };
}
