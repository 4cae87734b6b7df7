// A fake Platform for driving the client (or an app built on it) by hand, inside XS or on Node:
// a manual clock, timers that fire only when the test advances time, and transports whose
// incoming bytes the test feeds and whose written bytes it reads back. No Node API here.
//
//   const p = new ScriptedPlatform();
//   const c = new MqttClient({ url: 'mqtt://u:p@broker', platform: p });
//   c.connect();
//   const link = p.last();           // the transport the client asked for
//   link.open();                     // TCP is up: the client writes CONNECT
//   link.feed(connack());            // broker answers
//   p.advance(0);                    // run zero-delay timers (deferred callbacks)
//   link.packets();                  // every packet the client wrote since the last take
import type { Platform, Transport, TransportSink } from '../../src/client.js';
import { ManualClock } from './manual-clock.js';

export class ScriptedLink implements Transport {
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  readonly sink: TransportSink;
  /** true once the client called close() */
  closedByClient: boolean;
  /** true once the test called drop() (the link died from the far side) */
  dropped: boolean;
  /** called synchronously inside every write(), e.g. to play a broker that answers at once */
  onWrite: ((bytes: Uint8Array) => void) | null;
  private written: number[];

  constructor(host: string, port: number, secure: boolean, sink: TransportSink) {
    this.host = host; this.port = port; this.secure = secure; this.sink = sink;
    this.closedByClient = false;
    this.dropped = false;
    this.onWrite = null;
    this.written = [];
  }

  // -- Transport, called by the client --
  write(buf: Uint8Array, start: number, end: number): void {
    if (this.closedByClient) throw new Error('write after close');
    for (let i = start; i < end; i++) this.written.push(buf[i]);
    if (this.onWrite !== null) this.onWrite(buf.slice(start, end));
  }
  close(): void { this.closedByClient = true; }

  // -- the test plays the network --
  open(): void { this.sink.onOpen(); }
  feed(bytes: ArrayLike<number>): void {
    const u = new Uint8Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) u[i] = bytes[i];
    this.sink.onData(u, 0, u.length);
  }
  /** The link fails (refused, reset, TLS error...): the client's sink hears onClose(reason). */
  drop(reason?: string): void { this.dropped = true; this.sink.onClose(reason); }
  get isOpen(): boolean { return !this.closedByClient && !this.dropped; }

  /** All bytes written since the last take, and forget them. */
  take(): Uint8Array {
    const u = new Uint8Array(this.written);
    this.written = [];
    return u;
  }
  /** The written bytes split into whole packets (each with its fixed header), and forget them. */
  packets(): Uint8Array[] { return splitPackets(this.take()); }
  /** Just the packet types written (1 CONNECT, 3 PUBLISH, 8 SUBSCRIBE, 14 DISCONNECT...). */
  types(): number[] {
    const ps = this.packets(), r: number[] = [];
    for (let i = 0; i < ps.length; i++) r.push(ps[i][0] >> 4);
    return r;
  }
}

export class ScriptedPlatform extends ManualClock implements Platform {
  links: ScriptedLink[];
  deviceIdValue: string;
  /** when set, connect() throws this instead of returning a link */
  connectThrows: unknown;

  constructor(deviceId?: string) {
    super();
    this.links = [];
    this.deviceIdValue = deviceId === undefined ? '' : deviceId;
    this.connectThrows = undefined;
  }

  connect(host: string, port: number, secure: boolean, sink: TransportSink): Transport {
    if (this.connectThrows !== undefined) throw this.connectThrows;
    const l = new ScriptedLink(host, port, secure, sink);
    this.links.push(l);
    return l;
  }
  deviceId(): string { return this.deviceIdValue; }

  /** The most recent link the client asked for. */
  last(): ScriptedLink {
    if (this.links.length === 0) throw new Error('the client has not asked for a connection');
    return this.links[this.links.length - 1];
  }
}

// ---- packets: a tiny independent encoder/decoder, so client tests do not trust the codec ----

function utf8(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
    }
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return out;
}

function fromUtf8(b: ArrayLike<number>, s: number, e: number): string {
  let r = '';
  for (let i = s; i < e; i++) {
    const c = b[i];
    let cp: number;
    if (c < 0x80) cp = c;
    else if (c < 0xe0) cp = ((c & 31) << 6) | (b[++i] & 63);
    else if (c < 0xf0) { cp = ((c & 15) << 12) | ((b[i + 1] & 63) << 6) | (b[i + 2] & 63); i += 2; }
    else { cp = ((c & 7) << 18) | ((b[i + 1] & 63) << 12) | ((b[i + 2] & 63) << 6) | (b[i + 3] & 63); i += 3; }
    if (cp >= 0x10000) { cp -= 0x10000; r += String.fromCharCode(0xd800 + (cp >> 10), 0xdc00 + (cp & 1023)); }
    else r += String.fromCharCode(cp);
  }
  return r;
}

export function bytesOf(s: string): number[] { return utf8(s); }
export function textOf(b: ArrayLike<number>): string { return fromUtf8(b, 0, b.length); }

function packet(first: number, body: number[]): number[] {
  const out = [first];
  let n = body.length;
  do { let d = n & 127; n = n >>> 7; if (n > 0) d |= 128; out.push(d); } while (n > 0);
  for (let i = 0; i < body.length; i++) out.push(body[i]);
  return out;
}

function str(s: string): number[] {
  const b = utf8(s);
  const r = [b.length >> 8, b.length & 255];
  for (let i = 0; i < b.length; i++) r.push(b[i]);
  return r;
}

// broker → client
export function connack(sessionPresent?: boolean, returnCode?: number): number[] {
  return [0x20, 2, sessionPresent ? 1 : 0, returnCode ? returnCode : 0];
}
export function puback(id: number): number[] { return [0x40, 2, id >> 8, id & 255]; }
export function suback(id: number, codes: number[]): number[] { return packet(0x90, [id >> 8, id & 255].concat(codes)); }
export function unsuback(id: number): number[] { return [0xb0, 2, id >> 8, id & 255]; }
export function pingresp(): number[] { return [0xd0, 0]; }
export function publish(topic: string, payload: string | number[], qos?: number, id?: number, retain?: boolean, dup?: boolean): number[] {
  const q = qos ? qos : 0;
  let body = str(topic);
  if (q > 0) body.push(((id ? id : 1) >> 8) & 255, (id ? id : 1) & 255);
  body = body.concat(typeof payload === 'string' ? utf8(payload) : payload);
  return packet(0x30 | (dup ? 8 : 0) | (q << 1) | (retain ? 1 : 0), body);
}

// client → broker
export function splitPackets(b: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let i = 0;
  while (i < b.length) {
    let mult = 1, len = 0, j = i + 1, d: number;
    do { d = b[j++]; len += (d & 127) * mult; mult *= 128; } while ((d & 128) !== 0 && j < b.length);
    if (j + len > b.length) throw new Error('incomplete packet in written bytes at ' + i);
    out.push(b.subarray(i, j + len));
    i = j + len;
  }
  return out;
}

function bodyStart(p: Uint8Array): number {
  let j = 1;
  while ((p[j] & 128) !== 0) j++;
  return j + 1;
}

export interface ConnectInfo {
  protocol: string; level: number; clientId: string; clean: boolean; keepalive: number;
  username?: string; password?: string;
  will?: { topic: string; payload: string; qos: number; retain: boolean };
}

export function parseConnect(p: Uint8Array): ConnectInfo {
  if (p[0] !== 0x10) throw new Error('not a CONNECT: first byte ' + p[0]);
  let i = bodyStart(p);
  function s(): string { const n = (p[i] << 8) | p[i + 1]; const r = fromUtf8(p, i + 2, i + 2 + n); i += 2 + n; return r; }
  const protocol = s();
  const level = p[i++];
  const flags = p[i++];
  const keepalive = (p[i] << 8) | p[i + 1];
  i += 2;
  const r: ConnectInfo = { protocol: protocol, level: level, clientId: s(), clean: (flags & 2) !== 0, keepalive: keepalive };
  if (flags & 4) {
    const topic = s();
    r.will = { topic: topic, payload: s(), qos: (flags >> 3) & 3, retain: (flags & 32) !== 0 };
  }
  if (flags & 128) r.username = s();
  if (flags & 64) r.password = s();
  return r;
}

export interface PublishInfo { topic: string; payload: string; qos: number; id: number; retain: boolean; dup: boolean }
export function parsePublish(p: Uint8Array): PublishInfo {
  if ((p[0] >> 4) !== 3) throw new Error('not a PUBLISH: first byte ' + p[0]);
  let i = bodyStart(p);
  const n = (p[i] << 8) | p[i + 1];
  const topic = fromUtf8(p, i + 2, i + 2 + n);
  i += 2 + n;
  const qos = (p[0] >> 1) & 3;
  let id = 0;
  if (qos > 0) { id = (p[i] << 8) | p[i + 1]; i += 2; }
  return { topic: topic, payload: fromUtf8(p, i, p.length), qos: qos, id: id, retain: (p[0] & 1) !== 0, dup: (p[0] & 8) !== 0 };
}

/** SUBSCRIBE → id and filters with QoS; UNSUBSCRIBE → id and filters (qos empty). */
export function parseSubscribe(p: Uint8Array): { id: number; filters: string[]; qos: number[] } {
  const type = p[0] >> 4;
  if (type !== 8 && type !== 10) throw new Error('not a SUBSCRIBE/UNSUBSCRIBE: first byte ' + p[0]);
  let i = bodyStart(p);
  const id = (p[i] << 8) | p[i + 1];
  i += 2;
  const filters: string[] = [], qos: number[] = [];
  while (i < p.length) {
    const n = (p[i] << 8) | p[i + 1];
    filters.push(fromUtf8(p, i + 2, i + 2 + n));
    i += 2 + n;
    if (type === 8) qos.push(p[i++]);
  }
  return { id: id, filters: filters, qos: qos };
}
