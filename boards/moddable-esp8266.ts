// Moddable on ESP8266 (NodeMCU, Wemos D1 mini): the `main` module for `mcconfig -p esp`.
// DS18B20 data on GPIO4 (printed D2 on NodeMCU / D1 mini) with a 4.7 kΩ pull-up, read through
// Moddable's `onewire` module. XS heap is 32 KB for everything, so buffers are small.
import OneWire from 'onewire';
import { DS18B20 } from '../src/drivers/ds18b20.js';
import { ESP8266_BUFFERS } from './board.js';
import { runModdableBoard } from './moddable-main.js';

export const board = {
  name: 'moddable-esp8266', sensor: 'DS18B20 on GPIO4 (NodeMCU D2)', oneWirePin: 4,
  receiveBufferSize: ESP8266_BUFFERS.receiveBufferSize, transmitBufferSize: ESP8266_BUFFERS.transmitBufferSize,
  outboxSize: ESP8266_BUFFERS.outboxSize, maxInflight: ESP8266_BUFFERS.maxInflight,
};

export default function main(): void {
  runModdableBoard(board, new DS18B20(new OneWire({ pin: board.oneWirePin })));
}
