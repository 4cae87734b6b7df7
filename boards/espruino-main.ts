// Espruino start-up shared by both Espruino boards: config, Wi-Fi, DS18B20, the app.
// The upload file begins with `var MQTT_CONFIG = {...}` (written by scripts/build/espruino.ts);
// a `mqtt.json` in Storage, if present, wins, so a flashed device can be reconfigured without
// rebuilding: require("Storage").writeJSON("mqtt.json", {broker: "mqtt://10.0.0.2"}) and reset().
import { startTempSensor } from '../src/apps/temp-sensor.js';
import type { TempSensorApp } from '../src/apps/temp-sensor.js';
import { DS18B20 } from '../src/drivers/ds18b20.js';
import { LiteClient } from '../src/lite/client.js';
import { createEspruinoPlatform } from '../src/platform/espruino.js';
import type { BoardDefinition } from './board.js';

export interface EspruinoConfig {
  ssid?: string; password?: string; // empty: use the Wi-Fi settings saved on the chip
  broker: string; topic?: string; statusTopic?: string; clientId?: string;
  interval?: number; qos?: 0 | 1; keepalive?: number;
}
declare const MQTT_CONFIG: EspruinoConfig;

export function runEspruinoBoard(board: BoardDefinition, pin: EspruinoPin): void {
  const stored = require('Storage').readJSON('mqtt.json', true) as EspruinoConfig | undefined;
  const cfg = stored || MQTT_CONFIG;
  // No default broker: readings go only where the owner said (MQTT_CONFIG or mqtt.json).
  if (!cfg.broker) { console.log('mcu-mqtt: no broker configured: set MQTT_CONFIG.broker or mqtt.json'); return; }
  const sensor = new DS18B20(new OneWire(pin));
  let app: TempSensorApp<LiteClient> | null = null;
  function start(): void {
    if (app) return;
    app = startTempSensor({
      broker: cfg.broker, topic: cfg.topic, statusTopic: cfg.statusTopic, clientId: cfg.clientId,
      interval: cfg.interval, qos: cfg.qos, keepalive: cfg.keepalive,
      receiveBufferSize: board.receiveBufferSize, transmitBufferSize: board.transmitBufferSize,
      outboxSize: board.outboxSize, maxInflight: board.maxInflight,
    }, sensor, createEspruinoPlatform(), LiteClient);
    app.onReading = function (v, r) { console.log(v, r); };
  }
  if (!cfg.ssid) { start(); return; }
  // Wi-Fi reconnects by itself after a drop; the MQTT client retries on its own backoff.
  require('Wifi').connect(cfg.ssid, { password: cfg.password }, function (err) {
    if (err) console.log('Wi-Fi:', err);
    start();
  });
}
