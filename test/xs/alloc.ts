// XS entry for the allocation test: the per-message paths, metered one xsnap command per loop by
// scripts/xs/alloc-check.ts, which requires the slots each loop may leave behind:
//   session.*  the sans-I/O session alone (no transport): a publish of bytes, its PUBACK,
//              PINGREQ/PINGRESP: nothing; a publish of a string: the result object of the
//              engine's native encodeInto; an incoming PUBLISH: the payload view handed to the
//              application
//   device.*   MqttClient over the Moddable platform adapter (src/platform/moddable.ts) with
//              allocation-free fakes of the engine modules (alloc-fakes.ts): the same budgets,
//              so the adapter's socket reads and writes allocate nothing either
import { Session } from '../../src/session/session.js';
import type { MqttError } from '../../src/errors.js';
import { MqttClient } from '../../src/client.js';
import { createModdablePlatform } from '../../src/platform/moddable.js';
import { fakeSocket, fakeClock, fireTimers } from './alloc-fakes.js';
import { xsCommand } from './xs-globals.js';

const CONNACK = new Uint8Array([0x20, 2, 0, 0]);
const PINGRESP = new Uint8Array([0xd0, 0]);
const puback = new Uint8Array([0x40, 2, 0, 0]);
const TOPIC = 'dev/alloc/temp';
// an incoming QoS 0 PUBLISH on "dev/alloc/in" with a 16-byte payload
const IN16 = new Uint8Array([0x30, 30, 0, 12, 100, 101, 118, 47, 97, 108, 108, 111, 99, 47, 105, 110,
  48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);

let now = 1000;
let notSent = 0, bytesOut = 0, packetsOut = 0, acked = 0, errors = 0, received = 0, pings = 0, lastError = '';
let lastOut: Uint8Array = CONNACK, lastStart = 0;

class Meter extends Session {
  protected _open(): void {}
  protected _close(): void {}
  protected _write(buf: Uint8Array, start: number, end: number): void {
    packetsOut++; bytesOut += end - start; lastOut = buf; lastStart = start;
    if (buf[start] === 0xc0) pings++;
  }
  protected _connected(): void {}
  protected _message(): void { received++; }
  protected _published(): void { acked++; }
  protected _error(e: MqttError): void { errors++; lastError = e.code + ': ' + e.message; }
  protected _disconnected(): void {}
  protected _now(): number { return now; }
}
const session = new Meter({ clientId: 'alloc-test', keepalive: 60 });

// The id of the QoS 1 PUBLISH just written (after its topic), into the PUBACK.
function ackLast(): void {
  const at = lastStart + 2 + 2 + ((lastOut[lastStart + 2] << 8) | lastOut[lastStart + 3]);
  puback[2] = lastOut[at];
  puback[3] = lastOut[at + 1];
}

xsCommand('session.connect', function () {
  session.start(now);
  session.opened(now);
  session.receive(CONNACK, 0, 4);
  return String(session.state);
});
const BYTES = new Uint8Array([50, 49, 46, 53]); // "21.5"
// Each publish loop runs with a string payload ('21.5': command name ending in "s") and with
// bytes (BYTES: "b"); the argument is the number of cycles (parsing more would allocate).
function both(name: string, loop: (payload: string | Uint8Array, n: number) => void): void {
  xsCommand(name + 's', function (arg) { loop('21.5', Number(arg)); });
  xsCommand(name + 'b', function (arg) { loop(BYTES, Number(arg)); });
}

both('session.qos0', function (p, n) {
  for (let i = 0; i < n; i++) if (session.publish(TOPIC, p, 0, false) !== 'sent') notSent++;
});
both('session.qos1', function (p, n) {
  for (let i = 0; i < n; i++) {
    if (session.publish(TOPIC, p, 1, false) !== 'sent') notSent++;
    ackLast();
    now++; session.receive(puback, 0, 4);
  }
});
// two topics in turn, both ways: remembered topics are neither checked nor converted again
const TOPIC2 = 'dev/alloc/status';
both('session.two0', function (p, n) {
  for (let i = 0; i < n; i++) if (session.publish(i & 1 ? TOPIC2 : TOPIC, p, 0, false) !== 'sent') notSent++;
});
// IN16 on "dev/alloc/in", and the same on "dev/alloc/ix"
const IN16B = IN16.slice(0);
IN16B[15] = 120;
xsCommand('session.in16two', function (arg) {
  for (let i = 0, n = Number(arg); i < n; i++) { now++; session.receive(i & 1 ? IN16B : IN16, 0, IN16.length); }
});
xsCommand('session.in16', function (arg) {
  for (let i = 0, n = Number(arg); i < n; i++) { now++; session.receive(IN16, 0, IN16.length); }
});
xsCommand('session.ping', function (arg) {
  for (let i = 0, n = Number(arg); i < n; i++) {
    now += 60000;
    session.tick(now);
    session.receive(PINGRESP, 0, 2);
  }
});

// ---- the same through MqttClient and the Moddable adapter ----

const platform = createModdablePlatform();
const client = new MqttClient({
  host: '10.0.0.2', clientId: 'alloc-device', keepalive: 60, platform: platform,
  receiveBufferSize: 512, transmitBufferSize: 256, outboxSize: 1024, maxInflight: 4, // ESP8266's
});
client.onPublished = function () { acked++; };
client.onError = function (e: MqttError) { errors++; lastError = e.code + ': ' + e.message; };
client.subscribe('dev/alloc/+', 0, function () { received++; });

xsCommand('device.connect', function () {
  client.connect();
  fireTimers();
  fakeSocket().open(1460);
  fakeSocket().deliver(CONNACK, 0, 4);
  fireTimers();
  const sub = fakeSocket().written(); // the SUBSCRIBE, answered
  fakeSocket().deliver(new Uint8Array([0x90, 3, sub[2], sub[3], 0]), 0, 5);
  return String(client.connected);
});
both('device.qos0', function (p, n) {
  const s = fakeSocket();
  for (let i = 0; i < n; i++) {
    if (client.publish(TOPIC, p, 0) !== 'sent') notSent++;
    s.sent(); // what was written has gone out: the socket says it can take more
  }
});
both('device.qos1', function (p, n) {
  const s = fakeSocket();
  for (let i = 0; i < n; i++) {
    if (client.publish(TOPIC, p, 1) !== 'sent') notSent++;
    const id = client.lastPacketId;
    puback[2] = id >> 8; puback[3] = id & 255;
    s.deliver(puback, 0, 4);
  }
});
both('device.two0', function (p, n) {
  const s = fakeSocket();
  for (let i = 0; i < n; i++) {
    if (client.publish(i & 1 ? TOPIC2 : TOPIC, p, 0) !== 'sent') notSent++;
    s.sent();
  }
});
xsCommand('device.in16two', function (arg) {
  const s = fakeSocket();
  for (let i = 0, n = Number(arg); i < n; i++) s.deliver(i & 1 ? IN16B : IN16, 0, IN16.length);
});
xsCommand('device.in16', function (arg) {
  const s = fakeSocket();
  for (let i = 0, n = Number(arg); i < n; i++) s.deliver(IN16, 0, IN16.length);
});
xsCommand('device.ping', function (arg) {
  const s = fakeSocket();
  for (let i = 0, n = Number(arg); i < n; i++) {
    fakeClock.ticks += 60000;
    fireTimers();
    s.deliver(PINGRESP, 0, 2);
  }
});

xsCommand('alloc.reset', function () {
  notSent = bytesOut = packetsOut = acked = errors = received = pings = 0;
  fakeSocket().reset();
  lastError = '';
});
xsCommand('alloc.stats', function () {
  const s = fakeSocket();
  return JSON.stringify({
    notSent: notSent, packetsOut: packetsOut + s.writes, bytesOut: bytesOut + s.bytes, acked: acked, errors: errors,
    received: received, pings: pings + s.pings, lastError: lastError,
    inflight: session.outboxCount() + client.outboxCount(),
  });
});
