// Moddable on ESP32 (ESP32-WROOM DevKit): the `main` module for `mcconfig -p esp32`.
// DS18B20 data on GPIO4 with a 4.7 kΩ pull-up, read through Moddable's `onewire` module.
import OneWire from 'onewire';
import { DS18B20 } from '../src/drivers/ds18b20.js';
import { ESP32_BUFFERS } from './board.js';
import { runModdableBoard } from './moddable-main.js';

export const board = {
  name: 'moddable-esp32', sensor: 'DS18B20 on GPIO4', oneWirePin: 4,
  receiveBufferSize: ESP32_BUFFERS.receiveBufferSize, transmitBufferSize: ESP32_BUFFERS.transmitBufferSize,
  outboxSize: ESP32_BUFFERS.outboxSize, maxInflight: ESP32_BUFFERS.maxInflight,
};

export default function main(): void {
  runModdableBoard(board, new DS18B20(new OneWire({ pin: board.oneWirePin })));
}
