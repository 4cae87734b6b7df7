// Runs an Espruino upload file (the real dist/espruino/*.js text) in a Node `vm` context that
// offers only what Espruino offers the file: E.toString/E.toUint8Array, getSerial, timers,
// console, OneWire (with a simulated DS18B20 on the bus), pins, and require('Wifi' | 'Storage' |
// 'net'), where net sockets carry byte strings (latin1) like Espruino's. The context has no
// Map/Set/Symbol/WeakMap/TextEncoder/Array.from, so a build that needs them fails here.
//
// Where Espruino 2v29 behaves in its own way (seen on its Linux build, see README "Testing on the
// real Espruino"), the sim does the same, each with a test in espruino-runtime.test.ts:
// - net.connect() to a port nothing listens on throws at once, an InternalError "Unable to create
//   socket" that is not an Error, after printing "ERROR: Connect failed (err 111)";
// - the connect callback and every socket listener run with `this` set to the socket (the
//   callback also gets it as its argument);
// - 'close' passes a boolean (had an error), 'error' passes {code, message}, and 'end' (nothing)
//   comes before 'close', also after the program's own end();
// - Math.random() gives the same sequence on every boot (each run of a file is a boot).
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

/**
 * Whether something listens on 127.0.0.1 (or every address) at `port`, from /proc/net/tcp and
 * tcp6; undefined where /proc cannot tell. This is what makes Espruino's connect() throw at once.
 */
export function listening(port: number): boolean | undefined {
  let text = '';
  try {
    for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) if (fs.existsSync(f)) text += fs.readFileSync(f, 'utf8');
  } catch (e) { return undefined; }
  if (!text) return undefined;
  const hexPort = ('000' + port.toString(16).toUpperCase()).slice(-4);
  return text.split('\n').some((line) => {
    const f = line.trim().split(/\s+/); // sl, local address:port, remote, state (0A: LISTEN) ...
    if (f.length < 4 || f[3] !== '0A') return false;
    const [addr, p] = f[1].split(':');
    return p === hexPort && (/^0+$/.test(addr) || addr === '0100007F' || addr === '00000000000000000000000001000000' ||
      addr === '0000000000000000FFFF00000100007F');
  });
}

/** The numbers Math.random() gives on every boot, as Espruino's Linux build does (a fixed seed). */
export function bootRandom(): () => number {
  let x = 0x2545f491;
  return () => {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
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
  (vm.runInContext('Math', ctx) as { random: () => number }).random = bootRandom();
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
    // as Espruino's: write() takes a byte or an array of them, read(n) returns an array of n
    const write = (b: number | number[]) => { for (const x of (typeof b === 'number' ? [b] : b)) sensor.write(x); };
    const read = (n?: number): unknown => {
      if (n === undefined) return sensor.read();
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push(sensor.read());
      return toContext(out);
    };
    return { reset: () => sensor.reset(), write: write, read: read, skip: () => sensor.write(SKIP_ROM) };
  };

  const connectNet = (o: { host: string; port: number }, onConnect: (this: object, sock: object) => void): object => {
    if (o.host !== '127.0.0.1' && o.host !== 'localhost') throw new Error('the sim connects only to 127.0.0.1, not ' + o.host);
    if (listening(o.port) === false) {
      logs.push('ERROR: Connect failed (err 111)');
      // what Espruino throws: an InternalError, which is not an instance of Error
      throw vm.runInContext('({ type: "InternalError", message: "Unable to create socket", toString: function () { return "InternalError: " + this.message; } })', ctx);
    }
    const s = net.connect(o.port, '127.0.0.1');
    sockets.push(s);
    const handlers: Record<string, ((this: object, a?: unknown) => void)[]> = { data: [], close: [], error: [], drain: [], end: [] };
    const emit = (ev: string, a?: unknown): void => {
      for (const h of handlers[ev] || []) guard('socket ' + ev, () => { if (ev === 'end') h.call(sock); else h.call(sock, a); });
    };
    const sock: Record<string, unknown> = {
      on: (ev: string, fn: (a?: unknown) => void) => { (handlers[ev] = handlers[ev] || []).push(fn); },
      write: (str: unknown) => {
        if (typeof str !== 'string') { errors.push('socket.write got ' + typeof str + ', Espruino wants a string'); return false; }
        return s.write(Buffer.from(str, 'latin1'));
      },
      end: () => { s.end(); },
    };
    let failed = false;
    s.on('connect', () => guard('connect callback', () => onConnect.call(sock, sock)));
    s.on('data', (b: Buffer) => emit('data', b.toString('latin1')));
    s.on('error', (e: NodeJS.ErrnoException) => {
      failed = true;
      emit('error', toContext({ code: e.code === 'ECONNRESET' ? -9 : -10, message: e.message }));
    });
    s.on('close', () => { emit('end'); emit('close', failed); });
    return sock;
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
