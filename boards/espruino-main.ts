// Espruino start-up shared by both Espruino boards: config, Wi-Fi, DS18B20, the app, and what
// the console shows. The upload file begins with `var MQTT_CONFIG = {...}` (written by
// scripts/build/espruino.ts); a `mqtt.json` in Storage, if present, wins, so a flashed device can
// be reconfigured without rebuilding: require("Storage").writeJSON("mqtt.json", {broker: "mqtt://10.0.0.2"}) and reset().
// The running app is the global `mqttApp` (mqttApp.stop() from the console ends it).
// Written for the ESP8266's 1 700 variables: see README "Testing on the real Espruino".
import { startTempSensor } from '../src/apps/temp-sensor.js';
import type { TempSensorConfig } from '../src/apps/temp-sensor.js';
import { CONVERT_T, READ_SCRATCHPAD, SKIP_ROM, scratchpadCelsius } from '../src/drivers/ds18b20.js';
import { LiteClient } from '../src/lite/client.js';
import { espruinoPlatform } from '../src/platform/espruino.js';
import type { BoardDefinition } from './board.js';
import type { MqttError } from '../src/errors.js';

export interface EspruinoConfig {
  ssid?: string; password?: string; // empty: use the Wi-Fi settings saved on the chip
  broker: string; topic?: string; statusTopic?: string; clientId?: string;
  interval?: number; qos?: 0 | 1; keepalive?: number;
}
declare const MQTT_CONFIG: EspruinoConfig;

/**
 * What an error code means for the person at the console (`where`: the broker's URL without its
 * password). Plain ASCII (the upload file must be), and a function rather than a table: run from
 * Storage, its text stays in flash until printed. No regular expression anywhere in the upload
 * file: the first one used costs Espruino the RegExp class for good.
 */
export function whatToDo(code: string, where: string): string {
  if (code === 'CONNACK_REFUSED_BAD_CREDENTIALS' || code === 'CONNACK_REFUSED_NOT_AUTHORIZED') {
    return 'the broker refused the user name or password - check MQTT_CONFIG.broker (mqtt://user:password@host); not retrying';
  }
  if (code === 'CONNACK_REFUSED_IDENTIFIER_REJECTED') return 'the broker refused the client id - set MQTT_CONFIG.clientId; not retrying';
  if (code === 'CONNACK_REFUSED_PROTOCOL_VERSION') return 'the broker does not speak MQTT 3.1.1 - use another broker; retrying';
  if (code === 'CONNACK_REFUSED_SERVER_UNAVAILABLE') return 'the broker is unavailable; retrying';
  if (code === 'CONNECTION_LOST' || code === 'CONNECT_TIMEOUT') {
    return 'cannot reach ' + where + ' - check the broker, MQTT_CONFIG.broker and Wi-Fi; retrying';
  }
  if (code === 'PING_TIMEOUT') return 'the broker stopped answering; reconnecting';
  if (code === 'MESSAGE_TOO_LARGE') return 'dropped a message larger than the receive buffer';
  if (code === 'SUBSCRIBE_FAILED') return 'the broker refused a subscription';
  // PACKET_MALFORMED, PROTOCOL_ERROR
  return 'the broker sent bytes that are not MQTT 3.1.1 for a client; reconnecting';
}

// The board's state and handlers live at the top level of the upload file (which runs flat):
// there a function is not a closure, and nothing it can see is kept alive by accident.
let conf: TempSensorConfig | null = null; // what the app needs, until it starts
let where = ''; // the broker without user and password, for messages
let last = ''; // the last error code printed
let bus: OneWire;

// Each reading, and every client error with its code and what to do, once per change: a broker
// that stays unreachable is one line, not one per retry. A reading sent starts again.
function onReading(v: number, r: string): void {
  if (r === 'sent') last = '';
  console.log(v, r);
}

function onError(e: MqttError): void {
  if (e.code !== last) console.log('mqtt: ' + (last = e.code) + ': ' + whatToDo(e.code, where));
}

/**
 * The DS18B20 alone on the bus, read as src/drivers/ds18b20.ts reads it (pipelined: a read
 * returns the conversion the previous one started, and starts the next; the CRC and the
 * scratchpad's fixed bits are checked), but as one function over Espruino's OneWire, which writes
 * and reads arrays itself, instead of a class with a buffer of its own: ~20 variables less.
 */
function readDs18b20(): number {
  if (!bus.reset()) throw 'DS18B20 not present';
  bus.write([SKIP_ROM, READ_SCRATCHPAD]);
  const pad = bus.read(9) as number[];
  if (bus.reset()) bus.write([SKIP_ROM, CONVERT_T]); // the next conversion
  return scratchpadCelsius(pad as unknown as Uint8Array);
}

function start(wifiError?: unknown): void {
  if (wifiError) console.log('Wi-Fi:', wifiError);
  if (!conf) return; // started already (Wi-Fi called back again)
  const app = startTempSensor(conf, { read: readDs18b20 }, espruinoPlatform, LiteClient);
  conf = null;
  global.mqttApp = app;
  app.onReading = onReading;
  app.client.onError = onError;
}

export function runEspruinoBoard(board: BoardDefinition, pin: EspruinoPin): void {
  const cfg = (require('Storage').readJSON('mqtt.json', true) || MQTT_CONFIG) as EspruinoConfig;
  // No default broker: readings go only where the owner said (MQTT_CONFIG or mqtt.json).
  if (!cfg.broker) { console.log('mcu-mqtt: no broker configured: set MQTT_CONFIG.broker or mqtt.json'); return; }
  conf = {
    broker: cfg.broker, topic: cfg.topic, statusTopic: cfg.statusTopic, clientId: cfg.clientId,
    interval: cfg.interval, qos: cfg.qos, keepalive: cfg.keepalive,
    receiveBufferSize: board.receiveBufferSize, transmitBufferSize: board.transmitBufferSize,
    outboxSize: board.outboxSize, maxInflight: board.maxInflight,
  };
  const at = cfg.broker.lastIndexOf('@');
  where = at < 0 ? cfg.broker : cfg.broker.slice(0, cfg.broker.indexOf('//') + 2) + cfg.broker.slice(at + 1);
  bus = new OneWire(pin);
  // a first conversion, so the first reading is a real one, not the power-on 85 degrees
  if (bus.reset()) bus.write([SKIP_ROM, CONVERT_T]);
  if (!cfg.ssid) start();
  // Wi-Fi reconnects by itself after a drop; the MQTT client retries on its own backoff.
  else require('Wifi').connect(cfg.ssid, { password: cfg.password }, start);
}
