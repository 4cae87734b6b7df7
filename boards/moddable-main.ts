// Moddable start-up shared by the Moddable boards. Wi-Fi is already up when this runs: the app
// manifest includes Moddable's manifest_net.json, whose setup/network module joins the network
// named by `config.ssid`/`config.password` (mcconfig ssid=... password=...) with the `wifi`
// module and then calls the default export of main.
//
// Configuration is the manifest's `config`, overridden by mcconfig key=value arguments, which
// arrive as strings — hence the Number() on numeric keys.
import config from 'mc/config';
import { startTempSensor } from '../src/apps/temp-sensor.js';
import type { TempSensorApp } from '../src/apps/temp-sensor.js';
import type { TemperatureSensor } from '../src/apps/sensor.js';
import { MqttClient } from '../src/client.js';
import { createModdablePlatform } from '../src/platform/moddable.js';
import type { BoardDefinition } from './board.js';

function num(v: unknown): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return n === n ? n : undefined;
}

export function runModdableBoard(board: BoardDefinition, sensor: TemperatureSensor): TempSensorApp<MqttClient> {
  // No fallback broker: a device must never send its readings somewhere its owner did not choose.
  if (!config.broker) throw new Error('set the broker: mcconfig ... broker=mqtt://host:port');
  const qos = num(config.qos);
  const app = startTempSensor({
    broker: String(config.broker),
    topic: config.topic ? String(config.topic) : undefined,
    statusTopic: config.statusTopic ? String(config.statusTopic) : undefined,
    clientId: config.clientId ? String(config.clientId) : undefined,
    interval: num(config.interval),
    qos: qos === 0 ? 0 : 1,
    keepalive: num(config.keepalive),
    receiveBufferSize: board.receiveBufferSize, transmitBufferSize: board.transmitBufferSize,
    outboxSize: board.outboxSize, maxInflight: board.maxInflight,
  }, sensor, createModdablePlatform(), MqttClient);
  app.onReading = function (v, r) { trace(board.name + ' ' + v + ' ' + r + '\n'); };
  return app;
}
