// Moddable's desktop simulator (`mcconfig -m -p lin`): the host board's simulated sensor, so the
// firmware can be tried against a broker without hardware. No Wi-Fi on the desktop.
import { SimulatedSensor, hostBoard } from './host.js';
import { runModdableBoard } from './moddable-main.js';

export default function main(): void {
  runModdableBoard({
    name: 'moddable-lin', sensor: hostBoard.sensor, oneWirePin: -1,
    receiveBufferSize: hostBoard.receiveBufferSize, transmitBufferSize: hostBoard.transmitBufferSize,
    outboxSize: hostBoard.outboxSize, maxInflight: hostBoard.maxInflight,
  }, new SimulatedSensor());
}
