// The Moddable SDK, when the machine has one (`MODDABLE` pointing at a checkout whose Linux tools
// are built): build an app with mcconfig, run it in the desktop simulator, read what its linker
// said. Used by `npm run test:moddable` (scripts/test-moddable.ts) and the `moddable` part of
// `npm run bench` (bench/moddable.ts); both skip, with findSdk()'s reason, without it.
//
// The simulator: `mcsim <mc.so>` under Xvfb, stdout line-buffered (stdbuf: mcsim never exits by
// itself, so block-buffered output would be lost when it is stopped), each run with its own
// XDG_CONFIG_HOME (mcsim keeps a copy of the app and its prefs there). trace() goes to stdout.
// Never `mcconfig -d` for lin: its makefile kills processes by name.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Sdk { moddable: string; bin: string; env: NodeJS.ProcessEnv }

function onPath(name: string): boolean {
  for (const d of (process.env.PATH || '').split(':')) if (d && fs.existsSync(path.join(d, name))) return true;
  return false;
}

/** The SDK, or why there is none to use. */
export function findSdk(): { sdk: Sdk | null; why: string } {
  const moddable = process.env.MODDABLE;
  if (!moddable) return { sdk: null, why: 'MODDABLE is not set (point it at a Moddable SDK checkout with its Linux tools built)' };
  if (process.platform !== 'linux') return { sdk: null, why: 'the Moddable simulator lane runs on Linux only' };
  const bin = path.join(moddable, 'build', 'bin', 'lin', 'release');
  for (const tool of ['mcconfig', 'mcsim', 'xsc', 'xsl']) {
    if (!fs.existsSync(path.join(bin, tool))) return { sdk: null, why: tool + ' is not built in ' + bin + ' (build the SDK\'s Linux tools: build/makefiles/lin, make)' };
  }
  for (const tool of ['xvfb-run', 'stdbuf']) if (!onPath(tool)) return { sdk: null, why: tool + ' is not on PATH (apt-get install xvfb coreutils)' };
  const env = Object.assign({}, process.env, { MODDABLE: moddable, PATH: bin + ':' + (process.env.PATH || '') });
  return { sdk: { moddable: moddable, bin: bin, env: env }, why: '' };
}

export interface Built { ok: boolean; output: string; warnings: string[]; so: string; tmp: string }

/**
 * `mcconfig -m -p <platform> [-i]` for the manifest, output under outDir (-o), with `config`
 * entries as key=value. mcconfig names the app after the manifest's folder.
 */
export function mcconfig(sdk: Sdk, manifest: string, o: { platform: string; outDir: string; instrument?: boolean; target?: string; config?: Record<string, string | number> }): Built {
  fs.mkdirSync(o.outDir, { recursive: true });
  const name = path.basename(path.dirname(manifest));
  const kind = o.instrument ? 'instrument' : 'release';
  const tmp = path.join(o.outDir, 'tmp', o.platform, 'mc', kind, name);
  // xsl prints its warnings only when it runs: make it run even when nothing else changed
  fs.rmSync(path.join(tmp, 'mc.xs.c'), { force: true });
  const args = ['-m', '-p', o.platform, '-o', o.outDir];
  if (o.instrument) args.push('-i');
  if (o.target) args.push('-t', o.target);
  args.push(manifest);
  for (const k of Object.keys(o.config || {})) args.push(k + '=' + String(o.config![k]));
  const r = spawnSync(path.join(sdk.bin, 'mcconfig'), args, { cwd: path.dirname(manifest), env: sdk.env, encoding: 'utf8', timeout: 600000, maxBuffer: 64 << 20 });
  const output = (r.stdout || '') + (r.stderr || '') + (r.error ? '\n' + String(r.error) : '');
  return {
    ok: r.status === 0,
    output: output,
    warnings: xslWarnings(output),
    so: path.join(o.outDir, 'bin', o.platform, 'mc', kind, name, 'mc.so'),
    tmp: tmp,
  };
}

/** The linker's "### warning: <module>: <where>: no const | not frozen" lines. */
export function xslWarnings(output: string): string[] {
  return output.split('\n').filter((l) => l.startsWith('### warning'));
}

/** Every compiled module of a built app, path under modules/ → bytes. */
export function xsbSizes(tmp: string): Record<string, number> {
  const out: Record<string, number> = {};
  const base = path.join(tmp, 'modules');
  const walk = (dir: string): void => {
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.xsb')) out[path.relative(base, p)] = fs.statSync(p).size;
    }
  };
  walk(base);
  return out;
}

export interface Sim {
  /** Resolves once `stop()` ends it (or it dies by itself). */
  exited: Promise<void>;
  stop(): Promise<void>;
  output(): string;
}

/** Runs mc.so in mcsim under Xvfb; every stdout line goes to onLine. */
export function runSim(sdk: Sdk, so: string, onLine: (line: string) => void): Sim {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mcu-mqtt-mcsim-'));
  const env = Object.assign({}, sdk.env, { XDG_CONFIG_HOME: home });
  // its own process group, so that stop() ends xvfb-run, Xvfb and mcsim together, and nothing else
  const child = spawn('xvfb-run', ['-a', 'stdbuf', '-oL', path.join(sdk.bin, 'mcsim'), so], { env: env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', partial = '', alive = true;
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => {
    out += d;
    const lines = (partial + d).split('\n');
    partial = lines.pop() || '';
    for (const l of lines) onLine(l);
  });
  child.stderr!.on('data', (d) => { out += d; });
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    alive = false;
    fs.rmSync(home, { recursive: true, force: true });
    resolve();
  }));
  function signal(s: NodeJS.Signals): void {
    try { process.kill(-child.pid!, s); } catch (e) { /* already gone */ }
  }
  return {
    exited: exited,
    output: () => out,
    async stop() {
      if (!alive) return;
      signal('SIGTERM');
      const t = setTimeout(() => signal('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** Whether an ESP toolchain that mcconfig needs is set up (we never fake one). */
export function espToolchain(platform: 'esp' | 'esp32'): { ok: boolean; why: string } {
  if (platform === 'esp32') {
    const idf = process.env.IDF_PATH;
    return idf && fs.existsSync(path.join(idf, 'tools', 'idf.py')) ? { ok: true, why: '' }
      : { ok: false, why: 'IDF_PATH does not point at ESP-IDF (Moddable\'s documentation/devices/esp32.md)' };
  }
  const base = process.env.ESP_BASE || path.join(os.homedir(), 'esp');
  return fs.existsSync(path.join(base, 'esp8266-2.3.0')) && fs.existsSync(path.join(base, 'toolchain'))
    ? { ok: true, why: '' }
    : { ok: false, why: 'no ESP8266 toolchain in ' + base + ' (Moddable\'s documentation/devices/esp8266.md)' };
}
