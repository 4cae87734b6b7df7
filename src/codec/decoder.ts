// Incremental decoder for the packets a client receives. A packet that sits whole inside the
// chunk it arrived in (the usual case) is decoded where it is, in one call and without a copy;
// one split across chunks is assembled in the fixed receive buffer. Either way `data[body..end)`
// is the packet's body afterwards. Any chunking works: 1-byte chunks, a remaining length split
// across chunks, several packets per chunk.
//
// Checks are made as early as the bytes allow, so garbage is refused at its first byte rather
// than after a length that may never arrive: the first byte (reserved types, types only a client
// sends, QoS 2 and 3, fixed-header flags), then the remaining length against the type and the
// buffer, then the body (docs/CONTRACTS.md has the table of faults and their words).
//
// A PUBLISH larger than the buffer is reported at its header (DECODE_TOO_LARGE), then drained
// without being stored; its packet id is caught on the way so that a QoS 1 one can still be
// acknowledged (DECODE_DRAINED at its end). Memory stays fixed.
//
// The topic of a PUBLISH is checked (well-formed UTF-8, no U+0000, no wildcard) and turned into
// a string once: while the same topic bytes keep arriving, `topic` is the same string and
// nothing is decoded again. Nothing else is allocated on the success path.
//
// Errors never throw out of feed(): result becomes DECODE_ERROR, `error` says why, and feed()
// consumes all input given to it from then on until reset().
import { MqttError, INVALID_ARGUMENT, PACKET_MALFORMED, PROTOCOL_ERROR } from '../errors.js';
import type { MqttErrorCode } from '../errors.js';
import { CONNACK, PUBLISH, PUBACK, SUBACK, PINGRESP, SUBACK_FAILURE, PACKET_NAMES } from './constants.js';
import { readUtf8, TOPIC_BAD_UTF8, TOPIC_NUL } from './utf8.js';

export const DECODE_NEED_MORE = 0; // all input consumed, the packet is not complete yet
export const DECODE_PACKET = 1;    // a whole packet is described by the fields
export const DECODE_TOO_LARGE = 2; // a PUBLISH too large for the buffer began: first, qos, remainingLength, size
export const DECODE_ERROR = 3;     // `error` is set; the stream is unusable until reset()
export const DECODE_DRAINED = 4;   // that PUBLISH has been skipped; packetId set for QoS 1

// Room for a 5-byte fixed header plus a PUBLISH topic length.
export const MIN_DECODER_BUFFER = 8;
// Topics remembered, and the longest one remembered; others are decoded on every message.
const TOPICS = 4, TOPIC_MAX = 48, STRIDE = TOPIC_MAX + 1;

// What the low nibble of the first byte must be, by packet type: the flags MQTT 3.1.1 fixes
// (0, or 2 for PUBREL), or a mark for what is wrong with the type itself.
const RESERVED = -1, CLIENT_ONLY = -2, ANY = -3, QOS2_FLOW = -4;
const FLAGS = Object.freeze([RESERVED, CLIENT_ONLY, 0, ANY, 0, QOS2_FLOW, QOS2_FLOW, QOS2_FLOW,
  CLIENT_ONLY, 0, CLIENT_ONLY, 0, CLIENT_ONLY, 0, CLIENT_ONLY, RESERVED]);

const S_HEADER = 0, S_LENGTH = 1, S_BODY = 2, S_ERROR = 3;

export class Decoder {
  readonly buf: Uint8Array;
  /** where the packet just decoded is: the chunk given to feed(), or buf */
  data: Uint8Array;
  first: number;      // first byte: type << 4 | flags
  type: number;
  remainingLength: number;
  size: number;       // whole packet, fixed header included
  body: number;       // data[body..end) is the body
  end: number;
  qos: number;        // PUBLISH
  packetId: number;   // PUBLISH (QoS 1), PUBACK, SUBACK, UNSUBACK
  topic: string;      // PUBLISH
  payloadStart: number; payloadEnd: number; // PUBLISH payload; SUBACK return codes
  result: number;
  error: MqttError | null;

  private state: number;
  private mul: number;
  private got: number;   // body bytes of a split packet consumed so far
  // the last TOPICS topics: their strings, and in tbytes at i * STRIDE each one's length
  // (255: none) and bytes (lengths there, not in an array: an array element costs a slot on XS)
  private tbytes: Uint8Array;
  private topics: string[];
  private tnext: number;

  constructor(buf: Uint8Array) {
    if (!buf || buf.length < MIN_DECODER_BUFFER) {
      throw new MqttError(INVALID_ARGUMENT, 'the receive buffer must hold at least ' + MIN_DECODER_BUFFER + ' bytes');
    }
    this.buf = this.data = buf;
    this.first = this.type = this.remainingLength = this.size = this.body = this.end = 0;
    this.qos = this.packetId = this.payloadStart = this.payloadEnd = 0;
    this.topic = '';
    this.result = DECODE_NEED_MORE;
    this.error = null;
    this.state = S_HEADER; this.mul = 1; this.got = 0;
    this.tbytes = new Uint8Array(TOPICS * STRIDE);
    for (let e = 0; e < TOPICS; e++) this.tbytes[e * STRIDE] = 255;
    this.topics = ['', '', '', ''];
    this.tnext = 0;
  }

  reset(): void {
    this.state = S_HEADER;
    this.result = DECODE_NEED_MORE;
    this.error = null;
  }

  /**
   * Consumes chunk[start..end) up to the end of at most ONE packet (or up to the header of an
   * oversize PUBLISH) and returns the index after the last byte consumed; `result` tells what
   * happened. Call in a loop: `while (i < e) { i = d.feed(c, i, e); if (d.result) handle(); }`
   */
  feed(chunk: Uint8Array, start: number, end: number): number {
    let i = start;
    if (this.state === S_HEADER && end - i >= 2) {
      const b = chunk[i];
      // PUBACK and PINGRESP, the packets a sensor receives most, have one valid form each
      // (40 02 id id, d0 00): matching those bytes is the whole check.
      if (b === 0x40 && chunk[i + 1] === 2 && end - i >= 4) {
        this.first = b;
        this.type = PUBACK;
        this.remainingLength = 2;
        this.packetId = (chunk[i + 2] << 8) | chunk[i + 3];
        this.result = DECODE_PACKET;
        return i + 4;
      }
      if (b === 0xd0 && chunk[i + 1] === 0) {
        this.first = b;
        this.type = PINGRESP;
        this.remainingLength = 0;
        this.result = DECODE_PACKET;
        return i + 2;
      }
      // The whole packet here, with a good first byte and a remaining length of 1 or 2 bytes?
      // Then it is decoded in place (anything else takes the byte-by-byte path below).
      const f = FLAGS[b >> 4];
      let rl = chunk[i + 1], p = i + 2;
      if (rl >= 128) rl = p < end && chunk[p] < 128 ? (rl & 127) + chunk[p++] * 128 : -1;
      if ((f === (b & 15) || (f === ANY && (b & 4) === 0)) && rl >= 0 && p + rl <= end && p - i + rl <= this.buf.length) {
        this.first = b;
        this.remainingLength = rl;
        this.complete(chunk, p, p + rl);
        return (this.state as number) === S_ERROR ? end : p + rl;
      }
    }
    this.result = DECODE_NEED_MORE;
    while (i < end && this.state !== S_ERROR && this.result === DECODE_NEED_MORE) {
      const st = this.state;
      if (st === S_HEADER) {
        const b = chunk[i++];
        this.state = S_LENGTH;
        this.first = b;
        this.remainingLength = 0; this.mul = 1; this.size = 1; this.got = 0;
        this.check(b, -1);
      } else if (st === S_LENGTH) {
        const b = chunk[i++];
        this.remainingLength += (b & 127) * this.mul;
        this.mul *= 128;
        this.size++;
        if (b & 128) {
          if (this.size === 5) this.fail(PACKET_MALFORMED, 'remaining length longer than 4 bytes');
        } else {
          const rl = this.remainingLength;
          this.size += rl;
          this.data = this.buf; this.body = 0; this.end = rl;
          if (this.check(this.first, rl)) {
            this.state = rl === 0 ? S_HEADER : S_BODY;
            if (this.size > this.buf.length) { this.packetId = 0; this.result = DECODE_TOO_LARGE; }
            else if (rl === 0) this.complete(this.buf, 0, 0);
          }
        }
      } else {
        i = this.take(chunk, i, end);
      }
    }
    if (this.state !== S_ERROR) return i;
    this.result = DECODE_ERROR;
    return end;
  }

  // Body bytes of a split packet: stored while they fit, skipped after that (an oversize PUBLISH,
  // whose packet id is caught on the way).
  private take(chunk: Uint8Array, i: number, end: number): number {
    const rl = this.remainingLength, got = this.got, buf = this.buf;
    let n = end - i;
    if (n > rl - got) n = rl - got;
    const stop = got + n < buf.length ? got + n : buf.length;
    if (stop - got > 16) buf.set(chunk.subarray(i, i + stop - got), got);
    else for (let k = got; k < stop; k++) buf[k] = chunk[i + k - got];
    const draining = this.size > buf.length;
    if (draining && this.qos > 0 && got + n >= 2) {
      // the packet id follows the topic, whose 2-byte length is always kept
      const at = 2 + ((buf[0] << 8) | buf[1]);
      for (let k = at < got ? got : at; k < at + 2 && k < got + n; k++) {
        this.packetId = ((this.packetId << 8) | chunk[i + k - got]) & 0xffff;
      }
    }
    this.got = got + n;
    if (this.got === rl) {
      this.state = S_HEADER;
      if (draining) this.result = DECODE_DRAINED;
      else this.complete(buf, 0, rl);
    }
    return i + n;
  }

  private badPublish(rl: number, q: number, tl: number): void {
    this.fail(PACKET_MALFORMED, rl < q + 3 ? 'PUBLISH with remaining length ' + rl
      : tl === 0 ? 'PUBLISH with an empty topic' : 'PUBLISH topic runs past the end of the packet');
  }

  private fail(code: MqttErrorCode, message: string): boolean {
    this.error = new MqttError(code, message);
    this.state = S_ERROR;
    this.result = DECODE_ERROR;
    return false;
  }

  /** Checks the first byte, and with rl >= 0 the remaining length against the type and the
   *  buffer. False (and DECODE_ERROR) when the packet is refused. */
  private check(b: number, rl: number): boolean {
    const type = b >> 4, f = FLAGS[type];
    this.type = type;
    if (f !== (b & 15) && !(f === ANY && (b & 4) === 0)) {
      return f === RESERVED ? this.fail(PACKET_MALFORMED, 'packet type ' + type + ' is reserved')
        : f === CLIENT_ONLY ? this.fail(PROTOCOL_ERROR, 'the broker sent ' + PACKET_NAMES[type] + ', which only a client sends')
        : f === ANY ? ((b & 6) === 6 ? this.fail(PACKET_MALFORMED, 'PUBLISH with QoS 3') : this.fail(PROTOCOL_ERROR, 'PUBLISH with QoS 2, which this client never subscribes to'))
        : f === QOS2_FLOW && (b & 15) === (type === 6 ? 2 : 0) ? this.fail(PROTOCOL_ERROR, PACKET_NAMES[type] + ' received, but this client never uses QoS 2')
        : this.fail(PACKET_MALFORMED, PACKET_NAMES[type] + ' with fixed-header flags 0x' + (b & 15).toString(16));
    }
    this.qos = (b >> 1) & 1; // (PUBLISH only; QoS 2 and 3 are refused above)
    if (rl < 0) return true;
    // PUBLISH: at least a topic (and a packet id); SUBACK: a packet id and one code; PINGRESP:
    // nothing; CONNACK, PUBACK and UNSUBACK exactly 2.
    if (type === PUBLISH ? rl < (this.qos ? 5 : 3) : type === SUBACK ? rl < 3 : rl !== (type === PINGRESP ? 0 : 2)) {
      return this.fail(PACKET_MALFORMED, PACKET_NAMES[type] + ' with remaining length ' + rl);
    }
    if (this.size > this.buf.length && type !== PUBLISH) {
      return this.fail(PROTOCOL_ERROR, PACKET_NAMES[type] + ' of ' + this.size + ' bytes is larger than the receive buffer (' + this.buf.length + ' bytes)');
    }
    return true;
  }

  /** The body is complete in d[b..end) (its first byte checked): decodes and checks it. */
  private complete(d: Uint8Array, b: number, end: number): void {
    const type = this.first >> 4;
    this.data = d; this.body = b; this.end = end;
    this.type = type;
    this.state = S_HEADER;
    this.result = DECODE_PACKET;
    if (type === PUBLISH) {
      const q = this.first & 2, tl = (d[b] << 8) | d[b + 1], ts = b + 2, te = ts + tl;
      this.qos = q >> 1;
      // one test catches every wrong length (a packet too short for a topic and a packet id fails
      // it too); which fault it was is sorted out only then
      if (tl === 0 || te + q > end) return void this.badPublish(end - b, q, tl);
      this.packetId = q ? (d[te] << 8) | d[te + 1] : 0;
      if (q && this.packetId === 0) return void this.fail(PACKET_MALFORMED, 'PUBLISH with packet id 0');
      this.payloadStart = te + q;
      this.payloadEnd = end;
      // a topic seen lately: its string again, nothing decoded (compared byte by byte, ~35 XS
      // meter units per byte: the cost per incoming message that grows with the topic)
      const c = this.tbytes;
      for (let e = 0, at = 0; e < TOPICS; e++, at += STRIDE) {
        if (c[at] !== tl) continue;
        const o = at + 1 - ts;
        let k = ts;
        while (k < te && c[k + o] === d[k]) k++;
        if (k === te) { this.topic = this.topics[e]; return; }
      }
      const t = readUtf8(d, ts, te, true);
      if (typeof t === 'number') {
        return void this.fail(PACKET_MALFORMED, 'PUBLISH topic ' + (t === TOPIC_BAD_UTF8 ? 'is not valid UTF-8' : t === TOPIC_NUL ? 'contains U+0000' : 'contains a wildcard (+ or #)'));
      }
      this.topic = t;
      if (tl <= TOPIC_MAX) {
        const e = this.tnext, at = e * STRIDE;
        this.tnext = (e + 1) % TOPICS;
        this.topics[e] = t;
        c[at] = tl;
        for (let k = 0; k < tl; k++) c[at + 1 + k] = d[ts + k];
      }
      return;
    }
    // every other packet a client receives has an exact length, but SUBACK (at least 3)
    if (type === SUBACK ? end - b < 3 : end - b !== (type === PINGRESP ? 0 : 2)) {
      return void this.fail(PACKET_MALFORMED, PACKET_NAMES[type] + ' with remaining length ' + (end - b));
    }
    if (type === CONNACK) {
      if (d[b] & 0xfe) this.fail(PACKET_MALFORMED, 'CONNACK with flags 0x' + d[b].toString(16));
    } else if (type !== PINGRESP) {
      this.packetId = (d[b] << 8) | d[b + 1];
      this.payloadStart = b + 2;
      this.payloadEnd = end;
      for (let k = b + 2; k < end; k++) {
        if (d[k] > 2 && d[k] !== SUBACK_FAILURE) return void this.fail(PACKET_MALFORMED, 'SUBACK return code 0x' + d[k].toString(16));
      }
    }
  }
}
