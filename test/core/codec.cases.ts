// Codec cases: byte-exact vectors written by hand from the MQTT 3.1.1 spec, round trips,
// decoder errors, user-input errors, chunking and the oversize-PUBLISH policy.
// Runs under ava and inside XS, so: no Node API, no ava, no fast-check here.
import { test, Assert } from './harness.js';
import { encodeConnect, encodePublish, encodeFilters, ConnectFields } from '../../src/codec/encode.js';
import { Decoder, DECODE_NEED_MORE, DECODE_PACKET, DECODE_TOO_LARGE, DECODE_DRAINED, DECODE_ERROR } from '../../src/codec/decoder.js';
import { utf8Length, writeUtf8, readUtf8, validateTopic, TOPIC_BAD_UTF8 } from '../../src/codec/utf8.js';
import { CONNACK, PUBLISH, PUBACK, SUBACK, UNSUBACK, PINGRESP } from '../../src/codec/constants.js';

function connectLength(o: ConnectFields): number { return encodeConnect(null, 0, o); }
function publishLength(topic: string, payload: Uint8Array | string, qos: number): number {
  return encodePublish(null, 0, topic, payload, qos, false, false, 1);
}

function encodeSubscribe(buf: Uint8Array, off: number, id: number, filters: string[], qos: number[]): number {
  return encodeFilters(buf, off, id, filters, qos);
}
function encodeUnsubscribe(buf: Uint8Array, off: number, id: number, filters: string[]): number {
  return encodeFilters(buf, off, id, filters, null);
}
function validateTopicName(topic: string): number { return validateTopic(topic, false); }
function validateTopicFilter(filter: string): number { return validateTopic(filter, true); }

// ---- helpers ----

const SENTINEL = 0xee;

function filled(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = SENTINEL;
  return b;
}

/** Runs an encoder on a roomy buffer and returns exactly the bytes it produced. */
function enc(fn: (buf: Uint8Array, off: number) => number, size?: number): Uint8Array {
  const buf = filled(size || 512);
  const end = fn(buf, 0);
  if (end < 0) throw new Error('encoder said it does not fit');
  return buf.slice(0, end);
}

function ascii(s: string): number[] {
  const r: number[] = [];
  for (let i = 0; i < s.length; i++) r.push(s.charCodeAt(i));
  return r;
}

function bytesOf(b: Uint8Array, s: number, e: number): number[] {
  const r: number[] = [];
  for (let i = s; i < e; i++) r.push(b[i]);
  return r;
}

/** A deterministic generator so chunkings are reproducible on every engine. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return function () {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x / 4294967296;
  };
}

function concat(parts: ArrayLike<number>[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const r = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { for (let i = 0; i < p.length; i++) r[o + i] = p[i]; o += p.length; }
  return r;
}

/** What a user of the decoder would see for the packet just reported. */
function describe(d: Decoder): string {
  const r = d.result;
  if (r === DECODE_ERROR) return 'error ' + (d.error ? d.error.code : '?');
  if (r === DECODE_TOO_LARGE) return 'too large PUBLISH q' + d.qos + ' rl=' + d.remainingLength + ' size=' + d.size;
  if (r === DECODE_DRAINED) return 'drained id=' + d.packetId;
  switch (d.type) {
    case CONNACK: return 'CONNACK sp=' + sessionPresent(d) + ' rc=' + returnCode(d);
    case PUBLISH: return 'PUBLISH ' + d.topic + ' q' + d.qos + (retain(d) ? ' r' : '') + (dup(d) ? ' d' : '') +
      ' id=' + d.packetId + ' rl=' + d.remainingLength + ' [' + bytesOf(d.data, d.payloadStart, d.payloadEnd).join(',') + ']';
    case SUBACK: return 'SUBACK id=' + d.packetId + ' [' + bytesOf(d.data, d.payloadStart, d.payloadEnd).join(',') + ']';
    case PINGRESP: return 'PINGRESP';
    default: return 'type' + d.type + ' id=' + d.packetId;
  }
}

function sessionPresent(d: Decoder): boolean { return (d.data[d.body] & 1) === 1; }
function returnCode(d: Decoder): number { return d.data[d.body + 1]; }
function retain(d: Decoder): boolean { return (d.first & 1) === 1; }
function dup(d: Decoder): boolean { return (d.first & 8) === 8; }

/** Feeds `data` in chunks of the sizes `next()` returns and lists every non-NEED_MORE result. */
function decodeStream(d: Decoder, data: Uint8Array, next: () => number): string[] {
  const out: string[] = [];
  let pos = 0, guard = 0;
  while (pos < data.length) {
    let n = next();
    if (n < 1) n = 1;
    const end = pos + n > data.length ? data.length : pos + n;
    let i = pos;
    while (i < end) {
      const j = d.feed(data, i, end);
      if (j <= i && d.result === DECODE_NEED_MORE) throw new Error('decoder made no progress');
      i = j;
      if (d.result !== DECODE_NEED_MORE) out.push(describe(d));
      if (d.result === DECODE_ERROR) return out;
      if (++guard > 10000000) throw new Error('runaway');
    }
    pos = end;
  }
  return out;
}

function whole(): number { return 1 << 30; }
function ones(): number { return 1; }

function decodeOne(bytes: ArrayLike<number>, bufSize?: number): Decoder {
  const d = new Decoder(new Uint8Array(bufSize || 256));
  const data = new Uint8Array(bytes);
  const end = d.feed(data, 0, data.length);
  if (d.result === DECODE_PACKET && end !== data.length) throw new Error('packet ended before the input: ' + end);
  return d;
}

function decodeError(t: Assert, bytes: ArrayLike<number>, code: string, words: string, bufSize?: number): void {
  const d = decodeOne(bytes, bufSize);
  t.is(d.result, DECODE_ERROR, 'result for <' + Array.prototype.join.call(bytes, ' ') + '>');
  t.is(d.error ? d.error.code : null, code);
  t.true(d.error !== null && d.error.message.indexOf(words) >= 0, 'message "' + (d.error && d.error.message) + '" should mention "' + words + '"');
  // The same bytes one at a time give the same error, and feed() never throws.
  const d1 = new Decoder(new Uint8Array(bufSize || 256));
  const data = new Uint8Array(bytes);
  for (let i = 0; i < data.length && d1.result !== DECODE_ERROR; i++) d1.feed(data, i, i + 1);
  t.is(d1.result, DECODE_ERROR, '1-byte chunks');
  t.is(d1.error ? d1.error.message : null, d.error ? d.error.message : null);
}

const UTF8_TOPIC = 'température/°C/日本/😀';
const UTF8_TOPIC_BYTES = [0x74, 0x65, 0x6d, 0x70, 0xc3, 0xa9, 0x72, 0x61, 0x74, 0x75, 0x72, 0x65, 0x2f, 0xc2, 0xb0, 0x43,
  0x2f, 0xe6, 0x97, 0xa5, 0xe6, 0x9c, 0xac, 0x2f, 0xf0, 0x9f, 0x98, 0x80];

// ---- encoder vectors ----

test('codec: CONNECT minimal (client id, clean session, keepalive)', (t) => {
  const o: ConnectFields = { clientId: 'c1', cleanSession: true, keepalive: 60 };
  const b = enc((buf, off) => encodeConnect(buf, off, o));
  t.bytes(b, [0x10, 0x0e, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3c, 0x00, 0x02, 0x63, 0x31]);
  t.is(connectLength(o), b.length);
});

test('codec: CONNECT with will (QoS 1, retain), username and password', (t) => {
  const o: ConnectFields = {
    clientId: 'id', cleanSession: false, keepalive: 10, username: 'u', password: 'p',
    will: { topic: 'w', payload: 'bye', qos: 1, retain: true },
  };
  const b = enc((buf, off) => encodeConnect(buf, off, o));
  t.bytes(b, [0x10, 0x1c, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0xec, 0x00, 0x0a,
    0x00, 0x02, 0x69, 0x64, 0x00, 0x01, 0x77, 0x00, 0x03, 0x62, 0x79, 0x65, 0x00, 0x01, 0x75, 0x00, 0x01, 0x70]);
  t.is(connectLength(o), b.length);
});

test('codec: CONNECT with binary password, QoS 0 will without retain, empty client id', (t) => {
  const o: ConnectFields = {
    clientId: '', cleanSession: true, keepalive: 0, username: 'é', password: new Uint8Array([0, 255]),
    will: { topic: 's', payload: new Uint8Array(0), qos: 0, retain: false },
  };
  const b = enc((buf, off) => encodeConnect(buf, off, o));
  // flags: username 0x80 | password 0x40 | will 0x04 | clean 0x02
  t.bytes(b, [0x10, 0x19, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0xc6, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x01, 0x73, 0x00, 0x00, 0x00, 0x02, 0xc3, 0xa9, 0x00, 0x02, 0x00, 0xff]);
});

test('codec: PUBLISH QoS 0 with string payload', (t) => {
  const b = enc((buf, off) => encodePublish(buf, off, 'a/b', 'hi', 0, false, false, 0));
  t.bytes(b, [0x30, 0x07, 0x00, 0x03, 0x61, 0x2f, 0x62, 0x68, 0x69]);
  t.is(publishLength('a/b', 'hi', 0), b.length);
});

test('codec: PUBLISH QoS 1 with retain, DUP and packet id', (t) => {
  const b = enc((buf, off) => encodePublish(buf, off, 't', new Uint8Array([1, 2, 3]), 1, true, true, 0x1234));
  t.bytes(b, [0x3b, 0x08, 0x00, 0x01, 0x74, 0x12, 0x34, 0x01, 0x02, 0x03]);
  t.is(publishLength('t', new Uint8Array(3), 1), b.length);
});

test('codec: PUBLISH with empty payload', (t) => {
  t.bytes(enc((buf, off) => encodePublish(buf, off, 't', '', 0, false, false, 0)), [0x30, 0x03, 0x00, 0x01, 0x74]);
  t.bytes(enc((buf, off) => encodePublish(buf, off, 't', new Uint8Array(0), 1, false, false, 1)), [0x32, 0x05, 0x00, 0x01, 0x74, 0x00, 0x01]);
});

test('codec: PUBLISH multi-byte UTF-8 topic counts bytes, not characters', (t) => {
  t.is(UTF8_TOPIC.length, 20);
  t.is(utf8Length(UTF8_TOPIC), 28);
  const b = enc((buf, off) => encodePublish(buf, off, UTF8_TOPIC, '', 0, false, false, 0));
  t.bytes(b, [0x30, 0x1e, 0x00, 0x1c].concat(UTF8_TOPIC_BYTES));
});

test('codec: string payload is written as UTF-8', (t) => {
  const b = enc((buf, off) => encodePublish(buf, off, 't', '€😀', 0, false, false, 0));
  t.bytes(b, [0x30, 0x0a, 0x00, 0x01, 0x74, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80]);
});

test('codec: SUBSCRIBE with several filters and a QoS each', (t) => {
  const b = enc((buf, off) => encodeSubscribe(buf, off, 10, ['a/+', '#'], [1, 0]));
  t.bytes(b, [0x82, 0x0c, 0x00, 0x0a, 0x00, 0x03, 0x61, 0x2f, 0x2b, 0x01, 0x00, 0x01, 0x23, 0x00]);
});

test('codec: UNSUBSCRIBE with several filters', (t) => {
  const b = enc((buf, off) => encodeUnsubscribe(buf, off, 11, ['a/b', 'c']));
  t.bytes(b, [0xa2, 0x0a, 0x00, 0x0b, 0x00, 0x03, 0x61, 0x2f, 0x62, 0x00, 0x01, 0x63]);
});

test('codec: encoders write at an offset and leave the bytes around untouched', (t) => {
  const buf = filled(20);
  const end = encodePublish(buf, 5, 't', 'x', 0, false, false, 0);
  t.is(end, 11);
  t.bytes(buf, [SENTINEL, SENTINEL, SENTINEL, SENTINEL, SENTINEL, 0x30, 0x04, 0x00, 0x01, 0x74, 0x78].concat(
    [SENTINEL, SENTINEL, SENTINEL, SENTINEL, SENTINEL, SENTINEL, SENTINEL, SENTINEL, SENTINEL]));
  const e2 = encodeUnsubscribe(buf, end, 2, ['a']);
  t.is(e2, 18);
  t.bytes(buf.subarray(11, 19), [0xa2, 0x05, 0x00, 0x02, 0x00, 0x01, 0x61, SENTINEL]);
});

// ---- remaining length edges ----

function rlCase(rl: number, header: number[]): void {
  test('codec: remaining length ' + rl + ' encodes as ' + header.length + ' byte(s) and round-trips', (t) => {
    const payload = new Uint8Array(rl - 3); // topic "t" with its length prefix takes 3
    for (let i = 0; i < payload.length; i++) payload[i] = i & 255;
    const total = 1 + header.length + rl;
    t.is(publishLength('t', payload, 0), total);
    const buf = new Uint8Array(total);
    t.is(encodePublish(buf, 0, 't', payload, 0, false, false, 0), total);
    t.bytes(buf.subarray(0, 1 + header.length + 3), [0x30].concat(header).concat([0x00, 0x01, 0x74]));
    const d = new Decoder(new Uint8Array(total < 8 ? 8 : total));
    t.is(d.feed(buf, 0, total), total);
    t.is(d.result, DECODE_PACKET);
    t.is(d.remainingLength, rl);
    t.is(d.payloadEnd - d.payloadStart, payload.length);
    if (payload.length > 0) t.is(d.data[d.payloadEnd - 1], (payload.length - 1) & 255);
    t.is(d.topic, 't');
  });
}
rlCase(3, [0x03]);
rlCase(127, [0x7f]);
rlCase(128, [0x80, 0x01]);
rlCase(16383, [0xff, 0x7f]);
rlCase(16384, [0x80, 0x80, 0x01]);
rlCase(2097151, [0xff, 0xff, 0x7f]);
rlCase(2097152, [0x80, 0x80, 0x80, 0x01]);

test('codec: remaining length 0 (PINGRESP decoded)', (t) => {
  const d = decodeOne([0xd0, 0x00]);
  t.is(d.result, DECODE_PACKET);
  t.is(d.type, PINGRESP);
  t.is(d.remainingLength, 0);
});

test('codec: the largest remaining length (268 435 455) is read from 4 bytes', (t) => {
  const d = new Decoder(new Uint8Array(64));
  const h = new Uint8Array([0x30, 0xff, 0xff, 0xff, 0x7f]);
  t.is(d.feed(h, 0, 5), 5);
  t.is(d.result, DECODE_TOO_LARGE, 'reported as soon as the length is known');
  t.is(d.remainingLength, 268435455);
});

// ---- decoder vectors ----

test('codec: decode CONNACK (session present, return codes)', (t) => {
  let d = decodeOne([0x20, 0x02, 0x01, 0x00]);
  t.is(d.result, DECODE_PACKET); t.is(d.type, CONNACK); t.is(sessionPresent(d), true); t.is(returnCode(d), 0);
  d = decodeOne([0x20, 0x02, 0x00, 0x05]);
  t.is(sessionPresent(d), false); t.is(returnCode(d), 5);
});

test('codec: decode PUBLISH QoS 0 and QoS 1', (t) => {
  let d = decodeOne([0x30, 0x07, 0x00, 0x03, 0x61, 0x2f, 0x62, 0x68, 0x69]);
  t.is(d.result, DECODE_PACKET); t.is(d.type, PUBLISH); t.is(d.qos, 0); t.is(retain(d), false); t.is(dup(d), false);
  t.is(d.topic, 'a/b');
  t.deepEqual(bytesOf(d.data, d.payloadStart, d.payloadEnd), ascii('hi'));
  d = decodeOne([0x3b, 0x08, 0x00, 0x01, 0x74, 0x12, 0x34, 0x01, 0x02, 0x03]);
  t.is(d.qos, 1); t.is(retain(d), true); t.is(dup(d), true); t.is(d.packetId, 0x1234);
  t.is(d.topic, 't');
  t.deepEqual(bytesOf(d.data, d.payloadStart, d.payloadEnd), [1, 2, 3]);
});

test('codec: decode PUBLISH with multi-byte UTF-8 topic', (t) => {
  const d = decodeOne([0x30, 0x1f, 0x00, 0x1c].concat(UTF8_TOPIC_BYTES).concat([0x21]));
  t.is(d.result, DECODE_PACKET);
  t.is(d.topic, UTF8_TOPIC);
  t.deepEqual(bytesOf(d.data, d.payloadStart, d.payloadEnd), [0x21]);
});

test('codec: a repeated topic is decoded once: the same string comes back, a new one is read afresh', (t) => {
  const d = new Decoder(new Uint8Array(64));
  const a = new Uint8Array([0x30, 0x05, 0x00, 0x03, 0x61, 0x2f, 0x62, 0x30, 0x05, 0x00, 0x03, 0x61, 0x2f, 0x63]);
  t.is(d.feed(a, 0, a.length), 7);
  const first = d.topic;
  t.is(first, 'a/b');
  a[6] = 0x62;
  t.is(d.feed(a, 7, a.length), 14);
  t.is(d.topic, 'a/c');
  t.is(d.feed(a, 0, 7), 7);
  t.is(d.topic, 'a/b');
  a[1] = 0x06; // the same bytes at the start of a longer topic are not the same topic
  const b = new Uint8Array([0x30, 0x06, 0x00, 0x04, 0x61, 0x2f, 0x62, 0x78]);
  t.is(d.feed(b, 0, b.length), 8);
  t.is(d.topic, 'a/bx');
});

test('codec: QoS 2 PUBLISH, PUBREC, PUBREL and PUBCOMP are refused at their first byte (this client never uses QoS 2)', (t) => {
  decodeError(t, [0x34, 0x06, 0x00, 0x01, 0x74, 0x00, 0x05, 0x78], 'PROTOCOL_ERROR', 'PUBLISH with QoS 2, which this client never subscribes to');
  decodeError(t, [0x50], 'PROTOCOL_ERROR', 'PUBREC received, but this client never uses QoS 2');
  decodeError(t, [0x62], 'PROTOCOL_ERROR', 'PUBREL received, but this client never uses QoS 2');
  decodeError(t, [0x70, 0x02, 0x00, 0x03], 'PROTOCOL_ERROR', 'PUBCOMP received, but this client never uses QoS 2');
});

test('codec: decode PUBACK, UNSUBACK', (t) => {
  const cases: [number[], number, number][] = [
    [[0x40, 0x02, 0xab, 0xcd], PUBACK, 0xabcd], [[0xb0, 0x02, 0x00, 0x0b], UNSUBACK, 11],
  ];
  for (const c of cases) {
    const d = decodeOne(c[0]);
    t.is(d.result, DECODE_PACKET); t.is(d.type, c[1]); t.is(d.packetId, c[2]);
  }
});

test('codec: decode SUBACK including the 0x80 failure code', (t) => {
  const d = decodeOne([0x90, 0x05, 0x00, 0x0a, 0x00, 0x01, 0x80]);
  t.is(d.result, DECODE_PACKET); t.is(d.type, SUBACK); t.is(d.packetId, 10);
  t.deepEqual(bytesOf(d.data, d.payloadStart, d.payloadEnd), [0, 1, 0x80]);
  const d2 = decodeOne([0x90, 0x03, 0x00, 0x01, 0x02]);
  t.deepEqual(bytesOf(d2.data, d2.payloadStart, d2.payloadEnd), [2]);
});

test('codec: decode PINGRESP', (t) => {
  const d = decodeOne([0xd0, 0x00]);
  t.is(d.result, DECODE_PACKET); t.is(d.type, PINGRESP);
});

// ---- round trips ----

test('codec: publishes encoded by us decode to the same fields', (t) => {
  const topics = ['a', 'a/b/c', UTF8_TOPIC, '/leading', 'trailing/', 'x'.repeat(300)];
  const payloads: (string | Uint8Array)[] = ['', 'hello', '日本語 😀', new Uint8Array([0, 255, 128, 7])];
  let id = 1;
  for (const topic of topics) for (const p of payloads) for (let qos = 0; qos < 2; qos++) {
    const retain = (id & 1) === 1, dup = qos === 1 && (id & 2) === 2;
    const b = enc((buf, off) => encodePublish(buf, off, topic, p, qos as 0 | 1, retain, dup, id), 2048);
    const d = decodeOne(b, 2048);
    t.is(d.result, DECODE_PACKET);
    t.is(d.topic, topic);
    t.is(d.qos, qos); t.is((d.first & 1) === 1, retain); t.is((d.first & 8) === 8, dup);
    t.is(d.packetId, qos ? id : 0);
    if (typeof p === 'string') t.is(readUtf8(d.data, d.payloadStart, d.payloadEnd), p);
    t.deepEqual(bytesOf(d.data, d.payloadStart, d.payloadEnd), typeof p === 'string' ? bytesOf(b, b.length - utf8Length(p), b.length) : bytesOf(p, 0, p.length));
    id++;
  }
});

// ---- UTF-8 ----

test('codec: utf8Length counts bytes; astral characters are 4, lone surrogates 3 (U+FFFD)', (t) => {
  t.is(utf8Length(''), 0);
  t.is(utf8Length('a'), 1);
  t.is(utf8Length('\u007f\u0080\u07ff\u0800\uffff'), 1 + 2 + 2 + 3 + 3);
  t.is(utf8Length('😀'), 4);
  t.is(utf8Length('\ud83d'), 3);
  t.is(utf8Length('\ude00x'), 4);
  t.is(utf8Length('\ude00\ud83d'), 6); // reversed pair: two lone surrogates
});

test('codec: writeUtf8 boundaries and lone surrogates become EF BF BD', (t) => {
  const buf = filled(40);
  const end = writeUtf8(buf, 1, '\u007f\u0080\u07ff\u0800\uffff\u{10000}\u{10ffff}\ud800!');
  t.bytes(buf.subarray(0, end + 1), [SENTINEL, 0x7f, 0xc2, 0x80, 0xdf, 0xbf, 0xe0, 0xa0, 0x80, 0xef, 0xbf, 0xbf,
    0xf0, 0x90, 0x80, 0x80, 0xf4, 0x8f, 0xbf, 0xbf, 0xef, 0xbf, 0xbd, 0x21, SENTINEL]);
});

test('codec: readUtf8 accepts every boundary code point', (t) => {
  const b = new Uint8Array([0x00, 0x7f, 0xc2, 0x80, 0xdf, 0xbf, 0xe0, 0xa0, 0x80, 0xed, 0x9f, 0xbf, 0xee, 0x80, 0x80,
    0xef, 0xbf, 0xbf, 0xf0, 0x90, 0x80, 0x80, 0xf4, 0x8f, 0xbf, 0xbf]);
  t.is(readUtf8(b, 0, b.length), '\u0000\u007f\u0080\u07ff\u0800\ud7ff\ue000\uffff\u{10000}\u{10ffff}');
  t.is(readUtf8(new Uint8Array(UTF8_TOPIC_BYTES), 0, 28), UTF8_TOPIC);
  t.is(readUtf8(b, 3, 3), '');
});

test('codec: readUtf8 rejects overlongs, encoded surrogates, > U+10FFFF, truncation, stray bytes', (t) => {
  const bad: number[][] = [
    [0xc0, 0x80], [0xc1, 0xbf], [0xe0, 0x80, 0x80], [0xe0, 0x9f, 0xbf], [0xf0, 0x80, 0x80, 0x80], [0xf0, 0x8f, 0xbf, 0xbf], // overlong
    [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], // UTF-16 surrogates encoded in UTF-8
    [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80, 0x80, 0x80], [0xff], // beyond U+10FFFF
    [0xc3], [0xe6, 0x97], [0xf0, 0x9f, 0x98], // truncated
    [0x80], [0xc3, 0x41], [0x61, 0xbf], // stray or missing continuation
  ];
  for (const b of bad) t.is(readUtf8(new Uint8Array(b), 0, b.length), TOPIC_BAD_UTF8, b.join(' '));
  // A sequence cut by the end index is truncated even when the buffer goes on.
  t.is(readUtf8(new Uint8Array([0xc3, 0xa9]), 0, 1), TOPIC_BAD_UTF8);
});

// ---- decode errors ----

test('codec: error on a remaining length longer than 4 bytes', (t) => {
  decodeError(t, [0x30, 0xff, 0xff, 0xff, 0xff, 0x01], 'PACKET_MALFORMED', 'remaining length longer than 4 bytes');
});

test('codec: error on packet types a client never receives', (t) => {
  decodeError(t, [0x10, 0x00], 'PROTOCOL_ERROR', 'the broker sent CONNECT, which only a client sends');
  decodeError(t, [0x82, 0x00], 'PROTOCOL_ERROR', 'the broker sent SUBSCRIBE, which only a client sends');
  decodeError(t, [0xa2, 0x00], 'PROTOCOL_ERROR', 'the broker sent UNSUBSCRIBE, which only a client sends');
  decodeError(t, [0xc0, 0x00], 'PROTOCOL_ERROR', 'the broker sent PINGREQ, which only a client sends');
  decodeError(t, [0xe0, 0x00], 'PROTOCOL_ERROR', 'the broker sent DISCONNECT, which only a client sends');
  // refused at the first byte: nothing after it is needed
  decodeError(t, [0xc0], 'PROTOCOL_ERROR', 'the broker sent PINGREQ');
  decodeError(t, [0xf0], 'PACKET_MALFORMED', 'packet type 15 is reserved');
  decodeError(t, [0x00, 0x00], 'PACKET_MALFORMED', 'packet type 0 is reserved');
  decodeError(t, [0xf0, 0x00], 'PACKET_MALFORMED', 'packet type 15 is reserved');
});

test('codec: error on wrong fixed-header flags and QoS 3', (t) => {
  decodeError(t, [0x21], 'PACKET_MALFORMED', 'CONNACK with fixed-header flags 0x1');
  decodeError(t, [0x42, 0x02, 0x00, 0x01], 'PACKET_MALFORMED', 'PUBACK with fixed-header flags 0x2');
  decodeError(t, [0x60, 0x02, 0x00, 0x01], 'PACKET_MALFORMED', 'PUBREL with fixed-header flags 0x0');
  decodeError(t, [0x98, 0x03, 0x00, 0x01, 0x00], 'PACKET_MALFORMED', 'SUBACK with fixed-header flags 0x8');
  decodeError(t, [0xb1, 0x02, 0x00, 0x01], 'PACKET_MALFORMED', 'UNSUBACK with fixed-header flags');
  decodeError(t, [0xd1, 0x00], 'PACKET_MALFORMED', 'PINGRESP with fixed-header flags');
  decodeError(t, [0x36, 0x05, 0x00, 0x01, 0x74, 0x00, 0x01], 'PACKET_MALFORMED', 'PUBLISH with QoS 3');
});

test('codec: error on lengths that disagree with the packet type', (t) => {
  decodeError(t, [0x20, 0x03, 0x00, 0x00, 0x00], 'PACKET_MALFORMED', 'CONNACK with remaining length 3');
  decodeError(t, [0x40, 0x03, 0x00, 0x01, 0x00], 'PACKET_MALFORMED', 'PUBACK with remaining length 3');
  decodeError(t, [0x40, 0x01, 0x00], 'PACKET_MALFORMED', 'PUBACK with remaining length 1');
  decodeError(t, [0xb0, 0x00], 'PACKET_MALFORMED', 'UNSUBACK with remaining length 0');
  decodeError(t, [0xd0, 0x01, 0x00], 'PACKET_MALFORMED', 'PINGRESP with remaining length 1');
  decodeError(t, [0x90, 0x02, 0x00, 0x01], 'PACKET_MALFORMED', 'SUBACK with remaining length 2');
  decodeError(t, [0x30, 0x02, 0x00, 0x00], 'PACKET_MALFORMED', 'PUBLISH with remaining length 2');
  decodeError(t, [0x32, 0x04, 0x00, 0x01, 0x74, 0x00], 'PACKET_MALFORMED', 'PUBLISH with remaining length 4');
  // refused as soon as the length is known, before the body
  decodeError(t, [0x40, 0x05], 'PACKET_MALFORMED', 'PUBACK with remaining length 5');
});

test('codec: error on CONNACK reserved bits and SUBACK codes other than 0, 1, 2, 0x80', (t) => {
  decodeError(t, [0x20, 0x02, 0x02, 0x00], 'PACKET_MALFORMED', 'CONNACK with flags 0x2');
  decodeError(t, [0x90, 0x03, 0x00, 0x01, 0x03], 'PACKET_MALFORMED', 'SUBACK return code 0x3');
  decodeError(t, [0x90, 0x04, 0x00, 0x01, 0x00, 0x81], 'PACKET_MALFORMED', 'SUBACK return code 0x81');
});

test('codec: error on a PUBLISH topic length beyond the packet, an empty topic, packet id 0', (t) => {
  decodeError(t, [0x30, 0x04, 0x00, 0x05, 0x61, 0x62], 'PACKET_MALFORMED', 'PUBLISH topic runs past the end of the packet');
  decodeError(t, [0x32, 0x05, 0x00, 0x02, 0x61, 0x00, 0x01], 'PACKET_MALFORMED', 'PUBLISH topic runs past the end of the packet');
  decodeError(t, [0x30, 0x04, 0x00, 0x00, 0x61, 0x62], 'PACKET_MALFORMED', 'PUBLISH with an empty topic');
  decodeError(t, [0x32, 0x05, 0x00, 0x01, 0x74, 0x00, 0x00], 'PACKET_MALFORMED', 'PUBLISH with packet id 0');
});

test('codec: error on invalid UTF-8, U+0000 or wildcards in a PUBLISH topic', (t) => {
  decodeError(t, [0x30, 0x04, 0x00, 0x02, 0xc0, 0x80], 'PACKET_MALFORMED', 'not valid UTF-8'); // overlong NUL
  decodeError(t, [0x30, 0x05, 0x00, 0x03, 0xed, 0xa0, 0x80], 'PACKET_MALFORMED', 'not valid UTF-8'); // surrogate
  decodeError(t, [0x30, 0x06, 0x00, 0x04, 0xf4, 0x90, 0x80, 0x80], 'PACKET_MALFORMED', 'not valid UTF-8');
  decodeError(t, [0x30, 0x05, 0x00, 0x02, 0xe6, 0x97, 0xa5], 'PACKET_MALFORMED', 'not valid UTF-8'); // cut by topic length
  decodeError(t, [0x30, 0x03, 0x00, 0x01, 0x00], 'PACKET_MALFORMED', 'U+0000');
  decodeError(t, [0x30, 0x05, 0x00, 0x03, 0x61, 0x2f, 0x23], 'PACKET_MALFORMED', 'wildcard');
  decodeError(t, [0x30, 0x03, 0x00, 0x01, 0x2b], 'PACKET_MALFORMED', 'wildcard');
});

test('codec: a non-PUBLISH packet larger than the receive buffer is an error, not an overflow', (t) => {
  const b = [0x90, 0x0e, 0x00, 0x01];
  for (let i = 0; i < 12; i++) b.push(0);
  decodeError(t, b, 'PROTOCOL_ERROR', 'SUBACK of 16 bytes is larger than the receive buffer (8 bytes)', 8);
});

test('codec: after an error the decoder consumes everything until reset(), then decodes again', (t) => {
  const d = new Decoder(new Uint8Array(64));
  const bad = new Uint8Array([0x10, 0x00, 0xd0, 0x00]);
  t.is(d.feed(bad, 0, 4), 4);
  t.is(d.result, DECODE_ERROR);
  const err = d.error;
  t.is(d.feed(bad, 2, 4), 4);
  t.is(d.result, DECODE_ERROR);
  t.is(d.error, err);
  d.reset();
  t.is(d.error, null);
  t.is(d.feed(bad, 2, 4), 4);
  t.is(d.result, DECODE_PACKET);
  t.is(d.type, PINGRESP);
});

test('codec: reset() in the middle of a packet starts over at a packet boundary', (t) => {
  const d = new Decoder(new Uint8Array(64));
  const p = new Uint8Array([0x30, 0x07, 0x00, 0x03, 0x61, 0x2f, 0x62, 0x68, 0x69, 0x40, 0x02, 0x00, 0x07]);
  d.feed(p, 0, 5);
  d.reset();
  t.is(d.feed(p, 9, 13), 13);
  t.is(d.result, DECODE_PACKET);
  t.is(d.type, PUBACK);
  t.is(d.packetId, 7);
});

test('codec: feed() never throws and always makes progress on random bytes', (t) => {
  const r = rng(12345);
  let errors = 0;
  for (let round = 0; round < 300; round++) {
    const d = new Decoder(new Uint8Array(8 + Math.floor(r() * 64)));
    const data = new Uint8Array(1 + Math.floor(r() * 40));
    for (let i = 0; i < data.length; i++) data[i] = Math.floor(r() * 256);
    if (r() < 0.5) data[0] = (data[0] & 0x0f) | 0x30; // make PUBLISH headers common
    let i = 0, steps = 0;
    while (i < data.length && steps++ < 1000) {
      const e = Math.min(data.length, i + 1 + Math.floor(r() * 8));
      const j = d.feed(data, i, e);
      t.true(j > i && j <= e, 'progress ' + i + ' -> ' + j + ' within ' + e);
      if (d.result === DECODE_ERROR) { errors++; t.true(d.error !== null); d.reset(); }
      i = j;
    }
    t.true(i === data.length, 'consumed everything');
  }
  t.true(errors > 0, 'random bytes produce errors');
});

// ---- user-input errors (thrown before anything is written) ----

function throwsUntouched(t: Assert, code: string, fn: (buf: Uint8Array, off: number) => number, what: string): void {
  const buf = filled(256);
  t.throwsCode(() => fn(buf, 0), code, what);
  for (let i = 0; i < 64; i++) if (buf[i] !== SENTINEL) { t.fail(what + ': byte ' + i + ' was written before the throw'); return; }
}

test('codec: invalid publish topics throw TOPIC_INVALID', (t) => {
  const topics = ['', 'a/+', 'a/#', '+', '#', 'a+b', 'nul\u0000here', 'lone\ud800surrogate', 'x\udc00'];
  for (const topic of topics) {
    throwsUntouched(t, 'TOPIC_INVALID', (b, o) => encodePublish(b, o, topic, 'x', 0, false, false, 0), JSON.stringify(topic));
    t.throwsCode(() => validateTopicName(topic), 'TOPIC_INVALID', JSON.stringify(topic));
  }
  throwsUntouched(t, 'TOPIC_INVALID', (b, o) => encodeConnect(b, o, { clientId: 'c', cleanSession: true, keepalive: 1, will: { topic: 'a/#', payload: '', qos: 0, retain: false } }), 'will topic');
  validateTopicName('a/b/😀');
  validateTopicName('/');
});

test('codec: misplaced wildcards in filters throw TOPIC_INVALID; well-placed ones pass', (t) => {
  const bad = ['', 'a/b#', 'a+/b', '#/a', 'a/#/b', '+a', 'a/b+', '##', '++', 'a/#b', 'x\u0000'];
  for (const f of bad) {
    throwsUntouched(t, 'TOPIC_INVALID', (b, o) => encodeSubscribe(b, o, 1, [f], [0]), 'subscribe ' + JSON.stringify(f));
    throwsUntouched(t, 'TOPIC_INVALID', (b, o) => encodeUnsubscribe(b, o, 1, ['ok', f]), 'unsubscribe ' + JSON.stringify(f));
  }
  const good = ['#', '+', 'a/#', 'a/+/b', '+/+', '/+', '+/', '/#', 'a//b', 'sport/tennis/+/#', '😀/+'];
  for (const f of good) {
    validateTopicFilter(f);
    t.true(encodeSubscribe(new Uint8Array(64), 0, 1, [f], [1]) > 0, f);
  }
});

test('codec: strings over 65 535 bytes of UTF-8 throw STRING_TOO_LONG', (t) => {
  const long = 'x'.repeat(65536);
  const euros = '€'.repeat(21846); // 21 846 characters but 65 538 bytes
  throwsUntouched(t, 'STRING_TOO_LONG', (b, o) => encodePublish(b, o, long, '', 0, false, false, 0), 'topic');
  throwsUntouched(t, 'STRING_TOO_LONG', (b, o) => encodePublish(b, o, euros, '', 0, false, false, 0), 'topic in bytes');
  throwsUntouched(t, 'STRING_TOO_LONG', (b, o) => encodeSubscribe(b, o, 1, [long], [0]), 'filter');
  throwsUntouched(t, 'STRING_TOO_LONG', (b, o) => encodeConnect(b, o, { clientId: euros, cleanSession: true, keepalive: 0 }), 'client id');
  throwsUntouched(t, 'STRING_TOO_LONG', (b, o) => encodeConnect(b, o, { clientId: 'c', cleanSession: true, keepalive: 0, username: long }), 'username');
  throwsUntouched(t, 'STRING_TOO_LONG', (b, o) => encodeConnect(b, o, { clientId: 'c', cleanSession: true, keepalive: 0, username: 'u', password: new Uint8Array(65536) }), 'password');
  throwsUntouched(t, 'STRING_TOO_LONG', (b, o) => encodeConnect(b, o, { clientId: 'c', cleanSession: true, keepalive: 0, will: { topic: 'w', payload: long, qos: 0, retain: false } }), 'will payload');
  // exactly 65 535 bytes is fine
  const max = 'x'.repeat(65535);
  const buf = new Uint8Array(65600);
  t.is(encodePublish(buf, 0, max, '', 0, false, false, 0), 1 + 3 + 2 + 65535);
});

test('codec: packet id 0 or beyond 65535 throws PACKET_ID_INVALID', (t) => {
  const ids = [0, 65536, -1, 1.5, NaN];
  for (const id of ids) {
    throwsUntouched(t, 'PACKET_ID_INVALID', (b, o) => encodePublish(b, o, 't', 'x', 1, false, false, id), 'publish ' + id);
    throwsUntouched(t, 'PACKET_ID_INVALID', (b, o) => encodeSubscribe(b, o, id, ['a'], [0]), 'subscribe ' + id);
    throwsUntouched(t, 'PACKET_ID_INVALID', (b, o) => encodeUnsubscribe(b, o, id, ['a']), 'unsubscribe ' + id);
  }
  // QoS 0 publishes carry no id, so it is not checked
  t.is(encodePublish(new Uint8Array(16), 0, 't', 'x', 0, false, false, 0), 6);
});

test('codec: QoS other than 0/1, empty filter lists and other bad arguments throw INVALID_ARGUMENT', (t) => {
  throwsUntouched(t, 'INVALID_ARGUMENT', (b, o) => encodePublish(b, o, 't', 'x', 2 as 1, false, false, 1), 'publish QoS 2');
  throwsUntouched(t, 'INVALID_ARGUMENT', (b, o) => encodeSubscribe(b, o, 1, ['a', 'b'], [0, 2]), 'subscribe QoS 2');
  throwsUntouched(t, 'INVALID_ARGUMENT', (b, o) => encodeSubscribe(b, o, 1, ['a', 'b'], [0]), 'QoS count');
  throwsUntouched(t, 'INVALID_ARGUMENT', (b, o) => encodeSubscribe(b, o, 1, [], []), 'no filters');
  throwsUntouched(t, 'INVALID_ARGUMENT', (b, o) => encodeUnsubscribe(b, o, 1, []), 'no filters to unsubscribe');
  throwsUntouched(t, 'INVALID_ARGUMENT', (b, o) => encodePublish(b, o, 't', 'x', 0, false, true, 0), 'DUP on QoS 0');
  throwsUntouched(t, 'INVALID_ARGUMENT', (b, o) => encodeConnect(b, o, { clientId: 'c', cleanSession: true, keepalive: 65536 }), 'keepalive');
  throwsUntouched(t, 'INVALID_ARGUMENT', (b, o) => encodeConnect(b, o, { clientId: 'c', cleanSession: true, keepalive: -1 }), 'negative keepalive');
  throwsUntouched(t, 'INVALID_ARGUMENT', (b, o) => encodeConnect(b, o, { clientId: 'c', cleanSession: true, keepalive: 5, password: 'p' }), 'password alone');
  throwsUntouched(t, 'INVALID_ARGUMENT', (b, o) => encodeConnect(b, o, { clientId: 'c', cleanSession: true, keepalive: 5, will: { topic: 'w', payload: '', qos: 2 as 1, retain: false } }), 'will QoS 2');
});

// ---- does not fit ----

test('codec: a packet that does not fit returns -1 and writes nothing past buf.length', (t) => {
  const conn: ConnectFields = { clientId: 'dev-1', cleanSession: true, keepalive: 30, username: 'u', password: 'pw', will: { topic: 'st', payload: 'off', qos: 1, retain: true } };
  const encoders: [string, (buf: Uint8Array, off: number) => number][] = [
    ['CONNECT', (b, o) => encodeConnect(b, o, conn)],
    ['PUBLISH', (b, o) => encodePublish(b, o, UTF8_TOPIC, 'payload €', 1, true, false, 3)],
    ['SUBSCRIBE', (b, o) => encodeSubscribe(b, o, 3, ['a/+', '#'], [0, 1])],
    ['UNSUBSCRIBE', (b, o) => encodeUnsubscribe(b, o, 3, ['a/+', '#'])],
  ];
  for (const e of encoders) {
    const size = enc(e[1]).length;
    for (let off = 0; off < 3; off++) {
      // a view over a larger buffer: bytes after the view must stay untouched
      const backing = filled(off + size + 8);
      const tooSmall = backing.subarray(0, off + size - 1);
      t.is(e[1](tooSmall, off), -1, e[0] + ' at ' + off + ' in ' + tooSmall.length + ' bytes');
      for (let i = 0; i < backing.length; i++) if (backing[i] !== SENTINEL) { t.fail(e[0] + ' wrote byte ' + i); break; }
      const exact = backing.subarray(0, off + size);
      t.is(e[1](exact, off), off + size, e[0] + ' fits exactly');
      t.is(backing[off + size], SENTINEL);
    }
    t.is(e[1](new Uint8Array(8), 9), -1, e[0] + ' offset beyond the end');
  }
});

// ---- chunking ----

const STREAM_PARTS: number[][] = [
  [0x20, 0x02, 0x00, 0x00],
  [0x90, 0x04, 0x00, 0x01, 0x01, 0x80],
  [0x3b, 0x08, 0x00, 0x01, 0x74, 0x12, 0x34, 0x01, 0x02, 0x03],
  [0x40, 0x02, 0x00, 0x2a],
  [0xd0, 0x00],
  [0x30, 0x1f, 0x00, 0x1c].concat(UTF8_TOPIC_BYTES).concat([0x21]),
  [0xb0, 0x02, 0x00, 0x0b],
];
const STREAM_EXPECT = [
  'CONNACK sp=false rc=0',
  'SUBACK id=1 [1,128]',
  'PUBLISH t q1 r d id=4660 rl=8 [1,2,3]',
  'type4 id=42',
  'PINGRESP',
  'PUBLISH ' + UTF8_TOPIC + ' q0 id=0 rl=31 [33]',
  'type11 id=11',
];

function bigPublish(len: number): Uint8Array {
  const payload = new Uint8Array(len);
  for (let i = 0; i < len; i++) payload[i] = (i * 7) & 255;
  return enc((b, o) => encodePublish(b, o, 'big', payload, 1, false, false, 77), len + 64);
}

test('codec: several packets in one chunk', (t) => {
  t.deepEqual(decodeStream(new Decoder(new Uint8Array(64)), concat(STREAM_PARTS), whole), STREAM_EXPECT);
});

test('codec: 1-byte chunks', (t) => {
  t.deepEqual(decodeStream(new Decoder(new Uint8Array(64)), concat(STREAM_PARTS), ones), STREAM_EXPECT);
});

test('codec: random chunkings give the same packets', (t) => {
  const data = concat(STREAM_PARTS);
  for (let seed = 1; seed <= 50; seed++) {
    const r = rng(seed);
    t.deepEqual(decodeStream(new Decoder(new Uint8Array(64)), data, () => 1 + Math.floor(r() * 12)), STREAM_EXPECT, 'seed ' + seed);
  }
});

test('codec: a remaining length split across chunks', (t) => {
  const p = bigPublish(20000); // 3-byte remaining length
  t.bytes(p.subarray(0, 4), [0x32, 0xa7, 0x9c, 0x01]); // 2 + 3 + 2 + 20000 = 20007
  for (let cut = 1; cut <= 4; cut++) {
    const d = new Decoder(new Uint8Array(20100));
    t.is(d.feed(p, 0, cut), cut);
    t.is(d.result, DECODE_NEED_MORE);
    t.is(d.feed(p, cut, cut + 1), cut + 1);
    t.is(d.result, DECODE_NEED_MORE);
    t.is(d.feed(p, cut + 1, p.length), p.length);
    t.is(d.result, DECODE_PACKET, 'cut at ' + cut);
    t.is(d.remainingLength, 20007);
    t.is(d.packetId, 77);
    t.is(d.payloadEnd - d.payloadStart, 20000);
    t.is(d.buf[d.payloadStart + 19999], (19999 * 7) & 255);
  }
});

test('codec: feed() stops at the end of one packet and hands back the rest', (t) => {
  const data = concat(STREAM_PARTS);
  const d = new Decoder(new Uint8Array(64));
  t.is(d.feed(data, 0, data.length), 4);
  t.is(d.result, DECODE_PACKET);
  t.is(d.feed(data, 4, data.length), 10);
  t.is(d.type, SUBACK);
  t.is(d.feed(data, 7, 7), 7);
  t.is(d.result, DECODE_NEED_MORE);
});

// ---- oversize PUBLISH: reported at its header, drained, the stream goes on ----

test('codec: a 10 KB publish into a 64-byte buffer is reported at its header, drained, then decoding goes on', (t) => {
  const big = bigPublish(10240);
  const stream = concat([big, [0x40, 0x02, 0x00, 0x05], big, [0xd0, 0x00]]);
  const expect = ['too large PUBLISH q1 rl=10247 size=10250', 'drained id=77', 'type4 id=5',
    'too large PUBLISH q1 rl=10247 size=10250', 'drained id=77', 'PINGRESP'];
  t.deepEqual(decodeStream(new Decoder(new Uint8Array(64)), stream, whole), expect, 'one chunk');
  t.deepEqual(decodeStream(new Decoder(new Uint8Array(64)), stream, ones), expect, '1-byte chunks');
  for (let seed = 1; seed <= 20; seed++) {
    const r = rng(seed * 7919);
    t.deepEqual(decodeStream(new Decoder(new Uint8Array(64)), stream, () => 1 + Math.floor(r() * 3000)), expect, 'seed ' + seed);
  }
});

test('codec: an oversize publish is reported as soon as its remaining length is known', (t) => {
  const d = new Decoder(new Uint8Array(64));
  const h = new Uint8Array([0x32, 0xe8, 0x07]); // QoS 1, remaining length 1000: nothing of the body yet
  t.is(d.feed(h, 0, 3), 3);
  t.is(d.result, DECODE_TOO_LARGE);
  t.is(d.size, 1003);
  t.is(d.qos, 1);
});

test('codec: an oversize publish whose topic does not fit still yields its packet id', (t) => {
  const topic = 'long/' + 'x'.repeat(95);
  const b = enc((buf, off) => encodePublish(buf, off, topic, new Uint8Array(50), 1, true, true, 0xbeef), 512);
  const out = decodeStream(new Decoder(new Uint8Array(64)), concat([b, [0x40, 0x02, 0x00, 0x01]]), ones);
  t.deepEqual(out, ['too large PUBLISH q1 rl=154 size=157', 'drained id=48879', 'type4 id=1']);
  const d2 = new Decoder(new Uint8Array(64));
  t.is(d2.feed(b, 0, b.length), 3);
  t.is(d2.result, DECODE_TOO_LARGE);
  t.is(d2.feed(b, 3, b.length), b.length);
  t.is(d2.result, DECODE_DRAINED);
  t.is(d2.packetId, 0xbeef);
});

test('codec: oversize publish with the packet id at the edge of the buffer', (t) => {
  // buffer 64, 3-byte fixed header: the packet id sits at body 2 + topic length, stored or not
  for (let tl = 55; tl <= 62; tl++) {
    const topic = 'x'.repeat(tl);
    const b = enc((buf, off) => encodePublish(buf, off, topic, new Uint8Array(200), 1, false, false, 0x1234 + tl), 512);
    for (let seed = 1; seed <= 5; seed++) {
      const r = rng(seed + tl * 100);
      const d = new Decoder(new Uint8Array(64));
      const out = decodeStream(d, b, seed === 1 ? ones : () => 1 + Math.floor(r() * 80));
      t.is(out.length, 2, 'topic length ' + tl);
      t.is(d.result, DECODE_DRAINED, 'topic length ' + tl);
      t.is(d.packetId, 0x1234 + tl, 'topic length ' + tl);
    }
  }
});

test('codec: oversize QoS 0 publish and a buffer of exactly the packet size', (t) => {
  const b = enc((buf, off) => encodePublish(buf, off, 'q0', new Uint8Array(100), 0, false, false, 0));
  const fits = new Decoder(new Uint8Array(b.length));
  fits.feed(b, 0, b.length);
  t.is(fits.result, DECODE_PACKET);
  const small = new Decoder(new Uint8Array(b.length - 1));
  t.deepEqual(decodeStream(small, b, whole), ['too large PUBLISH q0 rl=104 size=' + b.length, 'drained id=0']);
  // split packets that fit are assembled in the buffer: the same fields
  const split = new Decoder(new Uint8Array(b.length));
  t.deepEqual(decodeStream(split, b, ones), ['PUBLISH q0 q0 id=0 rl=104 [' + bytesOf(b, 6, b.length).join(',') + ']']);
});

test('codec: the receive buffer must hold at least 8 bytes', (t) => {
  t.throwsCode(() => new Decoder(new Uint8Array(7)), 'INVALID_ARGUMENT');
  t.is(new Decoder(new Uint8Array(8)).buf.length, 8);
});
