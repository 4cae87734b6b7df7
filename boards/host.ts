// The `host` board: no hardware. host-sim and the tests use it to run the firmware app on
// Node.js (or XS) with a simulated sensor that wanders around room temperature.
import type { TemperatureSensor } from '../src/apps/sensor.js';

export interface SimulatedSensorOptions {
  start?: number; // °C, default 21
  step?: number; // largest change per read, default 0.2 °C
  random?: () => number; // default Math.random; inject a seeded one for repeatable fleets
}

export class SimulatedSensor implements TemperatureSensor {
  value: number;
  /** Reads left that fail by throwing; set it to inject a fault. */
  failReads: number;
  /** Reads left that return this bogus value (NaN, 85, -127 …) instead of throwing. */
  bogusReads: number;
  bogusValue: number;
  private step: number;
  private random: () => number;
  private center: number;
  constructor(o?: SimulatedSensorOptions) {
    this.center = o && o.start !== undefined ? o.start : 21;
    this.value = this.center;
    this.step = o && o.step !== undefined ? o.step : 0.2;
    this.random = o && o.random ? o.random : Math.random;
    this.failReads = 0;
    this.bogusReads = 0;
    this.bogusValue = NaN;
  }
  read(): number {
    if (this.failReads > 0) { this.failReads--; throw 'simulated sensor failure'; }
    if (this.bogusReads > 0) { this.bogusReads--; return this.bogusValue; }
    // A random walk pulled gently back toward the start, so long runs stay plausible.
    this.value += (this.random() * 2 - 1) * this.step + (this.center - this.value) * 0.05;
    // The DS18B20 resolves 1/16 °C; the simulation does too, so formats match real devices.
    return Math.round(this.value * 16) / 16;
  }
}

export const hostBoard = {
  name: 'host',
  sensor: 'simulated (random walk around 21 °C)',
  receiveBufferSize: 2048,
  transmitBufferSize: 1024,
  outboxSize: 8192,
  maxInflight: 16,
};
