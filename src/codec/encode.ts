// Encoders for every packet a client sends, into a caller-owned buffer at an offset.
// Each validates the user's input first (throwing MqttError before a byte is written), then
// returns -1 when the packet does not fit in buf[off..buf.length), else the end offset.
// Nothing here allocates unless it throws.
import { MqttError, INVALID_ARGUMENT, PACKET_TOO_LARGE, STRING_TOO_LONG } from '../errors.js';
import { MAX_REMAINING_LENGTH, MAX_STRING_BYTES } from './constants.js';
import { utf8Length, writeUtf8, validateTopicName, validateTopicFilter } from './utf8.js';

export interface Will { topic: string; payload: Uint8Array | string; qos: 0 | 1; retain: boolean }
export interface ConnectFields {
  clientId: string; cleanSession: boolean; keepalive: number;
  username?: string; password?: string | Uint8Array; will?: Will;
}

// Whole packet length for a remaining length; MQTT caps the remaining length (§2.2.3).
function total(rl: number, what: string): number {
  if (rl > MAX_REMAINING_LENGTH) {
    throw new MqttError(PACKET_TOO_LARGE, what + ' needs a remaining length of ' + rl + ' bytes; MQTT allows at most 268435455');
  }
  return 1 + (rl < 128 ? 1 : rl < 16384 ? 2 : rl < 2097152 ? 3 : 4) + rl;
}

// Writes the fixed header and returns where the body goes, or -1 when the whole packet does
// not fit in buf[off..buf.length).
function header(buf: Uint8Array, off: number, first: number, rl: number, what: string): number {
  const n = total(rl, what);
  if (!(off >= 0 && off + n <= buf.length)) return -1;
  buf[off++] = first;
  do {
    let b = rl & 127;
    rl = rl >>> 7;
    if (rl > 0) b |= 128;
    buf[off++] = b;
  } while (rl > 0);
  return off;
}

function dataLength(d: Uint8Array | string): number {
  return typeof d === 'string' ? utf8Length(d) : d.length;
}

// Length of a field with a 2-byte length prefix (string as UTF-8, or bytes).
function fieldLength(d: Uint8Array | string, what: string): number {
  const n = dataLength(d);
  if (n > MAX_STRING_BYTES) throw new MqttError(STRING_TOO_LONG, what + ' is ' + n + ' bytes; MQTT allows at most 65535');
  return n;
}

function writeU16(buf: Uint8Array, off: number, v: number): number {
  buf[off] = v >> 8;
  buf[off + 1] = v & 255;
  return off + 2;
}

function writeData(buf: Uint8Array, off: number, d: Uint8Array | string): number {
  if (typeof d === 'string') return writeUtf8(buf, off, d);
  for (let i = 0; i < d.length; i++) buf[off + i] = d[i];
  return off + d.length;
}

// The data after a 2-byte length prefix, filled in from what was written.
function writeField(buf: Uint8Array, off: number, d: Uint8Array | string): number {
  const end = writeData(buf, off + 2, d);
  writeU16(buf, off, end - off - 2);
  return end;
}

function checkPacketId(id: number): void {
  if (!(typeof id === 'number' && id >= 1 && id <= 65535 && id % 1 === 0)) {
    throw new MqttError('PACKET_ID_INVALID', 'packet id ' + id + ' is not an integer in 1..65535');
  }
}

function checkQos(qos: number, what: string): void {
  if (qos !== 0 && qos !== 1) throw new MqttError(INVALID_ARGUMENT, what + ' QoS ' + qos + ' is not supported; use 0 or 1');
}

// ---- CONNECT ----

// Protocol name "MQTT" with its length, then protocol level 4 (3.1.1).
const PROTOCOL = [0, 4, 0x4d, 0x51, 0x54, 0x54, 4];

function connectRl(o: ConnectFields): number {
  const k = o.keepalive;
  if (!(typeof k === 'number' && k >= 0 && k <= 65535 && k % 1 === 0)) {
    throw new MqttError(INVALID_ARGUMENT, 'keepalive ' + k + ' is not an integer number of seconds in 0..65535');
  }
  // 10 = protocol name and level (7) + flags + keepalive (2)
  let rl = 10 + 2 + fieldLength(o.clientId, 'client id');
  const w = o.will;
  if (w) {
    const tn = validateTopicName(w.topic);
    checkQos(w.qos, 'will');
    rl += 2 + tn + 2 + fieldLength(w.payload, 'will payload');
  }
  if (o.username !== undefined) rl += 2 + fieldLength(o.username, 'username');
  if (o.password !== undefined) {
    if (o.username === undefined) throw new MqttError(INVALID_ARGUMENT, 'a password needs a username in MQTT 3.1.1');
    rl += 2 + fieldLength(o.password, 'password');
  }
  return rl;
}

export function connectLength(o: ConnectFields): number {
  return total(connectRl(o), 'CONNECT');
}

export function encodeConnect(buf: Uint8Array, off: number, o: ConnectFields): number {
  let p = header(buf, off, 0x10, connectRl(o), 'CONNECT');
  if (p < 0) return -1;
  const w = o.will;
  let flags = o.cleanSession ? 0x02 : 0;
  if (w) flags |= 0x04 | (w.qos << 3) | (w.retain ? 0x20 : 0);
  if (o.username !== undefined) flags |= 0x80;
  if (o.password !== undefined) flags |= 0x40;
  for (let i = 0; i < PROTOCOL.length; i++) buf[p++] = PROTOCOL[i];
  buf[p++] = flags;
  p = writeField(buf, writeU16(buf, p, o.keepalive), o.clientId);
  if (w) p = writeField(buf, writeField(buf, p, w.topic), w.payload);
  if (o.username !== undefined) p = writeField(buf, p, o.username);
  if (o.password !== undefined) p = writeField(buf, p, o.password);
  return p;
}

// ---- PUBLISH ----

export function publishLength(topic: string, payload: Uint8Array | string, qos: number): number {
  return total(2 + utf8Length(topic) + (qos > 0 ? 2 : 0) + dataLength(payload), 'PUBLISH');
}

export function encodePublish(buf: Uint8Array, off: number, topic: string, payload: Uint8Array | string,
  qos: 0 | 1, retain: boolean, dup: boolean, packetId: number): number {
  const tn = validateTopicName(topic);
  checkQos(qos, 'PUBLISH');
  if (qos > 0) checkPacketId(packetId);
  // MQTT-3.3.1-2: DUP must be 0 for QoS 0, so asking for it is a mistake worth reporting.
  else if (dup) throw new MqttError(INVALID_ARGUMENT, 'DUP cannot be set on a QoS 0 PUBLISH');
  let p = header(buf, off, 0x30 | (dup ? 0x08 : 0) | (qos << 1) | (retain ? 1 : 0),
    2 + tn + (qos > 0 ? 2 : 0) + dataLength(payload), 'PUBLISH');
  if (p < 0) return -1;
  p = writeField(buf, p, topic);
  if (qos > 0) p = writeU16(buf, p, packetId);
  return writeData(buf, p, payload);
}

export function setDup(buf: Uint8Array, off: number): void {
  buf[off] = buf[off] | 0x08;
}

// ---- acknowledgements and control packets ----

export function encodePuback(buf: Uint8Array, off: number, packetId: number): number {
  checkPacketId(packetId);
  const p = header(buf, off, 0x40, 2, 'PUBACK');
  return p < 0 ? -1 : writeU16(buf, p, packetId);
}

export function encodePingreq(buf: Uint8Array, off: number): number {
  return header(buf, off, 0xc0, 0, 'PINGREQ');
}

export function encodeDisconnect(buf: Uint8Array, off: number): number {
  return header(buf, off, 0xe0, 0, 'DISCONNECT');
}

// ---- SUBSCRIBE / UNSUBSCRIBE ----

// SUBSCRIBE (sub: a QoS byte after each filter) or UNSUBSCRIBE.
function encodeFilters(buf: Uint8Array, off: number, packetId: number, filters: string[], qos: number[], sub: boolean): number {
  checkPacketId(packetId);
  const what = sub ? 'SUBSCRIBE' : 'UNSUBSCRIBE';
  if (!filters || filters.length === 0) throw new MqttError(INVALID_ARGUMENT, what + ' needs at least one topic filter');
  let rl = 2;
  for (let i = 0; i < filters.length; i++) rl += 2 + validateTopicFilter(filters[i]) + (sub ? 1 : 0);
  if (sub) {
    if (!qos || qos.length !== filters.length) {
      throw new MqttError(INVALID_ARGUMENT, 'SUBSCRIBE has ' + filters.length + ' filters but ' + (qos ? qos.length : 0) + ' QoS values');
    }
    for (let i = 0; i < qos.length; i++) checkQos(qos[i], 'SUBSCRIBE');
  }
  let p = header(buf, off, sub ? 0x82 : 0xa2, rl, what);
  if (p < 0) return -1;
  p = writeU16(buf, p, packetId);
  for (let i = 0; i < filters.length; i++) {
    p = writeField(buf, p, filters[i]);
    if (sub) buf[p++] = qos[i];
  }
  return p;
}

export function encodeSubscribe(buf: Uint8Array, off: number, packetId: number, filters: string[], qos: number[]): number {
  return encodeFilters(buf, off, packetId, filters, qos, true);
}

export function encodeUnsubscribe(buf: Uint8Array, off: number, packetId: number, filters: string[]): number {
  return encodeFilters(buf, off, packetId, filters, [], false);
}
