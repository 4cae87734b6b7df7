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
import { MqttError, INVALID_ARGUMENT, PACKET_MALFORMED, PROTOCOL_ERROR } from '../errors.js';
import type { MqttErrorCode } from '../errors.js';
import {
  CONNACK, PUBLISH, PUBREL, SUBACK, PINGRESP, SUBACK_FAILURE, PACKET_NAMES,
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
  private dropping: boolean;

  constructor(buf: Uint8Array) {
    if (!buf || buf.length < MIN_DECODER_BUFFER) {
      throw new MqttError(INVALID_ARGUMENT, 'the receive buffer must hold at least ' + MIN_DECODER_BUFFER + ' bytes');
    }
    this.buf = buf;
    this.result = DECODE_NEED_MORE; this.error = null;
    this.type = 0; this.flags = 0; this.remainingLength = 0;
    this.sessionPresent = false; this.returnCode = 0;
    this.qos = 0; this.retain = false; this.dup = false; this.packetId = 0;
    this.topicStart = 0; this.topicEnd = 0; this.payloadStart = 0; this.payloadEnd = 0;
    this.state = S_HEADER; this.mul = 1; this.hdrLen = 0; this.got = 0; this.keep = 0;
    this.dropping = false;
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

  // Each step either needs more input, completes the packet (result set) or fails (S_ERROR).
  feed(chunk: Uint8Array, start: number, end: number): number {
    this.result = DECODE_NEED_MORE;
    const buf = this.buf;
    let i = start;
    while (i < end && this.state !== S_ERROR && this.result === DECODE_NEED_MORE) {
      if (this.state === S_HEADER) {
        const b = chunk[i++];
        buf[0] = b;
        this.remainingLength = 0; this.mul = 1; this.hdrLen = 1;
        this.state = S_LENGTH;
        this.header(b);
      } else if (this.state === S_LENGTH) {
        const b = chunk[i++];
        buf[this.hdrLen++] = b;
        this.remainingLength += (b & 127) * this.mul;
        this.mul *= 128;
        if (!(b & 128)) this.begin();
        else if (this.hdrLen === 5) this.fail(PACKET_MALFORMED, 'remaining length longer than 4 bytes');
      } else {
        const before = this.got;
        let n = end - i;
        if (n > this.remainingLength - before) n = this.remainingLength - before;
        let stop = before + n;
        if (stop > this.keep) stop = this.keep;
        const h = this.hdrLen;
        for (let k = before; k < stop; k++) buf[h + k] = chunk[i + k - before];
        if (this.dropping && this.qos > 0 && before + n >= 2) {
          // The packet id sits after the topic (its length, body 0..1, is always stored).
          const pp = 2 + ((buf[h] << 8) | buf[h + 1]);
          for (let k = pp < before ? before : pp; k < pp + 2 && k < before + n; k++) this.packetId = (this.packetId << 8) | chunk[i + k - before];
        }
        i += n;
        this.got = before + n;
        if (this.got === this.remainingLength) this.complete();
      }
    }
    if (this.state !== S_ERROR) return i;
    this.result = DECODE_ERROR;
    return end;
  }

  private fail(code: MqttErrorCode, message: string): void {
    this.error = new MqttError(code, message);
    this.state = S_ERROR;
  }

  /** Checks the first byte. */
  private header(b: number): void {
    const type = b >> 4, flags = b & 15;
    this.type = type; this.flags = flags;
    if (type === 0 || type === 15) {
      this.fail(PACKET_MALFORMED, 'packet type ' + type + ' is reserved in MQTT 3.1.1 (first byte 0x' + hex(b) + ')');
    } else if (type === 1 || type === 8 || type === 10 || type === 12 || type === 14) {
      this.fail(PROTOCOL_ERROR, 'packet type ' + type + ' (' + PACKET_NAMES[type] + ') is never sent to a client');
    } else if (type === PUBLISH) {
      this.qos = (flags >> 1) & 3;
      this.dup = (flags & 8) !== 0;
      this.retain = (flags & 1) !== 0;
      if (this.qos === 3) this.fail(PACKET_MALFORMED, 'PUBLISH with QoS 3 (first byte 0x' + hex(b) + ')');
    } else if (flags !== (type === PUBREL ? 2 : 0)) {
      this.fail(PACKET_MALFORMED, PACKET_NAMES[type] + ' with fixed-header flags 0x' + flags.toString(16) + ', expected 0x' + (type === PUBREL ? 2 : 0));
    }
  }

  /** Checks the remaining length against the type and decides where the body goes. */
  private begin(): void {
    const type = this.type, rl = this.remainingLength;
    // PUBLISH: at least a topic (and a packet id); SUBACK: a packet id and one code; PINGRESP
    // nothing; every other packet a client receives is exactly a packet id or CONNACK's 2 bytes.
    const open = type === PUBLISH || type === SUBACK;
    const min = type === PUBLISH ? (this.qos > 0 ? 5 : 3) : type === SUBACK ? 3 : type === PINGRESP ? 0 : 2;
    if (rl < min || (rl > min && !open)) {
      return this.fail(PACKET_MALFORMED, PACKET_NAMES[type] + ' with remaining length ' + rl + (type !== PUBLISH ? ', expected ' + (open ? 'at least ' : '') + min
        : ', too short for a topic' + (this.qos > 0 ? ' and packet id' : '') + ' (at least ' + min + ')'));
    }
    this.got = 0;
    this.keep = rl;
    this.dropping = this.hdrLen + rl > this.buf.length;
    if (this.dropping) {
      if (type !== PUBLISH) {
        return this.fail(PROTOCOL_ERROR, PACKET_NAMES[type] + ' of ' + (this.hdrLen + rl) + ' bytes does not fit the receive buffer of ' + this.buf.length + ' bytes');
      }
      this.keep = this.buf.length - this.hdrLen;
      this.packetId = 0;
    }
    if (rl === 0) this.complete();
    else this.state = S_BODY;
  }

  /** The body is complete: decode it into the fields. */
  private complete(): void {
    const buf = this.buf, h = this.hdrLen, rl = this.remainingLength, type = this.type;
    this.state = S_HEADER;
    this.result = DECODE_PACKET;
    if (type === PUBLISH) {
      const q = this.qos > 0 ? 2 : 0;
      const tl = (buf[h] << 8) | buf[h + 1];
      if (tl === 0 || 2 + tl + q > rl) {
        return this.fail(PACKET_MALFORMED, tl === 0 ? 'PUBLISH with an empty topic'
          : 'PUBLISH topic length ' + tl + ' runs past the end of the packet (remaining length ' + rl + ')');
      }
      const ts = h + 2;
      let te = ts + tl;
      if (this.dropping) {
        if (q === 0) this.packetId = 0; // else caught while draining
        if (te > buf.length) te = ts; // the topic was not kept
        this.payloadStart = this.payloadEnd = te;
        this.result = DECODE_DROPPED;
      } else {
        this.packetId = q ? (buf[te] << 8) | buf[te + 1] : 0;
        this.payloadStart = te + q;
        this.payloadEnd = h + rl;
      }
      this.topicStart = ts; this.topicEnd = te;
      if (q && this.packetId === 0) return this.fail(PACKET_MALFORMED, 'PUBLISH (QoS ' + this.qos + ') with packet id 0');
      const bad = checkTopicBytes(buf, ts, te);
      if (bad !== TOPIC_OK) {
        this.fail(PACKET_MALFORMED, 'PUBLISH topic ' + (bad === TOPIC_BAD_UTF8 ? 'is not valid UTF-8' : bad === TOPIC_NUL ? 'contains U+0000' : 'contains a wildcard (+ or #)'));
      }
    } else if (type === CONNACK) {
      const f = buf[h];
      if (f & 0xfe) return this.fail(PACKET_MALFORMED, 'CONNACK acknowledge flags 0x' + hex(f) + ' have reserved bits set');
      this.sessionPresent = f === 1;
      this.returnCode = buf[h + 1];
    } else if (type !== PINGRESP) {
      this.packetId = (buf[h] << 8) | buf[h + 1];
      this.payloadStart = h + 2;
      this.payloadEnd = h + rl;
      for (let k = h + 2; k < h + rl; k++) {
        const c = buf[k]; // SUBACK return codes
        if (c > 2 && c !== SUBACK_FAILURE) return this.fail(PACKET_MALFORMED, 'SUBACK return code 0x' + hex(c) + ' (allowed: 0, 1, 2, 0x80)');
      }
    }
  }
}

function hex(b: number): string {
  return (b < 16 ? '0' : '') + b.toString(16);
}
