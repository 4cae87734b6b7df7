// A small DS18B20 reader over any 1-Wire master, so no module has to be fetched at upload time.
// One sensor per bus (SKIP ROM), and pipelined: read() returns the conversion started by the
// previous read() (or by the constructor) and starts the next one. A 12-bit conversion takes
// 750 ms, far below any sampling interval we use, so nobody ever waits on the bus.
import type { TemperatureSensor } from '../apps/sensor.js';

/** The least a 1-Wire master must do; the boards wrap Espruino's OneWire or Moddable's onewire. */
export interface OneWireBus {
  reset(): boolean | number; // truthy when a device answered the reset with a presence pulse
  write(byte: number): void;
  read(): number; // one byte
}

export const SKIP_ROM = 0xcc, CONVERT_T = 0x44, READ_SCRATCHPAD = 0xbe;

/** Dallas/Maxim CRC-8 (x^8 + x^5 + x^4 + 1, reflected), as the DS18B20 appends to its scratchpad. */
export function crc8(bytes: Uint8Array, length: number): number {
  let crc = 0;
  for (let i = 0; i < length; i++) {
    let b = bytes[i];
    for (let j = 0; j < 8; j++) {
      const mix = (crc ^ b) & 1;
      crc >>= 1;
      if (mix) crc ^= 0x8c;
      b >>= 1;
    }
  }
  return crc;
}

/** Temperature from a 9-byte scratchpad; throws a short string when it is not a valid one. */
export function scratchpadCelsius(s: Uint8Array): number {
  if (crc8(s, 8) !== s[8]) throw 'DS18B20 CRC mismatch';
  // The configuration register's fixed bits (0b0xx11111) catch an all-zero read, whose CRC is 0 too.
  if ((s[4] & 0x9f) !== 0x1f) throw 'DS18B20 bad scratchpad';
  let raw = (s[1] << 8) | s[0];
  if (raw & 0x8000) raw -= 0x10000;
  return raw / 16;
}

export class DS18B20 implements TemperatureSensor {
  private bus: OneWireBus;
  private scratch: Uint8Array;
  constructor(bus: OneWireBus) {
    this.bus = bus;
    this.scratch = new Uint8Array(9);
    this.convert();
  }
  read(): number {
    const bus = this.bus;
    if (!bus.reset()) throw 'DS18B20 not present';
    bus.write(SKIP_ROM);
    bus.write(READ_SCRATCHPAD);
    for (let i = 0; i < 9; i++) this.scratch[i] = bus.read();
    this.convert();
    return scratchpadCelsius(this.scratch);
  }
  private convert(): void {
    if (this.bus.reset()) {
      this.bus.write(SKIP_ROM);
      this.bus.write(CONVERT_T);
    }
  }
}
