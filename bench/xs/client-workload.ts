// XS workload: the public client over the scripted platform — what an application pays per call,
// including topic-filter dispatch to a subscription handler.
import { MqttClient } from '../../src/client.js';
import type { MqttError } from '../../src/errors.js';
import { xsCommand } from '../../test/xs/xs-globals.js';
import { ScriptedPlatform } from './scripted-platform.js';
import { CONNACK, PINGRESP, TOPIC, PAYLOAD16, IN16, IN1K, PUBACK, setPubackId, RECEIVE_BUFFER, KEEPALIVE } from './packets.js';

const platform = new ScriptedPlatform();
let received = 0, acked = 0, errors = 0, notSent = 0, lastError = '';

const client = new MqttClient({
  host: '127.0.0.1', port: 1883, clientId: 'bench-xs-client', keepalive: KEEPALIVE,
  receiveBufferSize: RECEIVE_BUFFER, platform: platform,
});
client.onError = function (e: MqttError) { errors++; lastError = e.code + ': ' + e.message; };
client.onPublished = function () { acked++; };
function onTemp(topic: string, payload: Uint8Array): void { received++; }

function step(): void { platform.runDue(); }

xsCommand('c.connect', function () {
  client.connect();
  step();
  if (platform.sink) platform.sink.onOpen();
  step();
  platform.deliver(CONNACK);
  step();
  client.subscribe(TOPIC, 0, onTemp);
  step();
  const suback = new Uint8Array([0x90, 3, platform.lastSubscribeId >> 8, platform.lastSubscribeId & 0xff, 0]);
  platform.deliver(suback);
  step();
  return JSON.stringify({ connected: client.connected, connects: platform.connects, subscribes: platform.subscribes });
});
xsCommand('c.reset', function () {
  received = acked = errors = notSent = 0; lastError = '';
  platform.writes = platform.bytesOut = platform.pingreqs = platform.publishes = 0;
});
xsCommand('c.stats', function () {
  return JSON.stringify({ received: received, acked: acked, errors: errors, notSent: notSent, lastError: lastError,
    writes: platform.writes, publishes: platform.publishes, pings: platform.pingreqs, connected: client.connected });
});
xsCommand('c.qos0', function (arg: string) {
  const n = Number(arg);
  for (let i = 0; i < n; i++) {
    platform.clock++;
    if (client.publish(TOPIC, PAYLOAD16, 0) !== 'sent') notSent++;
    step();
  }
});
xsCommand('c.qos1', function (arg: string) {
  const n = Number(arg);
  for (let i = 0; i < n; i++) {
    platform.clock++;
    if (client.publish(TOPIC, PAYLOAD16, 1) !== 'sent') notSent++;
    step();
    setPubackId(client.lastPacketId);
    platform.deliver(PUBACK);
    step();
  }
});
function incoming(p: Uint8Array, n: number): void {
  for (let i = 0; i < n; i++) {
    platform.clock++;
    platform.deliver(p);
    step();
  }
}
xsCommand('c.in16', function (arg: string) { incoming(IN16, Number(arg)); });
xsCommand('c.in1k', function (arg: string) { incoming(IN1K, Number(arg)); });
xsCommand('c.ping', function (arg: string) {
  const n = Number(arg);
  for (let i = 0; i < n; i++) {
    platform.clock += KEEPALIVE * 1000;
    step();
    platform.deliver(PINGRESP);
    step();
  }
});
