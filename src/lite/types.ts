// The public shapes of the lite client (src/lite/client.ts): the byte-string platform it runs on
// and its options. Strings here are byte strings (one char = one byte, 0-255), as Espruino's
// sockets deliver and accept them; on Node, the latin1 encoding gives the same thing.
import type { MqttError } from '../errors.js';

/**
 * What the client gives a platform for one link. The platform calls these as methods of the object
 * it was given (or of one made from it with Object.create): the methods are shared by every link,
 * and the object tells them which link an event belongs to.
 */
export interface LiteSink {
  onOpen(): void;
  /** bytes from the broker, any chunking */
  onData(data: string): void;
  onClose(reason?: string): void;
}

/** `end` rather than `close`: an Espruino socket is a LiteTransport as it is. */
export interface LiteTransport {
  write(data: string): void;
  /** close the link; the client ignores whatever this transport reports afterwards */
  end(): void;
}

export interface LitePlatform {
  /**
   * May throw (e.g. no TLS in this firmware): the client reports CONNECTION_LOST and retries.
   * The sink's callbacks must come later, from the engine's events, never from inside connect().
   */
  connect(host: string, port: number, secure: boolean, sink: LiteSink): LiteTransport;
  now(): number;
  setTimer(ms: number, fn: () => void): unknown;
  clearTimer(handle: unknown): void;
  /** the chip's id: in default client ids (the lite client's and the temperature app's) */
  deviceId?(): string;
}

export interface LiteWill { topic: string; payload: string; qos?: 0 | 1; retain?: boolean }

export interface LiteOptions {
  /**
   * mqtt://[user[:password]@]host[:port] or mqtts://...; user and password percent-decoded (a
   * malformed escape throws URIError); a path is ignored
   */
  url: string;
  /**
   * default: 'mqtt-' + platform.deviceId() + 6 random hex digits (Espruino's Math.random repeats its
   * sequence on every boot, so the chip's id keeps devices apart)
   */
  clientId?: string;
  /** override the URL's */
  username?: string; password?: string;
  /** seconds, default 60, 0 = off */
  keepalive?: number;
  will?: LiteWill;
  /** largest incoming packet kept (bytes, default 1024); larger PUBLISHes are skipped, PUBACKed, reported */
  receiveBufferSize?: number;
  /** largest packet sent (bytes, default 512, at most 65 535): a bigger publish is PACKET_TOO_LARGE */
  transmitBufferSize?: number;
  /**
   * bytes for QoS 1 PUBLISHes held until PUBACK, in flight and queued, taken at construction
   * (default 4096, at most 524 272); a message takes 7 + topic + payload bytes
   */
  outboxSize?: number;
  /** QoS 1 PUBLISHes awaiting PUBACK at once (default 8) */
  maxInflight?: number;
  platform: LitePlatform;
}

export interface LiteMessageInfo { qos: number; retain: boolean; dup: boolean }
export type LiteMessageHandler = (topic: string, payload: string, info: LiteMessageInfo) => void;
export type LiteErrorHandler = (e: MqttError) => void;
