// Moddable modules this project uses that @moddable/typings 5.6.0 does not declare.

// $(MODDABLE)/modules/drivers/onewire: a bit-banged (or RMT on ESP32) 1-Wire master.
declare module 'onewire' {
  export default class OneWire {
    constructor(options: { pin: number });
    close(): void;
    /** Reset pulse; truthy when a device answered. */
    reset(): boolean | number;
    write(byte: number): void;
    /** One byte without an argument; an ArrayBuffer of `count` bytes with one. */
    read(): number;
    read(count: number): ArrayBuffer;
    select(id: ArrayBuffer): void;
    search(): ArrayBuffer[];
    crc(buffer: ArrayBuffer, size?: number): number;
  }
}
