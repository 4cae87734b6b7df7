// Incremental decoder for the packets a client receives, over one fixed receive buffer.
// Parse state lives in fields so any chunking works (1-byte chunks, a remaining length split
// across chunks, several packets per chunk). The whole packet, fixed header included, is copied
// to buf[0..); offsets below point into it. Nothing is allocated on the success path.
//
// Oversize PUBLISH policy: when the packet is larger than buf, the first buf.length bytes are
// kept (the topic, when it fits), the rest is drained without storing, and feed() reports
// DECODE_DROPPED with type/qos/retain/dup/packetId/remainingLength and, when it fitted, the
// topic; when the topic did not fit, topicStart === topicEnd. The packet id is caught while
// draining, so a dropped QoS 1 message can still be acknowledged.
//
// Errors never throw out of feed(): result becomes DECODE_ERROR, `error` says why, and feed()
// consumes all input given to it from then on until reset().
import { MqttError } from '../errors.js';
import type { MqttErrorCode } from '../errors.js';
import {
  CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK, PINGRESP, PACKET_NAMES,
} from './constants.js';
import { readUtf8, checkTopicBytes, TOPIC_OK, TOPIC_BAD_UTF8, TOPIC_NUL } from './utf8.js';

export const DECODE_NEED_MORE = 0;
export const DECODE_PACKET = 1;
export const DECODE_DROPPED = 2;
export const DECODE_ERROR = 3;

// Room for a 5-byte fixed header plus a PUBLISH topic length, so an oversize PUBLISH can
// always be described.
export const MIN_DECODER_BUFFER = 8;

const S_HEADER = 0, S_LENGTH = 1, S_BODY = 2, S_ERROR = 3;

export class Decoder {
  readonly buf: Uint8Array;
  result: number;
  error: MqttError | null;
  type: number; flags: number; remainingLength: number;
  sessionPresent: boolean; returnCode: number;
  qos: number; retain: boolean; dup: boolean; packetId: number;
  topicStart: number; topicEnd: number;
  payloadStart: number; payloadEnd: number;

  private state: number;
  private mul: number; // weight of the next remaining-length byte
  private hdrLen: number; // fixed header bytes (1 + remaining-length bytes)
  private got: number; // body bytes consumed so far
  private keep: number; // body bytes stored (< remainingLength only when oversize)
  private oversize: boolean;
  private pidHi: number; private pidLo: number; // caught while draining an oversize PUBLISH

  constructor(buf: Uint8Array) {
    if (!buf || buf.length < MIN_DECODER_BUFFER) {
      throw new MqttError('INVALID_ARGUMENT', 'the receive buffer must hold at least ' + MIN_DECODER_BUFFER + ' bytes');
    }
    this.buf = buf;
    this.result = DECODE_NEED_MORE; this.error = null;
    this.type = 0; this.flags = 0; this.remainingLength = 0;
    this.sessionPresent = false; this.returnCode = 0;
    this.qos = 0; this.retain = false; this.dup = false; this.packetId = 0;
    this.topicStart = 0; this.topicEnd = 0; this.payloadStart = 0; this.payloadEnd = 0;
    this.state = S_HEADER; this.mul = 1; this.hdrLen = 0; this.got = 0; this.keep = 0;
    this.oversize = false; this.pidHi = 0; this.pidLo = 0;
  }

  reset(): void {
    this.state = S_HEADER;
    this.result = DECODE_NEED_MORE;
    this.error = null;
  }

  topic(): string {
    const s = readUtf8(this.buf, this.topicStart, this.topicEnd);
    return s === null ? '' : s;
  }

  feed(chunk: Uint8Array, start: number, end: number): number {
    this.result = DECODE_NEED_MORE;
    if (this.state === S_ERROR) { this.result = DECODE_ERROR; return end; }
    const buf = this.buf;
    let i = start;
    while (i < end) {
      if (this.state === S_HEADER) {
        const b = chunk[i++];
        if (!this.header(b)) return end;
        buf[0] = b;
        this.remainingLength = 0; this.mul = 1; this.hdrLen = 1;
        this.state = S_LENGTH;
      } else if (this.state === S_LENGTH) {
        const b = chunk[i++];
        buf[this.hdrLen++] = b;
        this.remainingLength += (b & 127) * this.mul;
        this.mul *= 128;
        if (b & 128) {
          if (this.hdrLen === 5) return this.failEnd(end, 'PACKET_MALFORMED', 'remaining length longer than 4 bytes');
          continue;
        }
        if (!this.begin()) return end;
        if (this.remainingLength === 0) return this.complete(i, end);
        this.state = S_BODY;
      } else {
        const before = this.got;
        let n = end - i;
        if (n > this.remainingLength - before) n = this.remainingLength - before;
        let stop = before + n;
        if (stop > this.keep) stop = this.keep;
        const h = this.hdrLen;
        for (let k = before; k < stop; k++) buf[h + k] = chunk[i + k - before];
        if (this.oversize && this.qos > 0 && before + n >= 2) {
          // body offset of the packet id; the topic length (body 0..1) is always stored
          const pp = 2 + ((buf[h] << 8) | buf[h + 1]);
          if (pp >= before && pp < before + n) this.pidHi = chunk[i + pp - before];
          if (pp + 1 >= before && pp + 1 < before + n) this.pidLo = chunk[i + pp + 1 - before];
        }
        i += n;
        this.got = before + n;
        if (this.got === this.remainingLength) return this.complete(i, end);
      }
    }
    return i;
  }

  private fail(code: MqttErrorCode, message: string): number {
    this.error = new MqttError(code, message);
    this.result = DECODE_ERROR;
    this.state = S_ERROR;
    return 0;
  }

  private failEnd(end: number, code: MqttErrorCode, message: string): number {
    this.fail(code, message);
    return end;
  }

  /** Checks the first byte; false after setting the error. */
  private header(b: number): boolean {
    const type = b >> 4, flags = b & 15;
    this.type = type; this.flags = flags;
    if (type === 0 || type === 15) {
      this.fail('PACKET_MALFORMED', 'packet type ' + type + ' is reserved in MQTT 3.1.1 (first byte 0x' + hex(b) + ')');
      return false;
    }
    if (type === 1 || type === 8 || type === 10 || type === 12 || type === 14) {
      this.fail('PROTOCOL_ERROR', 'packet type ' + type + ' (' + PACKET_NAMES[type] + ') is never sent to a client');
      return false;
    }
    if (type === PUBLISH) {
      this.qos = (flags >> 1) & 3;
      if (this.qos === 3) { this.fail('PACKET_MALFORMED', 'PUBLISH with QoS 3 (first byte 0x' + hex(b) + ')'); return false; }
      this.dup = (flags & 8) !== 0;
      this.retain = (flags & 1) !== 0;
      return true;
    }
    const want = type === PUBREL ? 2 : 0;
    if (flags !== want) {
      this.fail('PACKET_MALFORMED', PACKET_NAMES[type] + ' with fixed-header flags 0x' + flags.toString(16) + ', expected 0x' + want);
      return false;
    }
    return true;
  }

  /** Checks the remaining length against the type and decides where the body goes. */
  private begin(): boolean {
    const type = this.type, rl = this.remainingLength, name = PACKET_NAMES[type];
    if (type === CONNACK || type === PUBACK || type === PUBREC || type === PUBREL || type === PUBCOMP || type === UNSUBACK) {
      if (rl !== 2) { this.fail('PACKET_MALFORMED', name + ' with remaining length ' + rl + ', expected 2'); return false; }
    } else if (type === PINGRESP) {
      if (rl !== 0) { this.fail('PACKET_MALFORMED', 'PINGRESP with remaining length ' + rl + ', expected 0'); return false; }
    } else if (type === SUBACK) {
      if (rl < 3) { this.fail('PACKET_MALFORMED', 'SUBACK with remaining length ' + rl + ', expected at least 3 (packet id and one return code)'); return false; }
    } else if (type === PUBLISH) {
      const min = this.qos > 0 ? 5 : 3;
      if (rl < min) {
        this.fail('PACKET_MALFORMED', 'PUBLISH (QoS ' + this.qos + ') with remaining length ' + rl + ', too short for a topic' + (this.qos > 0 ? ' and packet id' : '') + ' (at least ' + min + ')');
        return false;
      }
    }
    this.got = 0;
    this.keep = rl;
    this.oversize = false;
    if (this.hdrLen + rl > this.buf.length) {
      if (type !== PUBLISH) {
        this.fail('PROTOCOL_ERROR', name + ' of ' + (this.hdrLen + rl) + ' bytes does not fit the receive buffer of ' + this.buf.length + ' bytes');
        return false;
      }
      this.oversize = true;
      this.keep = this.buf.length - this.hdrLen;
      this.pidHi = 0; this.pidLo = 0;
    }
    return true;
  }

  /** The body is complete: decode it into the fields. Returns the index to hand back. */
  private complete(i: number, end: number): number {
    const buf = this.buf, h = this.hdrLen, rl = this.remainingLength, type = this.type;
    this.state = S_HEADER;
    if (type === PUBLISH) {
      const tl = (buf[h] << 8) | buf[h + 1];
      const need = 2 + tl + (this.qos > 0 ? 2 : 0);
      if (need > rl) {
        return this.failEnd(end, 'PACKET_MALFORMED', 'PUBLISH topic length ' + tl + ' runs past the end of the packet (remaining length ' + rl + ')');
      }
      if (tl === 0) return this.failEnd(end, 'PACKET_MALFORMED', 'PUBLISH with an empty topic');
      const ts = h + 2, te = ts + tl;
      if (this.oversize) {
        this.packetId = this.qos > 0 ? (this.pidHi << 8) | this.pidLo : 0;
        if (te <= buf.length) { this.topicStart = ts; this.topicEnd = te; }
        else { this.topicStart = ts; this.topicEnd = ts; }
        this.payloadStart = this.payloadEnd = this.topicEnd;
      } else {
        this.topicStart = ts; this.topicEnd = te;
        this.packetId = this.qos > 0 ? (buf[te] << 8) | buf[te + 1] : 0;
        this.payloadStart = te + (this.qos > 0 ? 2 : 0);
        this.payloadEnd = h + rl;
      }
      if (this.qos > 0 && this.packetId === 0) return this.failEnd(end, 'PACKET_MALFORMED', 'PUBLISH (QoS ' + this.qos + ') with packet id 0');
      const bad = checkTopicBytes(buf, this.topicStart, this.topicEnd);
      if (bad !== TOPIC_OK) {
        return this.failEnd(end, 'PACKET_MALFORMED', 'PUBLISH topic ' + (bad === TOPIC_BAD_UTF8 ? 'is not valid UTF-8' : bad === TOPIC_NUL ? 'contains U+0000' : 'contains a wildcard (+ or #)'));
      }
      this.result = this.oversize ? DECODE_DROPPED : DECODE_PACKET;
      return i;
    }
    if (type === CONNACK) {
      const f = buf[h];
      if (f & 0xfe) return this.failEnd(end, 'PACKET_MALFORMED', 'CONNACK acknowledge flags 0x' + hex(f) + ' have reserved bits set');
      this.sessionPresent = f === 1;
      this.returnCode = buf[h + 1];
    } else if (type === SUBACK) {
      this.packetId = (buf[h] << 8) | buf[h + 1];
      this.payloadStart = h + 2;
      this.payloadEnd = h + rl;
      for (let k = h + 2; k < h + rl; k++) {
        const c = buf[k];
        if (c > 2 && c !== 0x80) return this.failEnd(end, 'PACKET_MALFORMED', 'SUBACK return code 0x' + hex(c) + ' (allowed: 0, 1, 2, 0x80)');
      }
    } else if (type !== PINGRESP) {
      this.packetId = (buf[h] << 8) | buf[h + 1];
    }
    this.result = DECODE_PACKET;
    return i;
  }
}

function hex(b: number): string {
  return (b < 16 ? '0' : '') + b.toString(16);
}
