// Encoders for every packet a client sends, into a caller-owned buffer at an offset.
// Each validates the user's input first (throwing MqttError before a byte is written), then
// returns -1 when the packet does not fit in buf[off..buf.length), else the end offset.
// Nothing here allocates unless it throws.
import { MqttError } from '../errors.js';
import { MAX_REMAINING_LENGTH, MAX_STRING_BYTES } from './constants.js';
import { utf8Length, writeUtf8, validateTopicName, validateTopicFilter } from './utf8.js';

export interface Will { topic: string; payload: Uint8Array | string; qos: 0 | 1; retain: boolean }
export interface ConnectFields {
  clientId: string; cleanSession: boolean; keepalive: number;
  username?: string; password?: string | Uint8Array; will?: Will;
}

function rlSize(n: number): number {
  return n < 128 ? 1 : n < 16384 ? 2 : n < 2097152 ? 3 : 4;
}

function writeHeader(buf: Uint8Array, off: number, first: number, rl: number): number {
  buf[off++] = first;
  do {
    let b = rl & 127;
    rl = rl >>> 7;
    if (rl > 0) b |= 128;
    buf[off++] = b;
  } while (rl > 0);
  return off;
}

function checkRl(rl: number, what: string): number {
  if (rl > MAX_REMAINING_LENGTH) {
    throw new MqttError('PACKET_TOO_LARGE', what + ' needs a remaining length of ' + rl + ' bytes; MQTT allows at most 268435455');
  }
  return 1 + rlSize(rl) + rl;
}

function fits(buf: Uint8Array, off: number, total: number): boolean {
  return off >= 0 && off + total <= buf.length;
}

function stringBytes(s: string, what: string): number {
  const n = utf8Length(s);
  if (n > MAX_STRING_BYTES) throw new MqttError('STRING_TOO_LONG', what + ' is ' + n + ' bytes of UTF-8; MQTT allows at most 65535');
  return n;
}

function dataBytes(d: Uint8Array | string): number {
  return typeof d === 'string' ? utf8Length(d) : d.length;
}

function writeU16(buf: Uint8Array, off: number, v: number): number {
  buf[off] = v >> 8;
  buf[off + 1] = v & 255;
  return off + 2;
}

function writeString(buf: Uint8Array, off: number, s: string, n: number): number {
  writeU16(buf, off, n);
  return writeUtf8(buf, off + 2, s);
}

function writeData(buf: Uint8Array, off: number, d: Uint8Array | string, n: number): number {
  if (typeof d === 'string') return writeUtf8(buf, off, d);
  for (let i = 0; i < n; i++) buf[off + i] = d[i];
  return off + n;
}

function checkPacketId(id: number): void {
  if (!(typeof id === 'number' && id >= 1 && id <= 65535 && id % 1 === 0)) {
    throw new MqttError('PACKET_ID_INVALID', 'packet id ' + id + ' is not an integer in 1..65535');
  }
}

function checkQos(qos: number, what: string): void {
  if (qos !== 0 && qos !== 1) throw new MqttError('INVALID_ARGUMENT', what + ' QoS ' + qos + ' is not supported; use 0 or 1');
}

// ---- CONNECT ----

function connectRl(o: ConnectFields): number {
  const k = o.keepalive;
  if (!(typeof k === 'number' && k >= 0 && k <= 65535 && k % 1 === 0)) {
    throw new MqttError('INVALID_ARGUMENT', 'keepalive ' + k + ' is not an integer number of seconds in 0..65535');
  }
  // 10 = protocol name (2 + 4) + level + flags + keepalive (2)
  let rl = 10 + 2 + stringBytes(o.clientId, 'client id');
  const w = o.will;
  if (w) {
    validateTopicName(w.topic);
    checkQos(w.qos, 'will');
    const pn = dataBytes(w.payload);
    if (pn > MAX_STRING_BYTES) throw new MqttError('STRING_TOO_LONG', 'will payload is ' + pn + ' bytes; MQTT allows at most 65535');
    rl += 2 + utf8Length(w.topic) + 2 + pn;
  }
  if (o.username !== undefined) rl += 2 + stringBytes(o.username, 'username');
  if (o.password !== undefined) {
    if (o.username === undefined) throw new MqttError('INVALID_ARGUMENT', 'a password needs a username in MQTT 3.1.1');
    const pn = dataBytes(o.password);
    if (pn > MAX_STRING_BYTES) throw new MqttError('STRING_TOO_LONG', 'password is ' + pn + ' bytes; MQTT allows at most 65535');
    rl += 2 + pn;
  }
  return rl;
}

export function connectLength(o: ConnectFields): number {
  return checkRl(connectRl(o), 'CONNECT');
}

export function encodeConnect(buf: Uint8Array, off: number, o: ConnectFields): number {
  const rl = connectRl(o);
  if (!fits(buf, off, checkRl(rl, 'CONNECT'))) return -1;
  const w = o.will;
  let flags = o.cleanSession ? 0x02 : 0;
  if (w) flags |= 0x04 | (w.qos << 3) | (w.retain ? 0x20 : 0);
  if (o.username !== undefined) flags |= 0x80;
  if (o.password !== undefined) flags |= 0x40;
  let p = writeHeader(buf, off, 0x10, rl);
  buf[p++] = 0; buf[p++] = 4;
  buf[p++] = 0x4d; buf[p++] = 0x51; buf[p++] = 0x54; buf[p++] = 0x54; // "MQTT"
  buf[p++] = 4; // protocol level 3.1.1
  buf[p++] = flags;
  p = writeU16(buf, p, o.keepalive);
  p = writeString(buf, p, o.clientId, utf8Length(o.clientId));
  if (w) {
    p = writeString(buf, p, w.topic, utf8Length(w.topic));
    const pn = dataBytes(w.payload);
    p = writeData(buf, writeU16(buf, p, pn), w.payload, pn);
  }
  if (o.username !== undefined) p = writeString(buf, p, o.username, utf8Length(o.username));
  if (o.password !== undefined) {
    const pn = dataBytes(o.password);
    p = writeData(buf, writeU16(buf, p, pn), o.password, pn);
  }
  return p;
}

// ---- PUBLISH ----

function publishRl(tn: number, pn: number, qos: number): number {
  return 2 + tn + (qos > 0 ? 2 : 0) + pn;
}

export function publishLength(topic: string, payload: Uint8Array | string, qos: number): number {
  return checkRl(publishRl(utf8Length(topic), dataBytes(payload), qos), 'PUBLISH');
}

export function encodePublish(buf: Uint8Array, off: number, topic: string, payload: Uint8Array | string,
  qos: 0 | 1, retain: boolean, dup: boolean, packetId: number): number {
  validateTopicName(topic);
  checkQos(qos, 'PUBLISH');
  if (qos > 0) checkPacketId(packetId);
  // MQTT-3.3.1-2: DUP must be 0 for QoS 0, so asking for it is a mistake worth reporting.
  else if (dup) throw new MqttError('INVALID_ARGUMENT', 'DUP cannot be set on a QoS 0 PUBLISH');
  const tn = utf8Length(topic);
  const pn = dataBytes(payload);
  const rl = publishRl(tn, pn, qos);
  if (!fits(buf, off, checkRl(rl, 'PUBLISH'))) return -1;
  let p = writeHeader(buf, off, 0x30 | (dup ? 0x08 : 0) | (qos << 1) | (retain ? 1 : 0), rl);
  p = writeString(buf, p, topic, tn);
  if (qos > 0) p = writeU16(buf, p, packetId);
  return writeData(buf, p, payload, pn);
}

export function setDup(buf: Uint8Array, off: number): void {
  buf[off] = buf[off] | 0x08;
}

// ---- acknowledgements and control packets ----

export function encodePuback(buf: Uint8Array, off: number, packetId: number): number {
  checkPacketId(packetId);
  if (!fits(buf, off, 4)) return -1;
  buf[off] = 0x40; buf[off + 1] = 2;
  return writeU16(buf, off + 2, packetId);
}

export function encodePingreq(buf: Uint8Array, off: number): number {
  if (!fits(buf, off, 2)) return -1;
  buf[off] = 0xc0; buf[off + 1] = 0;
  return off + 2;
}

export function encodeDisconnect(buf: Uint8Array, off: number): number {
  if (!fits(buf, off, 2)) return -1;
  buf[off] = 0xe0; buf[off + 1] = 0;
  return off + 2;
}

// ---- SUBSCRIBE / UNSUBSCRIBE ----

function filtersRl(filters: string[], perFilter: number, what: string): number {
  if (!filters || filters.length === 0) throw new MqttError('INVALID_ARGUMENT', what + ' needs at least one topic filter');
  let rl = 2;
  for (let i = 0; i < filters.length; i++) {
    validateTopicFilter(filters[i]);
    rl += 2 + utf8Length(filters[i]) + perFilter;
  }
  return rl;
}

export function encodeSubscribe(buf: Uint8Array, off: number, packetId: number, filters: string[], qos: number[]): number {
  checkPacketId(packetId);
  const rl = filtersRl(filters, 1, 'SUBSCRIBE');
  if (!qos || qos.length !== filters.length) {
    throw new MqttError('INVALID_ARGUMENT', 'SUBSCRIBE has ' + filters.length + ' filters but ' + (qos ? qos.length : 0) + ' QoS values');
  }
  for (let i = 0; i < qos.length; i++) checkQos(qos[i], 'SUBSCRIBE');
  if (!fits(buf, off, checkRl(rl, 'SUBSCRIBE'))) return -1;
  let p = writeU16(buf, writeHeader(buf, off, 0x82, rl), packetId);
  for (let i = 0; i < filters.length; i++) {
    p = writeString(buf, p, filters[i], utf8Length(filters[i]));
    buf[p++] = qos[i];
  }
  return p;
}

export function encodeUnsubscribe(buf: Uint8Array, off: number, packetId: number, filters: string[]): number {
  checkPacketId(packetId);
  const rl = filtersRl(filters, 0, 'UNSUBSCRIBE');
  if (!fits(buf, off, checkRl(rl, 'UNSUBSCRIBE'))) return -1;
  let p = writeU16(buf, writeHeader(buf, off, 0xa2, rl), packetId);
  for (let i = 0; i < filters.length; i++) p = writeString(buf, p, filters[i], utf8Length(filters[i]));
  return p;
}
