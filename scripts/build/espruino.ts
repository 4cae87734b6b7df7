// The Espruino pipeline, per upload file:
//   esbuild  bundle the TypeScript into one IIFE (es2020: esbuild cannot emit ES5)
//   SWC      lower to ES5 (loose, helpers inlined: Espruino has no module loader to fetch them)
//   terser   minify for ES5 with mangling (size is memory on Espruino)
//   espruino the official CLI, offline (-n, a local board JSON), writes what it would upload
// SWC rather than Babel: one native dependency, no plugin set to keep in step, and its ES5
// output in loose mode is small. TypeScript 6 deprecates target ES5 and 7 drops it.
import { build } from 'esbuild';
import type { Metafile } from 'esbuild';
import { transform } from '@swc/core';
import { minify } from 'terser';
import * as acorn from 'acorn';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { distEspruino, root, tmpDir } from './paths.js';
import { findForbidden } from './es5-check.js';
import { stripMessagesPlugin } from './strip-messages.js';
import type { StripReport } from './strip-messages.js';
import { mangleRegex, mangleSet } from './mangle-names.js';
import { CLIENT_APP_BUDGET, CLIENT_BUDGET } from './budget.js';
import type { MangleSet } from './mangle-names.js';

// Espruino's built-in modules, required at run time; never bundled.
const ENGINE_MODULES = ['net', 'tls', 'Wifi', 'Storage', 'ESP8266', 'ESP32'];

export interface Stage { code: string; metafile: Metafile }

/**
 * The size reductions, each of which can be turned off (the runtime test also runs the file
 * built without them, to show the harness itself works).
 *   strip   MqttError message text becomes '' (codes stay): see strip-messages.ts
 *   mangle  internal property names are renamed: see mangle-names.ts
 */
export interface Reductions { strip: boolean; mangle: boolean }
export const ALL_REDUCTIONS: Reductions = { strip: true, mangle: true };
export const NO_REDUCTIONS: Reductions = { strip: false, mangle: false };

let names: MangleSet | null = null;
/** Computed once per process from the TypeScript program. */
export function mangledNames(): MangleSet {
  if (!names) names = mangleSet();
  return names;
}

/** esbuild → SWC (ES5) → terser. `source` is module text resolved from the repository root. */
// CommonJS wrapped in a function by hand, not esbuild's IIFE: the IIFE output replaces `require`
// with a shim that probes Proxy. Entries export nothing (export plumbing costs ~1 KB of helpers,
// one of them Symbol-based); a library bundle hands its API to a global by assignment instead.
export async function toEs5(source: string, reductions?: Reductions, stripReport?: StripReport, flat?: boolean): Promise<Stage> {
  const red = reductions || ALL_REDUCTIONS;
  const r = await build({
    stdin: { contents: source, resolveDir: root, loader: 'ts', sourcefile: 'entry.ts' },
    absWorkingDir: root,
    bundle: true,
    write: false,
    metafile: true,
    format: 'cjs',
    target: 'es2020',
    platform: 'neutral',
    external: ENGINE_MODULES,
    plugins: red.strip ? [stripMessagesPlugin(stripReport)] : [],
    // Declared-only class fields must not become defineProperty calls (tsconfig's ES2022
    // target implies define semantics): on Espruino that is code size and time per object.
    tsconfigRaw: { compilerOptions: { useDefineForClassFields: false } },
    logLevel: 'silent',
    legalComments: 'none',
  });
  // A whole program (an upload file) runs flat, at the top level: in a wrapper function every
  // function of the bundle would be a closure over the wrapper's scope, each costing Espruino
  // ~3 more variables (measured: 116 of 1 047 for the ESP8266 file). Its top-level names become
  // globals, so they are mangled to names starting with '$' (see FLAT_NAMES), which no Espruino
  // built-in has. A library (client.min.js) keeps its wrapper and leaves only MQTT behind.
  const es2020 = flat ? r.outputFiles[0].text : '(function(){\n' + r.outputFiles[0].text + '\n})();\n';
  // ES5 through `env` (IE 11 = ES5) rather than jsc.target 'es5', only to leave out two
  // transforms: typeof-symbol and instanceof wrap every `typeof`/`instanceof` in a helper that
  // probes Symbol, which Espruino does not have, at ~300 bytes of upload file.
  const es5 = await transform(es2020, {
    env: { targets: { ie: '11' }, loose: true, exclude: ['transform-typeof-symbol', 'transform-instanceof'] },
    jsc: { loose: true, externalHelpers: false, parser: { syntax: 'ecmascript' } },
    isModule: false,
    sourceMaps: false,
  });
  if (/require\(\s*["']@swc\/helpers|from\s*["']@swc\/helpers/.test(es5.code)) throw new Error('SWC output imports @swc/helpers');
  if (red.mangle) assertNoMangledStrings(es5.code, mangleRegex(mangledNames().mangle));
  const min = await minify(es5.code, {
    ecma: 5,
    toplevel: true,
    compress: TERSER_COMPRESS,
    mangle: Object.assign({ toplevel: true }, flat ? { nth_identifier: FLAT_NAMES } : {}, red.mangle
      ? { properties: { regex: mangleRegex(mangledNames().mangle), builtins: true, keep_quoted: false } } : {}),
    // ascii_only: every byte of the upload files is plain ASCII. A raw 0x04 in a string literal
    // (terser writes '\x04' as the byte itself otherwise) ends a REPL upload on Espruino.
    format: { ecma: 5, comments: false, ascii_only: true },
  });
  if (!min.code) throw new Error('terser produced nothing');
  return { code: min.code, metafile: r.metafile };
}

/** Mangled names for a flat upload file: $0 … $z, $10 …, so its globals cannot meet Espruino's. */
export const FLAT_NAMES = { get: (n: number): string => '$' + n.toString(36) };

/**
 * A name to be mangled must not occur as a string in the code terser sees (a helper's
 * defineProperty key, a computed access): terser would rename the accesses and not the string.
 */
function assertNoMangledStrings(code: string, re: RegExp): void {
  const bad: string[] = [];
  for (const tok of acorn.tokenizer(code, { ecmaVersion: 5 })) {
    if (tok.type === acorn.tokTypes.string && re.test((tok as unknown as { value: string }).value) && bad.indexOf((tok as unknown as { value: string }).value) < 0) bad.push((tok as unknown as { value: string }).value);
  }
  if (bad.length > 0) throw new Error('property mangling would break string uses of: ' + bad.join(', '));
}

// Each unsafe_* option checked against what src/ does; see the report in the build output.
//   hoist_vars    var is function-scoped in ES5 anyway; one `var` per function        (-430 B)
//   unsafe        String(x) → ""+x etc.; we never replace built-ins                     (-15 B)
//   unsafe_proto  Array.prototype.f.call → [].f.call                                    (-14 B)
//   pure_getters  our getters (count, inflightCount, queuedCount, server) only read      (-9 B)
//   keep_fargs    false: nothing reads Function.length                                  (-28 B)
//   passes 3      (-1 B)
// Left off: unsafe_comps (rewrites !(a < b) to a >= b, wrong for NaN, and the app tests for
// NaN readings), unsafe_math (reassociates float arithmetic: formatCelsius must round exactly).
// Turned off: reduce_funcs. It inlines a function called from one place as a function expression
// at that place, which Espruino then creates anew on every call there, one scope deeper (measured:
// LiteClient's receive() inside the socket's data callback).
export const TERSER_COMPRESS = {
  ecma: 5 as const, passes: 3, unsafe_arrows: false, hoist_vars: true, unsafe: true, unsafe_proto: true,
  pure_getters: true, keep_fargs: false, reduce_funcs: false, inline: 1,
};

/** The largest inputs of a bundle (bytes esbuild put in the output, before minification). */
export function largestInputs(meta: Metafile, n: number): string[] {
  const out = meta.outputs[Object.keys(meta.outputs)[0]];
  return Object.keys(out.inputs)
    .map((k) => ({ file: k, bytes: out.inputs[k].bytesInOutput }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, n)
    .map((x) => x.file + ' ' + x.bytes);
}

/**
 * What "client alone" and "client + app" mean for the budget: the API handed to a global.
 * The client alone is what a user needs in their own firmware, so it includes the Espruino
 * adapter: dist/espruino/client.min.js defines MQTT = { LiteClient, createEspruinoPlatform }.
 * On Espruino the client is LiteClient (src/lite/client.ts), not the core's MqttClient: see there.
 */
export const CLIENT_ENTRY = "import { LiteClient } from './src/lite/client.ts';\n" +
  "import { createEspruinoPlatform } from './src/platform/espruino.ts';\n" +
  "declare var MQTT: unknown;\nMQTT = { LiteClient: LiteClient, createEspruinoPlatform: createEspruinoPlatform };\n";
export const CLIENT_APP_ENTRY = "import { startTempSensor } from './src/apps/temp-sensor.ts';\n" +
  "import { LiteClient } from './src/lite/client.ts';\n" +
  "import { createEspruinoPlatform } from './src/platform/espruino.ts';\n" +
  "declare var MQTT_APP: unknown;\nMQTT_APP = { startTempSensor: startTempSensor, LiteClient: LiteClient, createEspruinoPlatform: createEspruinoPlatform };\n";

export interface EspruinoBoard { chip: string; entry: string; boardJson: string }

export const ESPRUINO_BOARDS: EspruinoBoard[] = [
  { chip: 'esp8266', entry: 'boards/espruino-esp8266.ts', boardJson: 'boards/espruino-esp8266.board.json' },
  { chip: 'esp32', entry: 'boards/espruino-esp32.ts', boardJson: 'boards/espruino-esp32.board.json' },
];

/** The config object at the top of every upload file; users edit it before uploading. */
export const CONFIG_PRELUDE =
  '// mcu-mqtt temperature sensor. Edit, then upload to Storage (see README "Flash a board"):\n' +
  '// npx espruino ... --storage .bootcde:thisfile.js. Sent as a plain script it does not fit an ESP8266.\n' +
  'var MQTT_CONFIG={ssid:"",password:"",broker:"",topic:"temp",' +
  'statusTopic:"temp/status",interval:10000,qos:1};\n';

function canIsolateNetwork(): boolean {
  const r = spawnSync('unshare', ['-rn', 'true'], { stdio: 'ignore' });
  return r.status === 0;
}

/**
 * Runs the espruino CLI offline. Inside a network namespace when the OS allows it, so a module
 * download attempt fails instead of happening; either way a download attempt fails the build.
 */
export function espruinoCli(input: string, output: string, boardJson: string): void {
  const cli = path.join(root, 'node_modules', '.bin', 'espruino');
  const args = ['-n', '--board', boardJson, '-o', output, input];
  const isolated = canIsolateNetwork();
  const text = isolated
    ? execFileSync('unshare', ['-rn', cli].concat(args), { cwd: root, encoding: 'utf8', timeout: 60000 })
    : execFileSync(cli, args, { cwd: root, encoding: 'utf8', timeout: 60000 });
  if (/getURL|not found/i.test(text)) throw new Error('espruino CLI tried to fetch something:\n' + text);
  if (!fs.existsSync(output)) throw new Error('espruino CLI wrote no ' + output + ':\n' + text);
}

export interface EspruinoSizes { client: number; clientApp: number; files: Record<string, number> }

export async function buildEspruino(log: (s: string) => void): Promise<EspruinoSizes> {
  fs.mkdirSync(distEspruino, { recursive: true });
  fs.mkdirSync(tmpDir, { recursive: true });
  const strip: StripReport = { sinks: [], edits: 0 };
  const client = await toEs5(CLIENT_ENTRY, ALL_REDUCTIONS, strip);
  const clientApp = await toEs5(CLIENT_APP_ENTRY);
  fs.writeFileSync(path.join(distEspruino, 'client.min.js'), client.code);
  const m = mangledNames();
  // For review: what the upload files rename, and which class members keep their names and why.
  fs.writeFileSync(path.join(distEspruino, 'mangled-names.txt'),
    '# property names renamed in the Espruino upload files (' + m.mangle.length + ')\n' + m.mangle.join('\n') +
    '\n\n# class members that keep their names, and why\n' +
    Object.keys(m.kept).map((k) => k + '  ' + m.kept[k]).join('\n') + '\n');
  log('espruino: message text stripped at ' + strip.edits + ' call sites; message-only functions: ' + strip.sinks.join(', '));
  log('espruino: ' + m.mangle.length + ' property names mangled, ' + Object.keys(m.kept).length + ' class members kept (dist/espruino/mangled-names.txt)');
  log('espruino: client alone ' + client.code.length + ' B minified (budget ' + CLIENT_BUDGET + ')');
  log('  largest inputs (bytes before minifying): ' + largestInputs(client.metafile, 6).join(', '));
  log('espruino: client + app ' + clientApp.code.length + ' B minified (budget ' + CLIENT_APP_BUDGET + ')');
  const files: Record<string, number> = {};
  for (const b of ESPRUINO_BOARDS) {
    const stage = await toEs5("import './" + b.entry + "';", ALL_REDUCTIONS, undefined, true);
    const input = path.join(tmpDir, 'espruino-' + b.chip + '.js');
    fs.writeFileSync(input, CONFIG_PRELUDE + stage.code + '\n');
    const output = path.join(distEspruino, b.chip + '.js');
    espruinoCli(input, output, path.join(root, b.boardJson));
    files[b.chip] = fs.statSync(output).size;
    const bad = findForbidden(fs.readFileSync(output, 'utf8'));
    for (const f of bad) log('  FORBIDDEN in ' + b.chip + '.js: ' + f.what + ' near ' + JSON.stringify(f.context));
    log('espruino: dist/espruino/' + b.chip + '.js ' + files[b.chip] + ' B (client, app, platform, DS18B20, board, config)');
  }
  log('espruino: upload to Storage (espruino --storage .bootcde:dist/espruino/<chip>.js; for client.min.js, with your program after it):');
  log('  sent as a plain script (RAM) neither fits an ESP8266 (1 700 variables): OUT OF MEMORY, measured by npm run test:espruino');
  return { client: client.code.length, clientApp: clientApp.code.length, files: files };
}
