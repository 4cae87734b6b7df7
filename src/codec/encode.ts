// Encoders for the packets a client builds from user input: CONNECT, PUBLISH, SUBSCRIBE and
// UNSUBSCRIBE, into a caller-owned buffer at an offset. Each validates its input first (throwing
// MqttError before a byte is written); given a null buffer it returns the packet's whole size,
// else -1 when the packet does not fit in buf[off..buf.length), else the end offset. Nothing here
// allocates unless it throws.
// The session writes the fixed 2- and 4-byte packets (PUBACK, PINGREQ, DISCONNECT) itself, and
// its per-message PUBLISH path reuses a topic encoded once (session.ts); this general encoder
// serves the other publishes (a new topic, a message larger than the transmit buffer).
import { MqttError, INVALID_ARGUMENT, PACKET_TOO_LARGE, STRING_TOO_LONG } from '../errors.js';
import { MAX_REMAINING_LENGTH, MAX_STRING_BYTES } from './constants.js';
import { utf8Length, writeUtf8, validateTopic } from './utf8.js';

export interface Will { topic: string; payload: Uint8Array | string; qos: 0 | 1; retain: boolean }
export interface ConnectFields {
  clientId: string; cleanSession: boolean; keepalive: number;
  username?: string; password?: string | Uint8Array; will?: Will;
}

/** Bytes of a whole packet with remaining length rl; MQTT caps rl (§2.2.3). */
export function packetSize(rl: number, what: string): number {
  if (rl > MAX_REMAINING_LENGTH) {
    throw new MqttError(PACKET_TOO_LARGE, what + ' needs a remaining length of ' + rl + ' bytes; MQTT allows at most 268435455');
  }
  return 1 + (rl < 128 ? 1 : rl < 16384 ? 2 : rl < 2097152 ? 3 : 4) + rl;
}

// Writes the fixed header and returns where the body goes; with no buffer, the packet's size
// (negated, to tell it apart); -1 when the packet does not fit.
function header(buf: Uint8Array | null, off: number, first: number, rl: number, what: string): number {
  const n = packetSize(rl, what);
  if (buf === null) return -n;
  if (!(off >= 0 && off + n <= buf.length)) return -1;
  buf[off++] = first;
  do {
    const b = rl & 127;
    rl = rl >>> 7;
    buf[off++] = rl > 0 ? b | 128 : b;
  } while (rl > 0);
  return off;
}

// Length of d (UTF-8 for a string) when it must fit a 2-byte length prefix.
function fieldLength(d: Uint8Array | string, what: string): number {
  const n = typeof d === 'string' ? utf8Length(d) : d.length;
  if (n > MAX_STRING_BYTES) throw new MqttError(STRING_TOO_LONG, what + ' is ' + n + ' bytes; MQTT allows at most 65535');
  return n;
}

// Writes d (UTF-8 for a string) at off, behind a 2-byte length prefix when `prefixed`.
function writeData(buf: Uint8Array, off: number, d: Uint8Array | string, prefixed: boolean): number {
  const p = prefixed ? off + 2 : off;
  let end: number;
  if (typeof d === 'string') end = writeUtf8(buf, p, d);
  else { buf.set(d, p); end = p + d.length; }
  if (prefixed) { buf[off] = (end - p) >> 8; buf[off + 1] = (end - p) & 255; }
  return end;
}

function checkQos(qos: number, what: string): void {
  if (qos !== 0 && qos !== 1) throw new MqttError(INVALID_ARGUMENT, what + ' QoS ' + qos + ' is not supported; use 0 or 1');
}

function checkPacketId(id: number): void {
  if (!(id >= 1 && id <= 65535 && id % 1 === 0)) {
    throw new MqttError('PACKET_ID_INVALID', 'packet id ' + id + ' is not an integer in 1..65535');
  }
}

export function encodeConnect(buf: Uint8Array | null, off: number, o: ConnectFields): number {
  const k = o.keepalive, w = o.will;
  if (!(k >= 0 && k <= 65535 && k % 1 === 0)) {
    throw new MqttError(INVALID_ARGUMENT, 'keepalive ' + k + ' is not a whole number of seconds in 0..65535');
  }
  // protocol name (6) and level (1), flags (1), keepalive (2), client id length (2)
  let rl = 12 + fieldLength(o.clientId, 'client id');
  if (w) {
    checkQos(w.qos, 'will');
    rl += 4 + validateTopic(w.topic, false) + fieldLength(w.payload, 'will payload');
  }
  if (o.username !== undefined) rl += 2 + fieldLength(o.username, 'username');
  if (o.password !== undefined) {
    if (o.username === undefined) throw new MqttError(INVALID_ARGUMENT, 'a password needs a username in MQTT 3.1.1');
    rl += 2 + fieldLength(o.password, 'password');
  }
  let p = header(buf, off, 0x10, rl, 'CONNECT');
  if (buf === null || p < 0) return buf === null ? -p : -1;
  // "MQTT" with its length, level 4 (3.1.1), then the flags
  buf[p++] = 0; buf[p++] = 4; buf[p++] = 0x4d; buf[p++] = 0x51; buf[p++] = 0x54; buf[p++] = 0x54; buf[p++] = 4;
  buf[p++] = (o.cleanSession ? 0x02 : 0) | (w ? 0x04 | (w.qos << 3) | (w.retain ? 0x20 : 0) : 0) |
    (o.username !== undefined ? 0x80 : 0) | (o.password !== undefined ? 0x40 : 0);
  buf[p++] = k >> 8; buf[p++] = k & 255;
  p = writeData(buf, p, o.clientId, true);
  if (w) p = writeData(buf, writeData(buf, p, w.topic, true), w.payload, true);
  if (o.username !== undefined) p = writeData(buf, p, o.username, true);
  if (o.password !== undefined) p = writeData(buf, p, o.password, true);
  return p;
}

export function encodePublish(buf: Uint8Array | null, off: number, topic: string, payload: Uint8Array | string,
  qos: number, retain: boolean, dup: boolean, packetId: number): number {
  checkQos(qos, 'PUBLISH');
  if (qos > 0) checkPacketId(packetId);
  // MQTT-3.3.1-2: DUP must be 0 for QoS 0, so asking for it is a mistake worth reporting.
  else if (dup) throw new MqttError(INVALID_ARGUMENT, 'DUP cannot be set on a QoS 0 PUBLISH');
  const rl = 2 + validateTopic(topic, false) + (qos > 0 ? 2 : 0) + (typeof payload === 'string' ? utf8Length(payload) : payload.length);
  let p = header(buf, off, 0x30 | (dup ? 0x08 : 0) | (qos << 1) | (retain ? 1 : 0), rl, 'PUBLISH');
  if (buf === null || p < 0) return buf === null ? -p : -1;
  p = writeData(buf, p, topic, true);
  if (qos > 0) { buf[p++] = packetId >> 8; buf[p++] = packetId & 255; }
  return writeData(buf, p, payload, false);
}

/** SUBSCRIBE (with one QoS per filter) or, with qos null, UNSUBSCRIBE. */
export function encodeFilters(buf: Uint8Array | null, off: number, packetId: number, filters: string[], qos: number[] | null): number {
  checkPacketId(packetId);
  const what = qos ? 'SUBSCRIBE' : 'UNSUBSCRIBE';
  if (!filters || filters.length === 0) throw new MqttError(INVALID_ARGUMENT, what + ' needs at least one topic filter');
  if (qos && qos.length !== filters.length) {
    throw new MqttError(INVALID_ARGUMENT, 'SUBSCRIBE has ' + filters.length + ' filters but ' + qos.length + ' QoS values');
  }
  let rl = 2;
  for (let i = 0; i < filters.length; i++) {
    rl += 2 + validateTopic(filters[i], true);
    if (qos) { checkQos(qos[i], 'SUBSCRIBE'); rl++; }
  }
  let p = header(buf, off, qos ? 0x82 : 0xa2, rl, what);
  if (buf === null || p < 0) return buf === null ? -p : -1;
  buf[p++] = packetId >> 8; buf[p++] = packetId & 255;
  for (let i = 0; i < filters.length; i++) {
    p = writeData(buf, p, filters[i], true);
    if (qos) buf[p++] = qos[i];
  }
  return p;
}
