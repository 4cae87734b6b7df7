// Runs an Espruino upload file (the real dist/espruino/*.js text) in a Node `vm` context that
// offers only what Espruino offers the file: E.toString/E.toUint8Array, getSerial, timers,
// console, OneWire (with a simulated DS18B20 on the bus), pins, and require('Wifi' | 'Storage' |
// 'net'), where net sockets carry byte strings (latin1) like Espruino's. The context has no
// Map/Set/Symbol/WeakMap/TextEncoder/Array.from, so a build that needs them fails here.
import vm from 'node:vm';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { root, distEspruino } from '../../scripts/build/paths.js';
import { FORBIDDEN_GLOBALS } from '../../scripts/build/es5-check.js';

export const SKIP_ROM = 0xcc, CONVERT_T = 0x44, READ_SCRATCHPAD = 0xbe;

/** Dallas CRC-8, written independently of src/drivers/ds18b20.ts so a shared bug cannot hide. */
function dallasCrc(bytes: number[]): number {
  let crc = 0;
  for (const byte of bytes) {
    for (let i = 0, b = byte; i < 8; i++, b >>= 1) crc = ((crc ^ b) & 1) ? (crc >> 1) ^ 0x8c : crc >> 1;
  }
  return crc;
}

/** A DS18B20 alone on the bus: SKIP ROM, CONVERT T latches `celsius`, READ SCRATCHPAD streams 9 bytes. */
export class FakeDs18b20 {
  celsius = 21.5;
  present = true;
  conversions = 0;
  private pad: number[];
  private out: number[] = [];
  private last = -1;
  constructor() { this.pad = FakeDs18b20.scratchpad(85); } // power-on value until a conversion
  static scratchpad(c: number): number[] {
    const raw = Math.round(c * 16) & 0xffff;
    const s = [raw & 0xff, raw >> 8, 0x4b, 0x46, 0x7f, 0xff, 0x0c, 0x10];
    s.push(dallasCrc(s));
    return s;
  }
  reset(): boolean { this.last = -1; this.out = []; return this.present; }
  write(byte: number): void {
    if (!this.present) return;
    if (this.last === SKIP_ROM && byte === CONVERT_T) { this.pad = FakeDs18b20.scratchpad(this.celsius); this.conversions++; }
    if (this.last === SKIP_ROM && byte === READ_SCRATCHPAD) this.out = this.pad.slice();
    this.last = byte;
  }
  read(): number { return this.out.length > 0 ? this.out.shift() as number : 0xff; }
}

export interface SimOptions {
  storage?: Record<string, unknown>; // what Storage.readJSON('mqtt.json') returns; undefined: nothing stored
  serial?: string;
}

export interface EspruinoSim {
  sensor: FakeDs18b20;
  logs: string[];
  errors: string[]; // exceptions thrown out of the file's code, and anything else that went wrong
  sockets: net.Socket[]; // the Node sockets behind the file's net.connect() calls
  wifiConnects: string[];
  /** Drops every open connection abruptly (no DISCONNECT), like a device losing power or Wi-Fi. */
  destroySockets(): void;
  /** Cancels every timer and closes every socket; the file's code never runs again. */
  stop(): void;
}

export function runEspruinoFile(code: string, options?: SimOptions): EspruinoSim {
  const opts = options || {};
  const sensor = new FakeDs18b20();
  const logs: string[] = [], errors: string[] = [], sockets: net.Socket[] = [], wifiConnects: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  const guard = (what: string, fn: () => void): void => {
    if (stopped) return;
    try { fn(); } catch (e) { errors.push(what + ': ' + (e && (e as Error).stack ? (e as Error).stack : String(e))); }
  };

  const ctx = vm.createContext({});
  vm.runInContext(
    FORBIDDEN_GLOBALS.map((g) => 'delete globalThis.' + g + ';').join('') + 'delete Array.from; delete Uint8Array.from; delete Object.fromEntries;',
    ctx);
  // Byte strings ↔ bytes, made inside the context so the arrays are its own Uint8Arrays.
  const E = vm.runInContext(`({
    toUint8Array: function (s) { var u = new Uint8Array(s.length); for (var i = 0; i < s.length; i++) u[i] = s.charCodeAt(i) & 255; return u; },
    toString: function (u) { var s = ''; for (var i = 0; i < u.length; i++) s += String.fromCharCode(u[i]); return s; },
    on: function () {}
  })`, ctx) as object;
  const toContext = (v: unknown): unknown => (v === undefined ? undefined : vm.runInContext('(' + JSON.stringify(v) + ')', ctx));

  let nextId = 1;
  const ids = new Map<number, NodeJS.Timeout>();
  const g = ctx as Record<string, unknown>;
  g.global = ctx;
  g.E = E;
  g.getSerial = () => opts.serial || '5ccf7f0a1b2c';
  g.setTimeout = (fn: () => void, ms: number) => {
    const id = nextId++;
    const t = setTimeout(() => { timers.delete(t); ids.delete(id); guard('timer', fn); }, Math.max(0, ms || 0));
    timers.add(t); ids.set(id, t);
    return id;
  };
  g.clearTimeout = (id: number) => { const t = ids.get(id); if (t) { clearTimeout(t); timers.delete(t); ids.delete(id); } };
  g.console = { log: (...a: unknown[]) => { logs.push(a.map(String).join(' ')); } };
  g.D4 = { pin: 4 };
  g.D2 = { pin: 2 };
  g.OneWire = function OneWire(this: unknown, pin: unknown) {
    if (!pin) throw new Error('OneWire needs a pin');
    return { reset: () => sensor.reset(), write: (b: number) => sensor.write(b), read: () => sensor.read(), skip: () => sensor.write(SKIP_ROM) };
  };

  const connectNet = (o: { host: string; port: number }, onConnect: () => void): object => {
    if (o.host !== '127.0.0.1' && o.host !== 'localhost') throw new Error('the sim connects only to 127.0.0.1, not ' + o.host);
    const s = net.connect(o.port, '127.0.0.1');
    sockets.push(s);
    const handlers: Record<string, ((a?: unknown) => void)[]> = { data: [], close: [], error: [], drain: [] };
    const emit = (ev: string, a?: unknown): void => { for (const h of handlers[ev] || []) guard('socket ' + ev, () => h(a)); };
    s.on('connect', () => guard('connect callback', onConnect));
    s.on('data', (b: Buffer) => emit('data', b.toString('latin1')));
    s.on('error', (e: Error) => emit('error', toContext({ message: e.message })));
    s.on('close', () => emit('close'));
    return {
      on: (ev: string, fn: (a?: unknown) => void) => { (handlers[ev] = handlers[ev] || []).push(fn); },
      write: (str: unknown) => {
        if (typeof str !== 'string') { errors.push('socket.write got ' + typeof str + ', Espruino wants a string'); return false; }
        return s.write(Buffer.from(str, 'latin1'));
      },
      end: () => { s.end(); },
    };
  };
  g.require = (name: string): unknown => {
    if (name === 'net') return { connect: connectNet };
    if (name === 'Wifi') {
      return {
        connect: (ssid: string, _o: unknown, cb: (err: unknown) => void) => { wifiConnects.push(ssid); (g.setTimeout as (f: () => void, ms: number) => number)(() => cb(null), 5); },
        on: () => {},
      };
    }
    if (name === 'Storage') return { readJSON: (file: string) => (file === 'mqtt.json' ? toContext(opts.storage) : undefined) };
    throw new Error('Module ' + name + ' not found'); // what Espruino says, e.g. for tls on ESP8266
  };

  guard('upload file', () => { vm.runInContext(code, ctx, { filename: 'espruino-upload.js', timeout: 5000 }); });
  return {
    sensor, logs, errors, sockets, wifiConnects,
    destroySockets() { for (const s of sockets) s.destroy(); },
    stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
    },
  };
}

/** Points the file's own MQTT_CONFIG (the object users edit) at a test broker. */
export function withConfig(code: string, config: Record<string, unknown>): string {
  const re = /var MQTT_CONFIG=\{[^\n]*\};/;
  if (!re.test(code)) throw new Error('no MQTT_CONFIG line in the upload file');
  return code.replace(re, 'var MQTT_CONFIG=' + JSON.stringify(config) + ';');
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Runs `node build/scripts/build.js` unless dist/espruino is newer than the sources and the
 * compiled build scripts. A lock directory keeps two test files from building at once.
 */
export function ensureEspruinoBuild(): void {
  const out = path.join(distEspruino, 'esp8266.js');
  const sources = Math.max(newestMtime(path.join(root, 'src')), newestMtime(path.join(root, 'boards')),
    newestMtime(path.join(root, 'build', 'scripts')));
  const fresh = (): boolean => fs.existsSync(out) && fs.statSync(out).mtimeMs > sources;
  if (fresh()) return;
  const lock = path.join(root, '.tmp', 'espruino-build.lock');
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  const until = Date.now() + 100000;
  for (;;) {
    try { fs.mkdirSync(lock); break; } catch (e) {
      // A lock left by a killed run must not block every later one.
      try { if (Date.now() - fs.statSync(lock).mtimeMs > 120000) fs.rmdirSync(lock); } catch (e2) { /* gone meanwhile */ }
      if (Date.now() > until) throw new Error('waited too long for ' + lock);
      execFileSync('sleep', ['0.2']);
    }
  }
  try {
    if (!fresh()) execFileSync(process.execPath, [path.join(root, 'build', 'scripts', 'build.js')], { cwd: root, stdio: 'pipe', timeout: 100000 });
  } finally { fs.rmdirSync(lock); }
}
