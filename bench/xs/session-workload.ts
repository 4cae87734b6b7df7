// XS workload: codec + session alone, driven by hand (no transport, no client). Every loop is one
// xsnap command, metered from bench/xs.ts; counters let the Node side check the work really happened.
import { Session } from '../../src/session/session.js';
import type { MqttError } from '../../src/errors.js';
import { xsCommand } from '../../test/xs/xs-globals.js';
import { CONNACK, PINGRESP, TOPIC, PAYLOAD16, IN16, IN1K, PUBACK, setPubackId, RECEIVE_BUFFER, KEEPALIVE } from './packets.js';

let now = 1000;
let packetsOut = 0, pings = 0, acked = 0, received = 0, receivedBytes = 0, notSent = 0, errors = 0, lastError = '';

class Bench extends Session {
  protected _open(): void {}
  protected _close(): void {}
  protected _write(buf: Uint8Array, start: number): void { packetsOut++; if (buf[start] === 0xc0) pings++; }
  protected _connected(): void {}
  // topic.length would cost XS 2 heap slots (a String wrapper) and be charged to the session
  protected _message(topic: string, payload: Uint8Array): void { received++; receivedBytes += payload.length; }
  protected _published(): void { acked++; }
  protected _error(e: MqttError): void { errors++; lastError = e.code + ': ' + e.message; }
  protected _disconnected(): void {}
  protected _now(): number { return now; }
}
const session = new Bench({ clientId: 'bench-xs', keepalive: KEEPALIVE, receiveBufferSize: RECEIVE_BUFFER });

// The session writes through _write as it goes: nothing is left to collect.
function drain(): void {}

xsCommand('s.connect', function () {
  session.start(now);
  session.opened(now);
  drain();
  session.receive(CONNACK, 0, CONNACK.length);
  drain();
  return String(session.state);
});
xsCommand('s.reset', function () {
  packetsOut = pings = acked = received = receivedBytes = notSent = errors = 0;
  lastError = '';
});
xsCommand('s.stats', function () {
  return JSON.stringify({ packetsOut: packetsOut, pings: pings, acked: acked, received: received, notSent: notSent, errors: errors, lastError: lastError, inflight: session.outboxCount() });
});
xsCommand('s.qos0', function (arg: string) {
  const n = Number(arg);
  for (let i = 0; i < n; i++) {
    now++;
    if (session.publish(TOPIC, PAYLOAD16, 0, false) !== 'sent') notSent++;
    drain();
  }
});
xsCommand('s.qos1', function (arg: string) {
  const n = Number(arg);
  for (let i = 0; i < n; i++) {
    now++;
    if (session.publish(TOPIC, PAYLOAD16, 1, false) !== 'sent') notSent++;
    drain();
    setPubackId(session.lastPacketId);
    session.receive(PUBACK, 0, 4);
    drain();
  }
});
function incoming(p: Uint8Array, n: number): void {
  for (let i = 0; i < n; i++) {
    now++;
    session.receive(p, 0, p.length);
    drain();
  }
}
xsCommand('s.in16', function (arg: string) { incoming(IN16, Number(arg)); });
xsCommand('s.in1k', function (arg: string) { incoming(IN1K, Number(arg)); });
xsCommand('s.ping', function (arg: string) {
  const n = Number(arg);
  for (let i = 0; i < n; i++) {
    now += KEEPALIVE * 1000;
    session.tick(now);
    drain();
    session.receive(PINGRESP, 0, 2);
    drain();
  }
});
