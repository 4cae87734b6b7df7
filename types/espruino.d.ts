// The few Espruino globals and built-in modules this project uses (Espruino 2v29).
// Not a full description of Espruino; just enough to type-check src/platform/espruino.ts and
// the Espruino boards.

declare const E: {
  /** Byte string → bytes (one byte per char code). */
  toUint8Array(s: string): Uint8Array;
  /** Bytes → byte string; allocates the string only. */
  toString(u: Uint8Array): string;
  on(event: 'init', fn: () => void): void;
};

/** The chip's unique id as a string (on ESP8266/ESP32 derived from the MAC). */
declare function getSerial(): string;

declare function setTimeout(fn: () => void, ms: number): number;
declare function clearTimeout(id: number): void;
declare function setInterval(fn: () => void, ms: number): number;
declare function clearInterval(id: number): void;

declare const console: { log(...args: unknown[]): void };

interface EspruinoSocket {
  write(data: string): boolean;
  end(): void;
  on(event: 'data', fn: (data: string) => void): void;
  on(event: 'close', fn: (hadError?: boolean) => void): void;
  on(event: 'error', fn: (err: { type?: string; message?: string; code?: number }) => void): void;
  on(event: 'drain', fn: () => void): void;
}

interface EspruinoNet {
  connect(options: { host: string; port: number; ca?: unknown }, onConnect: () => void): EspruinoSocket;
}

interface EspruinoWifi {
  connect(ssid: string, options: { password?: string }, callback: (err: unknown) => void): void;
  on(event: 'disconnected' | 'connected', fn: (details: unknown) => void): void;
  setHostname?(name: string): void;
  save?(what?: string): void;
}

interface EspruinoStorage {
  readJSON(name: string, noExceptions?: boolean): unknown;
}

/** Espruino's built-in 1-Wire master (bit-banged on any GPIO). */
declare class OneWire {
  constructor(pin: EspruinoPin | number);
  /** Sends a reset pulse; true when a device answered with a presence pulse. */
  reset(): boolean;
  /** ROM ids as 16-hex-digit strings. */
  search(command?: number): string[];
  select(rom: string): void;
  skip(): void;
  write(data: number | number[], power?: boolean): void;
  read(): number;
  read(count: number): number[];
}

interface EspruinoPin { getInfo?(): unknown }

/** Pins are globals on Espruino (D2, D4, …); boards name them through this lookup. */
declare const global: Record<string, unknown>;

declare function require(name: 'net' | 'tls'): EspruinoNet;
declare function require(name: string): unknown;
declare function require(name: 'Wifi'): EspruinoWifi;
declare function require(name: 'Storage'): EspruinoStorage;
