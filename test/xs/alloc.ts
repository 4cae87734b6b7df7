// XS entry for the zero-allocation test: codec + session driven with no transport.
// scripts/test-xs.ts warms these loops up, then meters one command per loop and requires that the
// loop left no heap slot allocated (xsnap's currentHeapCount, with no collection in between).
import { Session } from '../../src/session/session.js';
import type { MqttError } from '../../src/errors.js';
import { validateTopicName } from '../../src/codec/utf8.js';
import { publishLength, encodePublish } from '../../src/codec/encode.js';
import { Decoder } from '../../src/codec/decoder.js';
import { xsCommand } from './xs-globals.js';

const CONNACK = new Uint8Array([0x20, 2, 0, 0]);
const puback = new Uint8Array([0x40, 2, 0, 0]);
const payload = new Uint8Array([50, 49, 46, 53]);   // "21.5"
const TOPIC = 'dev/alloc/temp';

let now = 1000;
let notSent = 0, bytesOut = 0, packetsOut = 0, acked = 0, errors = 0, lastError = '';

const session = new Session({ clientId: 'alloc-test', keepalive: 60 }, {
  open: function () {},
  close: function () {},
  connected: function () {},
  message: function () {},
  published: function () { acked++; },
  subscribed: function () {},
  unsubscribed: function () {},
  error: function (e: MqttError) { errors++; lastError = e.code + ': ' + e.message; },
  disconnected: function () {},
});

function drain(): void {
  let n = session.pull();
  while (n > 0) { bytesOut += n; packetsOut++; n = session.pull(); }
}

function qos0(count: number): void {
  for (let i = 0; i < count; i++) {
    now++;
    if (session.publish(TOPIC, payload, 0, false, now) !== 'sent') notSent++;
    drain();
  }
}

function qos1(count: number): void {
  for (let i = 0; i < count; i++) {
    now++;
    if (session.publish(TOPIC, payload, 1, false, now) !== 'sent') notSent++;
    drain();
    const id = session.lastPacketId;
    puback[2] = id >> 8;
    puback[3] = id & 255;
    session.receive(puback, 0, 4, now);
    drain();
  }
}

xsCommand('alloc.connect', function () {
  session.start(now);
  session.opened(now);
  drain();
  session.receive(CONNACK, 0, 4, now);
  drain();
  return String(session.state);
});
xsCommand('alloc.qos0', function (arg) { qos0(Number(arg)); });
xsCommand('alloc.qos1', function (arg) { qos1(Number(arg)); });
// The pieces of a publish cycle one by one, so a failing loop can say where the slots go.
const scratch = new Uint8Array(256);
const decoder = new Decoder(new Uint8Array(64));
const PUBACK_1 = new Uint8Array([0x40, 2, 0, 1]);
let sink = 0;
xsCommand('alloc.part.validateTopicName', function (arg) {
  for (let i = 0; i < Number(arg); i++) validateTopicName(TOPIC);
});
xsCommand('alloc.part.publishLength', function (arg) {
  for (let i = 0; i < Number(arg); i++) sink += publishLength(TOPIC, payload, 1);
});
xsCommand('alloc.part.encodePublish', function (arg) {
  for (let i = 0; i < Number(arg); i++) sink += encodePublish(scratch, 0, TOPIC, payload, 1, false, false, 1);
});
xsCommand('alloc.part.decodePuback', function (arg) {
  for (let i = 0; i < Number(arg); i++) sink += decoder.feed(PUBACK_1, 0, 4);
});

xsCommand('alloc.reset', function () { notSent = bytesOut = packetsOut = acked = errors = 0; lastError = ''; });
xsCommand('alloc.stats', function () {
  return JSON.stringify({
    notSent: notSent, bytesOut: bytesOut, packetsOut: packetsOut, acked: acked, errors: errors,
    lastError: lastError, inflight: session.inflightCount, queued: session.queuedCount,
  });
});
