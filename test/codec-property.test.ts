// Cross-checks our codec against an independent one (mqtt-packet), with fast-check:
// random packets we encode must parse identically in mqtt-packet, and packets mqtt-packet
// generates for the types a client receives must decode identically with ours, whatever the chunking.
import test from 'ava';
import fc from 'fast-check';
import mqtt from 'mqtt-packet';
import { encodeConnect, encodePublish, encodeFilters, ConnectFields } from '../src/codec/encode.js';
import { Decoder, DECODE_NEED_MORE, DECODE_PACKET, DECODE_ERROR } from '../src/codec/decoder.js';
import { CONNACK, PUBLISH, PUBACK, SUBACK, UNSUBACK, PINGRESP } from '../src/codec/constants.js';

function connectLength(o: ConnectFields): number { return encodeConnect(null, 0, o); }
function publishLength(topic: string, payload: Uint8Array | string, qos: number): number {
  return encodePublish(null, 0, topic, payload, qos, false, false, 1);
}

const RUNS = 300;

// ---- arbitraries ----

// Any code point (astral included, no lone surrogates), biased towards '/' so topics have levels.
const char = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('a', 'b', '/', 'é', '日', '😀', ' ') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);
const text = (min: number, max: number) => fc.array(char, { minLength: min, maxLength: max }).map((a) => a.join(''));
const topicName = text(1, 40).filter((s) => !/[+#\u0000]/.test(s));
const level = text(0, 6).filter((s) => !/[+#/\u0000]/.test(s));
const topicFilter = fc.tuple(fc.array(fc.oneof(level, fc.constant('+')), { minLength: 1, maxLength: 5 }), fc.boolean())
  .map(([levels, hash]) => (hash ? levels.concat(['#']) : levels).join('/'))
  .filter((s) => s.length > 0);
const packetId = fc.integer({ min: 1, max: 65535 });
const qos01 = fc.constantFrom(0 as const, 1 as const);
const payload = fc.oneof(fc.uint8Array({ maxLength: 300 }), text(0, 60));

function utf8(s: string | Uint8Array): Buffer {
  return typeof s === 'string' ? Buffer.from(s, 'utf8') : Buffer.from(s);
}

/** Parses one whole buffer with mqtt-packet; fails unless exactly one packet comes out. */
function parseWithMqttPacket(bytes: Uint8Array): Record<string, unknown> {
  const p = mqtt.parser({ protocolVersion: 4 });
  const out: Record<string, unknown>[] = [];
  const errors: Error[] = [];
  p.on('packet', (pk: unknown) => out.push(pk as Record<string, unknown>));
  p.on('error', (e: Error) => errors.push(e));
  p.parse(Buffer.from(bytes));
  if (errors.length) throw errors[0];
  if (out.length !== 1) throw new Error('mqtt-packet parsed ' + out.length + ' packets');
  return out[0];
}

function encodeWith(fn: (buf: Uint8Array, off: number) => number, size: number): Uint8Array {
  const buf = new Uint8Array(size + 3);
  const end = fn(buf, 3); // at an offset, to check the offset is honoured
  if (end !== size + 3) throw new Error('encoder returned ' + end + ', expected ' + (size + 3));
  return buf.subarray(3, end);
}

// ---- ours → mqtt-packet ----

test('codec-property: CONNECT encoded by us parses identically in mqtt-packet', (t) => {
  const connect = fc.record({
    clientId: text(0, 23),
    cleanSession: fc.boolean(),
    keepalive: fc.integer({ min: 0, max: 65535 }),
    username: fc.option(text(0, 20), { nil: undefined }),
    password: fc.option(fc.oneof(text(0, 20), fc.uint8Array({ maxLength: 20 })), { nil: undefined }),
    will: fc.option(fc.record({ topic: topicName, payload, qos: qos01, retain: fc.boolean() }), { nil: undefined }),
  }).map((o) => (o.username === undefined ? { ...o, password: undefined } : o));
  fc.assert(fc.property(connect, (o: ConnectFields) => {
    const bytes = encodeWith((b, off) => encodeConnect(b, off, o), connectLength(o));
    const p = parseWithMqttPacket(bytes) as unknown as mqtt.IConnectPacket;
    t.is(p.cmd, 'connect');
    t.is(p.protocolId, 'MQTT');
    t.is(p.protocolVersion, 4);
    t.is(p.clientId, o.clientId);
    t.is(p.clean, o.cleanSession);
    t.is(p.keepalive, o.keepalive);
    t.is(p.username, o.username);
    if (o.password === undefined) t.is(p.password, undefined);
    else t.deepEqual(Buffer.from(p.password as Buffer), utf8(o.password));
    if (!o.will) t.falsy(p.will);
    else {
      t.is(p.will!.topic, o.will.topic);
      t.deepEqual(Buffer.from(p.will!.payload as Buffer), utf8(o.will.payload));
      t.is(p.will!.qos, o.will.qos);
      t.is(p.will!.retain, o.will.retain);
    }
  }), { numRuns: RUNS });
});

test('codec-property: PUBLISH encoded by us parses identically in mqtt-packet', (t) => {
  fc.assert(fc.property(topicName, payload, qos01, fc.boolean(), fc.boolean(), packetId, (topic, pl, qos, retain, dup, id) => {
    const d = qos === 1 && dup;
    const bytes = encodeWith((b, off) => encodePublish(b, off, topic, pl, qos, retain, d, id), publishLength(topic, pl, qos));
    const p = parseWithMqttPacket(bytes) as unknown as mqtt.IPublishPacket;
    t.is(p.cmd, 'publish');
    t.is(p.topic, topic);
    t.deepEqual(Buffer.from(p.payload as Buffer), utf8(pl));
    t.is(p.qos, qos);
    t.is(p.retain, retain);
    t.is(p.dup, d);
    if (qos === 1) t.is(p.messageId, id);
  }), { numRuns: RUNS });
});

test('codec-property: SUBSCRIBE and UNSUBSCRIBE encoded by us parse identically in mqtt-packet', (t) => {
  const subs = fc.array(fc.tuple(topicFilter, qos01), { minLength: 1, maxLength: 8 });
  fc.assert(fc.property(packetId, subs, (id, list) => {
    const filters = list.map((x) => x[0]);
    const qos = list.map((x) => x[1]);
    const buf = new Uint8Array(4096);
    const end = encodeFilters(buf, 0, id, filters, qos);
    const p = parseWithMqttPacket(buf.subarray(0, end)) as unknown as mqtt.ISubscribePacket;
    t.is(p.cmd, 'subscribe');
    t.is(p.messageId, id);
    t.deepEqual(p.subscriptions.map((s) => [s.topic, s.qos]), list);
    const uend = encodeFilters(buf, 0, id, filters, null);
    const u = parseWithMqttPacket(buf.subarray(0, uend)) as unknown as mqtt.IUnsubscribePacket;
    t.is(u.cmd, 'unsubscribe');
    t.is(u.messageId, id);
    t.deepEqual(u.unsubscriptions, filters);
  }), { numRuns: RUNS });
});

// ---- mqtt-packet → ours, under random chunking ----

type Incoming =
  | { cmd: 'connack'; returnCode: number; sessionPresent: boolean }
  | { cmd: 'publish'; topic: string; payload: Uint8Array | string; qos: 0 | 1; retain: boolean; dup: boolean; messageId?: number }
  | { cmd: 'puback'; messageId: number }
  | { cmd: 'suback'; messageId: number; granted: number[] }
  | { cmd: 'unsuback'; messageId: number }
  | { cmd: 'pingresp' };

const incoming: fc.Arbitrary<Incoming> = fc.oneof(
  fc.record({ cmd: fc.constant('connack' as const), returnCode: fc.integer({ min: 0, max: 5 }), sessionPresent: fc.boolean() })
    .map((c) => (c.returnCode === 0 ? c : { ...c, sessionPresent: false })),
  fc.tuple(topicName, payload, qos01, fc.boolean(), fc.boolean(), packetId).map(([topic, pl, qos, retain, dup, id]) => (
    qos === 0 ? { cmd: 'publish' as const, topic, payload: pl, qos, retain, dup: false }
      : { cmd: 'publish' as const, topic, payload: pl, qos, retain, dup, messageId: id })),
  packetId.map((id) => ({ cmd: 'puback' as const, messageId: id })),
  fc.tuple(packetId, fc.array(fc.constantFrom(0, 1, 2, 0x80), { minLength: 1, maxLength: 10 }))
    .map(([id, granted]) => ({ cmd: 'suback' as const, messageId: id, granted })),
  packetId.map((id) => ({ cmd: 'unsuback' as const, messageId: id })),
  fc.constant({ cmd: 'pingresp' as const }),
);

/** The same description for what we decoded and for what was generated. */
function fromDecoder(d: Decoder): string {
  switch (d.type) {
    case CONNACK: return JSON.stringify({ cmd: 'connack', returnCode: d.data[d.body + 1], sessionPresent: (d.data[d.body] & 1) === 1 });
    case PUBLISH: return JSON.stringify({
      cmd: 'publish', topic: d.topic, payload: Buffer.from(d.data.subarray(d.payloadStart, d.payloadEnd)).toString('hex'),
      qos: d.qos, retain: (d.first & 1) === 1, dup: (d.first & 8) === 8, messageId: d.qos ? d.packetId : undefined,
    });
    case PUBACK: return JSON.stringify({ cmd: 'puback', messageId: d.packetId });
    case SUBACK: return JSON.stringify({ cmd: 'suback', messageId: d.packetId, granted: Array.from(d.data.subarray(d.payloadStart, d.payloadEnd)) });
    case UNSUBACK: return JSON.stringify({ cmd: 'unsuback', messageId: d.packetId });
    case PINGRESP: return JSON.stringify({ cmd: 'pingresp' });
    default: return 'unexpected type ' + d.type;
  }
}

function fromGenerated(p: Incoming): string {
  switch (p.cmd) {
    case 'publish': return JSON.stringify({
      cmd: 'publish', topic: p.topic, payload: utf8(p.payload).toString('hex'), qos: p.qos, retain: p.retain, dup: p.dup,
      messageId: p.qos ? p.messageId : undefined,
    });
    case 'suback': return JSON.stringify({ cmd: 'suback', messageId: p.messageId, granted: p.granted });
    default: return JSON.stringify(p);
  }
}

test('codec-property: packets generated by mqtt-packet decode identically with ours under random chunking', (t) => {
  const cuts = fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 50 });
  fc.assert(fc.property(fc.array(incoming, { minLength: 1, maxLength: 12 }), cuts, fc.integer({ min: 0, max: 2 }), (packets, sizes, mode) => {
    const stream = Buffer.concat(packets.map((p) => mqtt.generate({ ...p, payload: 'payload' in p ? utf8(p.payload) : undefined } as mqtt.Packet)));
    const d = new Decoder(new Uint8Array(2048));
    const got: string[] = [];
    let pos = 0, k = 0;
    while (pos < stream.length) {
      // mode 0: random sizes, 1: one byte at a time, 2: everything at once
      const n = mode === 0 ? sizes[k++ % sizes.length] : mode === 1 ? 1 : stream.length;
      const end = Math.min(stream.length, pos + n);
      let i = pos;
      while (i < end) {
        i = d.feed(stream, i, end);
        if (d.result === DECODE_ERROR) { t.fail(String(d.error)); return; }
        if (d.result === DECODE_PACKET) got.push(fromDecoder(d));
        else t.is(d.result, DECODE_NEED_MORE);
      }
      pos = end;
    }
    t.deepEqual(got, packets.map(fromGenerated));
  }), { numRuns: RUNS });
});
