// Part 1: bytes. Espruino runs from source text, so its upload size is RAM; Moddable compiles
// the ES modules to bytecode, so their size is a rough guide to flash only.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { CLIENT_APP_BUDGET, CLIENT_BUDGET } from '../scripts/build/budget.js';
import { CLIENT_APP_ENTRY, CLIENT_ENTRY, toEs5 } from '../scripts/build/espruino.js';
import { fmt, type Table, type Target } from './report.js';
import type { PartBody } from './index.js';

const DIST = path.resolve('dist');
const BUILT_CLIENT = path.join(DIST, 'espruino', 'client.min.js');

// What Espruino would get without LiteClient: the core client handed to a global, as CLIENT_ENTRY does.
const LITE_ENTRY = "import { LiteClient } from './src/lite/client.ts';\ndeclare var MQTT: unknown;\nMQTT = { LiteClient: LiteClient };\n";
const CORE_ENTRY = "import { MqttClient } from './src/client.ts';\ndeclare var MQTT: unknown;\nMQTT = { MqttClient: MqttClient };\n";

function gz(b: Buffer | string): number { return zlib.gzipSync(b, { level: 9 }).length; }
function bytes(s: string): number { return Buffer.byteLength(s); }

function listJs(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push.apply(out, listJs(p));
    else if (/\.(m?js)$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

function ensureDist(notes: string[]): void {
  if (fs.existsSync(path.join(DIST, 'espruino')) && fs.existsSync(path.join(DIST, 'moddable'))) return;
  const script = path.resolve('build', 'scripts', 'build.js');
  if (!fs.existsSync(script)) { notes.push('dist/ is missing and `build/scripts/build.js` does not exist yet, so the firmware files were not measured.'); return; }
  const r = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 120000 });
  if (r.status !== 0) notes.push('`node build/scripts/build.js` failed (exit ' + r.status + '): `' + (r.stderr || r.stdout || '').trim().split('\n').slice(-3).join(' / ') + '`');
}

function fileRows(dir: string): (string | number)[][] {
  return listJs(dir).map((f) => {
    const b = fs.readFileSync(f);
    return [path.relative(process.cwd(), f), fmt(b.length, 0), fmt(gz(b), 0)];
  });
}

/** The core client in its Moddable form (esbuild-minified ES2020) and where its bytes come from. */
async function coreModdable(): Promise<{ size: number; inputs: [string, number][] }> {
  const esbuild = await import('esbuild');
  const r = await esbuild.build({ entryPoints: [path.resolve('src', 'client.ts')], bundle: true, format: 'esm', target: 'es2020', minify: true, write: false, legalComments: 'none', metafile: true });
  const out = r.metafile.outputs[Object.keys(r.metafile.outputs)[0]];
  const inputs = Object.keys(out.inputs).map((k): [string, number] => [k, out.inputs[k].bytesInOutput]).sort((a, b) => b[1] - a[1]);
  return { size: bytes(r.outputFiles[0].text), inputs: inputs };
}

const pct = (n: number, of: number): string => fmt((100 * n) / of, 0) + ' %';

export async function run(): Promise<PartBody> {
  const notes: string[] = [];
  const targets: Target[] = [];
  const tables: Table[] = [];
  ensureDist(notes);

  const esp = fileRows(path.join(DIST, 'espruino'));
  if (esp.length) tables.push({ title: 'Espruino upload files (dist/espruino/, ES5, minified)', headers: ['file', 'bytes', 'gzip bytes'], rows: esp });
  else notes.push('No Espruino upload files found in dist/espruino/.');
  const mod = fileRows(path.join(DIST, 'moddable'));
  if (mod.length) tables.push({ title: 'Moddable ES modules (dist/moddable/, compiled by mcconfig)', headers: ['file', 'bytes', 'gzip bytes'], rows: mod });
  else notes.push('No Moddable modules found in dist/moddable/.');

  const [liteAdapter, lite, core, app] = await Promise.all([CLIENT_ENTRY, LITE_ENTRY, CORE_ENTRY, CLIENT_APP_ENTRY].map((e) => toEs5(e).then((s) => s.code)));
  const row = (name: string, code: string): (string | number)[] => [name, fmt(bytes(code), 0), fmt(gz(code), 0), pct(bytes(code), CLIENT_BUDGET)];
  tables.push({
    title: 'Clients minified for Espruino (ES5, the build\'s toEs5)',
    headers: ['bundle', 'bytes', 'gzip bytes', 'of the 5 KB budget'],
    rows: [
      row('LiteClient + Espruino adapter (what dist/espruino/client.min.js holds)', liteAdapter),
      row('LiteClient alone (src/lite/client.ts)', lite),
      row('core MqttClient alone (src/client.ts + codec + session), if Espruino used it', core),
    ],
  });

  const c = await coreModdable();
  tables.push({
    title: 'Where the core client\'s bytes come from (Moddable form: esbuild-minified ES2020, ' + fmt(c.size, 0) + ' B, largest first)',
    headers: ['source file', 'bytes in output', 'share'],
    rows: c.inputs.slice(0, 12).map((x) => [path.relative(process.cwd(), path.resolve(x[0])), fmt(x[1], 0), pct(x[1], c.size)]),
  });

  if (fs.existsSync(BUILT_CLIENT)) {
    const built = fs.statSync(BUILT_CLIENT).size;
    targets.push({ name: 'client minified for Espruino', target: '≤ 5 KB (5 120 B)', measured: fmt(built, 0) + ' B (dist/espruino/client.min.js)', met: built <= CLIENT_BUDGET });
    if (built !== bytes(liteAdapter)) notes.push('dist/espruino/client.min.js (' + fmt(built, 0) + ' B) differs from the same entry built now (' + fmt(bytes(liteAdapter), 0) + ' B): dist/ is older than the sources; run the build again.');
  } else {
    targets.push({ name: 'client minified for Espruino', target: '≤ 5 KB (5 120 B)', measured: 'n/a (no dist/espruino/client.min.js)', met: null });
  }
  targets.push({ name: 'client + temperature app minified for Espruino', target: '≤ 7 KB (7 168 B)', measured: fmt(bytes(app), 0) + ' B (toEs5 of the build\'s client + app entry)', met: bytes(app) <= CLIENT_APP_BUDGET });

  notes.push('Espruino ships LiteClient, not MqttClient. Compared with MqttClient it has no per-filter message handlers (every message goes to onMessage), no failover list of brokers, no `clean` or `connectTimeout` option (always a clean session), only mqtt:// and mqtts:// URLs, and topics and payloads are byte strings rather than Uint8Array. QoS 0/1, retained, will, keepalive, reconnect with backoff and the QoS 1 outbox are kept.');
  notes.push('The per-file table is for the core client in its Moddable form; Moddable and Node run MqttClient.');
  return {
    title: '1. Code size',
    method: [
      '- Espruino and Moddable files: the output of `npm run build` (scripts/build.ts) in dist/, byte size on disk and gzip -9 (zlib) size.',
      '- Clients for Espruino: each entry (one global assignment, as the build does) lowered by the build\'s own `toEs5` (scripts/build/espruino.ts: esbuild bundle → SWC to ES5 → terser, with message stripping and property mangling). The client target is the file the build wrote; the client + app target is `toEs5` of the build\'s client + app entry.',
      '- Core client per file: `src/client.ts` bundled and minified to ES2020 by esbuild (the Moddable form); the shares come from esbuild\'s metafile.',
    ],
    tables: tables,
    targets: targets,
    notes: notes,
  };
}
