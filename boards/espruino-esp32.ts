// Espruino on ESP32 (ESP32-WROOM DevKit, firmware 2v29).
// DS18B20 data on GPIO4 (Espruino D4), 4.7 kΩ pull-up.
import { ESP32_BUFFERS } from './board.js';
import { runEspruinoBoard } from './espruino-main.js';

declare const D4: EspruinoPin;

runEspruinoBoard({
  name: 'espruino-esp32', sensor: 'DS18B20 on GPIO4', oneWirePin: 4,
  receiveBufferSize: ESP32_BUFFERS.receiveBufferSize, transmitBufferSize: ESP32_BUFFERS.transmitBufferSize,
  outboxSize: ESP32_BUFFERS.outboxSize, maxInflight: ESP32_BUFFERS.maxInflight,
}, D4);
