// Espruino on ESP8266 (e.g. NodeMCU / Wemos D1 mini, firmware 2v29).
// DS18B20 data on GPIO4 (Espruino D4; printed "D2" on NodeMCU and D1 mini), 4.7 kΩ pull-up.
import { ESP8266_BUFFERS } from './board.js';
import { runEspruinoBoard } from './espruino-main.js';

declare const D4: EspruinoPin;

runEspruinoBoard({
  name: 'espruino-esp8266', sensor: 'DS18B20 on GPIO4 (NodeMCU D2)', oneWirePin: 4,
  receiveBufferSize: ESP8266_BUFFERS.receiveBufferSize, transmitBufferSize: ESP8266_BUFFERS.transmitBufferSize,
  // Espruino takes the outbox once, at start-up (LiteClient): 512 bytes are ~45 of the 1 700
  // variables and hold ~34 readings (5 minutes at the default interval) while the broker is away.
  outboxSize: 512, maxInflight: ESP8266_BUFFERS.maxInflight,
}, D4);
