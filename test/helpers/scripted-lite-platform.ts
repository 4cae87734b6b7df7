// A fake LitePlatform for driving the lite client (src/lite/client.ts) by hand on Node: a manual
// clock whose timers fire only when the test advances it, and links whose incoming bytes the
// test feeds and whose written bytes it reads back as packets parsed by mqtt-packet. mqtt-packet
// is an independent codec, so a wrong byte in what the client writes shows up as a parse error
// or a wrong field rather than being read back by the same mistake.
//
//   const p = new ScriptedLitePlatform();
//   const c = new LiteClient({ url: 'mqtt://broker', clientId: 'x', platform: p });
//   c.connect();
//   const link = p.last();        // the transport the client asked for
//   link.open();                  // TCP is up: the client writes CONNECT
//   link.feed(connack());         // broker answers (a byte string from mqtt-packet)
//   link.packets();               // every packet written since the last take, parsed
import mqttPacket from 'mqtt-packet';
import type { Packet, IPublishPacket } from 'mqtt-packet';
import type { LitePlatform, LiteSink, LiteTransport } from '../../src/lite/types.js';
import { ManualClock } from './manual-clock.js';

export type Bytes = string | ArrayLike<number>;

/** Bytes as a byte string (one char = one byte), the form the lite client speaks. */
export function byteString(b: Bytes): string {
  if (typeof b === 'string') return b;
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i] & 255);
  return s;
}

export class ScriptedLiteLink implements LiteTransport {
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  readonly sink: LiteSink;
  /** platform time when the client asked for this link */
  readonly createdAt: number;
  /** true once the client called end() */
  closedByClient: boolean;
  closedAt: number;
  /** true once the test called drop() (the link died from the far side) */
  dropped: boolean;
  /** writes the client made after it ended this link or after drop(): always a client bug */
  lateWrites: number;
  /** called synchronously inside every write(); to answer, use feedLater (a real socket never delivers inside write) */
  onWrite: ((data: string) => void) | null;
  private chunks: string[]; // every write, never forgotten
  private unread: string[]; // writes since the last take
  private readonly platform: ScriptedLitePlatform;

  constructor(platform: ScriptedLitePlatform, host: string, port: number, secure: boolean, sink: LiteSink) {
    this.platform = platform;
    this.host = host; this.port = port; this.secure = secure; this.sink = sink;
    this.createdAt = platform.time;
    this.closedByClient = false;
    this.closedAt = -1;
    this.dropped = false;
    this.lateWrites = 0;
    this.onWrite = null;
    this.chunks = [];
    this.unread = [];
  }

  // -- LiteTransport, called by the client --
  write(data: string): void {
    if (typeof data !== 'string') throw new Error('write() of a non-string: ' + typeof data);
    for (let i = 0; i < data.length; i++) {
      if (data.charCodeAt(i) > 255) throw new Error('write() of a char above 255 at ' + i + ': not a byte string');
    }
    if (this.closedByClient || this.dropped) this.lateWrites++;
    this.chunks.push(data);
    this.unread.push(data);
    this.platform.lastWriteAt = this.platform.time;
    if (this.onWrite !== null) this.onWrite(data);
  }
  end(): void {
    if (!this.closedByClient) { this.closedByClient = true; this.closedAt = this.platform.time; }
  }

  // -- the test plays the network (also on a link the client has left: late events) --
  open(): void { this.sink.onOpen(); }
  feed(bytes: Bytes): void { this.sink.onData(byteString(bytes)); }
  /** Delivers the bytes one onData call per byte. */
  feedBytewise(bytes: Bytes): void {
    const s = byteString(bytes);
    for (let i = 0; i < s.length; i++) this.sink.onData(s.charAt(i));
  }
  /** Feeds the bytes `ms` later on the platform clock, as a broker's answer arrives (never inside write()). */
  feedLater(bytes: Bytes, ms?: number): void {
    const s = byteString(bytes);
    this.platform.setTimer(ms === undefined ? 1 : ms, () => this.feed(s));
  }
  /** The link fails (refused, reset, TLS error...): the client's sink hears onClose(reason). */
  drop(reason?: string): void { this.dropped = true; this.sink.onClose(reason); }
  get isOpen(): boolean { return !this.closedByClient && !this.dropped; }

  /** The bytes written since the last take, as a byte string, and forget them. */
  take(): string {
    const s = this.unread.join('');
    this.unread = [];
    return s;
  }
  /** Every byte ever written on this link, taken or not. */
  get allWritten(): string { return this.chunks.join(''); }
  /** The bytes written since the last take, parsed into packets by mqtt-packet, and forget them. */
  packets(): Packet[] { return parsePackets(this.take()); }
  /** Just the command names written since the last take ('connect', 'publish', 'pingreq'...). */
  cmds(): string[] { return this.packets().map((p) => p.cmd); }
}

export class ScriptedLitePlatform extends ManualClock implements LitePlatform {
  links: ScriptedLiteLink[];
  deviceIdValue: string | undefined;
  /** time of the latest write on any link, -1 before any */
  lastWriteAt: number;

  constructor(deviceId?: string) {
    super();
    this.links = [];
    this.deviceIdValue = deviceId;
    this.lastWriteAt = -1;
    // deviceId is optional in LitePlatform: leave it out when the test gives none
    if (deviceId === undefined) (this as { deviceId?: unknown }).deviceId = undefined;
  }

  connect(host: string, port: number, secure: boolean, sink: LiteSink): LiteTransport {
    const l = new ScriptedLiteLink(this, host, port, secure, sink);
    this.links.push(l);
    return l;
  }
  deviceId(): string { return this.deviceIdValue === undefined ? '' : this.deviceIdValue; }

  /** The most recent link the client asked for. */
  last(): ScriptedLiteLink {
    if (this.links.length === 0) throw new Error('the client has not asked for a connection');
    return this.links[this.links.length - 1];
  }
  /** Sum of lateWrites over every link. */
  get lateWrites(): number {
    let n = 0;
    for (const l of this.links) n += l.lateWrites;
    return n;
  }

  /** Runs until the client asks for a new link; returns the ms that took, or -1 if it did not within maxMs. */
  untilNextLink(maxMs: number): number {
    const n = this.links.length;
    return this.runUntil(() => this.links.length > n, maxMs);
  }
}

// ---- client → broker: split by the fixed header, then parse each packet on its own ----

/** Splits a byte string into whole packets by their remaining length; throws on a partial tail. */
export function splitPackets(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    let mult = 1, len = 0, j = i + 1, d: number, n = 0;
    do {
      if (j >= s.length) throw new Error('incomplete fixed header in written bytes at ' + i);
      d = s.charCodeAt(j++); len += (d & 127) * mult; mult *= 128;
      if (++n > 4) throw new Error('remaining length over 4 bytes in written bytes at ' + i);
    } while ((d & 128) !== 0);
    if (j + len > s.length) throw new Error('incomplete packet in written bytes at ' + i + ' (' + hex(s.substring(i)) + ')');
    out.push(s.substring(i, j + len));
    i = j + len;
  }
  return out;
}

/** Parses one whole packet with mqtt-packet; throws unless exactly that one packet comes out. */
export function parsePacket(s: string): Packet {
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const out: Packet[] = [];
  let error: Error | null = null;
  parser.on('packet', (p: Packet) => out.push(p));
  parser.on('error', (e: Error) => { if (error === null) error = e; });
  const left = parser.parse(Buffer.from(s, 'latin1'));
  if (error !== null) throw new Error('mqtt-packet rejects ' + hex(s) + ': ' + (error as Error).message);
  if (out.length !== 1 || left !== 0) throw new Error('mqtt-packet read ' + out.length + ' packets, ' + left + ' bytes left, from ' + hex(s));
  return out[0];
}

export function parsePackets(s: string): Packet[] { return splitPackets(s).map(parsePacket); }

export function hex(s: string): string {
  const r: string[] = [];
  for (let i = 0; i < s.length && i < 64; i++) r.push(('0' + s.charCodeAt(i).toString(16)).slice(-2));
  return r.join(' ') + (s.length > 64 ? ' ...' : '');
}

/** A PUBLISH's payload as a byte string. */
export function payloadOf(p: IPublishPacket): string {
  return typeof p.payload === 'string' ? byteString(Buffer.from(p.payload, 'utf8')) : p.payload.toString('latin1');
}

// ---- broker → client, generated by mqtt-packet as byte strings ----

export function gen(p: Packet): string { return mqttPacket.generate(p, { protocolVersion: 4 }).toString('latin1'); }

export function connack(returnCode?: number, sessionPresent?: boolean): string {
  return gen({ cmd: 'connack', returnCode: returnCode === undefined ? 0 : returnCode, sessionPresent: sessionPresent === true });
}
export function puback(id: number): string { return gen({ cmd: 'puback', messageId: id }); }
export function suback(id: number, granted: number[]): string { return gen({ cmd: 'suback', messageId: id, granted: granted }); }
export function unsuback(id: number): string { return gen({ cmd: 'unsuback', messageId: id } as Packet); }
export function pingresp(): string { return gen({ cmd: 'pingresp' }); }

export interface PublishSpec { qos?: 0 | 1 | 2; id?: number; retain?: boolean; dup?: boolean }
/** A PUBLISH with a byte-string payload (each char one byte). */
export function publish(topic: string, payload: string, o?: PublishSpec): string {
  const qos = o && o.qos ? o.qos : 0;
  const p: IPublishPacket = {
    cmd: 'publish', topic: topic, payload: Buffer.from(payload, 'latin1'), qos: qos,
    retain: o !== undefined && o.retain === true, dup: o !== undefined && o.dup === true,
  };
  if (qos > 0) p.messageId = o && o.id !== undefined ? o.id : 1;
  return gen(p);
}
