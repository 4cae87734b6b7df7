// The package as a user gets it: `npm pack`, the tarball installed into an empty project (offline:
// the package has no dependencies), README's TypeScript examples compiled there with tsc --strict
// against the installed declarations, and README's runnable examples run there against a spawned
// mosquitto, printing exactly what README shows.
//
// The tarball is packed with --ignore-scripts after building what `prepack` builds (dist/ through the
// lock the other build tests share, lib/ with `npm run build:lib`): prepack itself would rebuild
// dist/ while other test processes read it.
import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { root } from '../scripts/build/paths.js';
import { ensureEspruinoBuild } from './helpers/espruino-sim.js';
import { startMosquitto } from './helpers/brokers.js';
import { readmeExamples } from './helpers/readme-examples.js';

const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');

interface Ran { code: number | null; stdout: string; stderr: string }

function run(cmd: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv, timeout = 60000): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env: env ?? process.env, timeout, encoding: 'utf8', maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null) : 0;
      resolve({ code, stdout, stderr: stderr + (err && code === null ? String(err.message) : '') });
    });
  });
}

/** The environment of a user's shell: without the npm_* settings `npm test` passes down. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const k of Object.keys(process.env)) if (!/^npm_/i.test(k)) env[k] = process.env[k];
  return Object.assign(env, { NO_UPDATE_NOTIFIER: '1' }, extra);
}

interface Packed { dir: string; project: string; files: string[]; manifest: Record<string, any> }

let packing: Promise<Packed> | null = null;
function packAndInstall(): Promise<Packed> {
  if (!packing) packing = doPackAndInstall();
  return packing;
}

async function doPackAndInstall(): Promise<Packed> {
  ensureEspruinoBuild();   // dist/moddable/mcu-mqtt.js and dist/espruino/client.min.js
  const lib = await run('npm', ['run', '--silent', 'build:lib'], root, userEnv());   // lib/ afresh: no module left from a renamed source
  if (lib.code !== 0) throw new Error('npm run build:lib failed:\n' + lib.stdout + lib.stderr);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcu-mqtt-pack-'));
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], root, userEnv());
  if (packed.code !== 0) throw new Error('npm pack failed:\n' + packed.stdout + packed.stderr);
  const info = JSON.parse(packed.stdout)[0] as { filename: string; files: Array<{ path: string }> };
  const tarball = path.join(dir, info.filename);

  const project = path.join(dir, 'project');
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'readme-user', private: true, type: 'module' }, null, 2));
  const installed = await run('npm', ['install', tarball, '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], project, userEnv());
  if (installed.code !== 0) throw new Error('npm install of the tarball failed:\n' + installed.stdout + installed.stderr);
  const manifest = JSON.parse(fs.readFileSync(path.join(project, 'node_modules', 'mcu-mqtt', 'package.json'), 'utf8'));
  return { dir, project, files: info.files.map((f) => f.path).sort(), manifest };
}

test.after.always(async () => {
  if (!packing) return;
  try { fs.rmSync((await packing).dir, { recursive: true, force: true }); } catch { /* packing failed: nothing to remove */ }
});

/** Every file an `exports` entry, `main`, `types` or `bin` names, as a path inside the package. */
function namedFiles(m: Record<string, any>): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') out.push(v.replace(/^\.\//, ''));
    else if (v && typeof v === 'object') for (const k of Object.keys(v)) walk((v as Record<string, unknown>)[k]);
  };
  walk(m.exports); walk(m.main); walk(m.types); walk(m.bin);
  return out;
}

test('npm pack: the Node build with a declaration for every module, the device files README names, README and LICENSE; no tests, benches or build scripts', async (t) => {
  t.timeout(110000);
  const p = await packAndInstall();
  const allowed = /^(lib\/.+\.(js|d\.ts)|dist\/moddable\/mcu-mqtt\.js|dist\/espruino\/client\.min\.js|manifests\/mcu-mqtt\.json|README\.md|LICENSE|package\.json)$/;
  t.deepEqual(p.files.filter((f) => !allowed.test(f)), [], 'files outside what the package should hold');
  t.deepEqual(p.files.filter((f) => /(^|\/)(test|bench|scripts)\//.test(f) || /\.(test\.js|map|ts)$/.test(f) && !f.endsWith('.d.ts')), []);
  for (const f of ['README.md', 'LICENSE', 'dist/espruino/client.min.js', 'dist/moddable/mcu-mqtt.js', 'manifests/mcu-mqtt.json']) {
    t.true(p.files.includes(f), f + ' is in the package');
  }
  t.regex(fs.readFileSync(path.join(p.project, 'node_modules', 'mcu-mqtt', 'LICENSE'), 'utf8'), /^MIT License\n\nCopyright \(c\) \d{4} the mcu-mqtt authors/);
  // The Moddable manifest names its module relative to itself: that file must ship too.
  const mod = JSON.parse(fs.readFileSync(path.join(p.project, 'node_modules', 'mcu-mqtt', 'manifests', 'mcu-mqtt.json'), 'utf8')).modules['mcu-mqtt'];
  t.true(p.files.includes(path.posix.join('manifests', mod) + '.js'), 'manifests/mcu-mqtt.json points at ' + mod);

  const missing = namedFiles(p.manifest).filter((f) => !p.files.includes(f));
  t.deepEqual(missing, [], 'package.json names files the tarball lacks');
  for (const key of Object.keys(p.manifest.exports)) {
    const e = p.manifest.exports[key];
    if (key === './package.json') continue;
    t.truthy(e.types, key + ' has a types condition');
    t.is(Object.keys(e)[0], 'types', key + ': types comes first (TypeScript takes the first condition that matches)');
  }
  const js = p.files.filter((f) => f.startsWith('lib/') && f.endsWith('.js'));
  t.true(js.length > 10);
  t.deepEqual(js.filter((f) => !p.files.includes(f.replace(/\.js$/, '.d.ts'))), [], 'modules without a declaration');
  t.deepEqual(Object.keys(p.manifest.dependencies ?? {}), [], 'no runtime dependencies (installs offline, nothing to audit)');
});

test('installed package: README\'s TypeScript examples compile with tsc --strict against the installed declarations, which reject misuse', async (t) => {
  t.timeout(110000);
  const p = await packAndInstall();
  const ts = readmeExamples().filter((e) => (e.kind === 'run' || e.kind === 'fragment') && e.name.endsWith('.ts'));
  t.true(ts.length >= 2, 'README has a runnable TypeScript example and a fragment: ' + ts.map((e) => e.name).join(', '));
  for (const e of ts) fs.writeFileSync(path.join(p.project, e.name), e.code);
  // Each line below must be a type error; if the declarations were missing or `any`, tsc would
  // report the directive as unused and this compile would fail.
  fs.writeFileSync(path.join(p.project, 'misuse.ts'), [
    "import { MqttClient, type MqttError } from 'mcu-mqtt';",
    "import { createNodePlatform } from 'mcu-mqtt/node';",
    "import { LiteClient, type LiteOptions } from 'mcu-mqtt/lite';",
    "import { createNodeLitePlatform } from 'mcu-mqtt/lite/node';",
    "const c = new MqttClient({ url: 'mqtt://127.0.0.1', platform: createNodePlatform() });",
    '// @ts-expect-error a payload is a string or a Uint8Array',
    "c.publish('t', 42);",
    '// @ts-expect-error QoS 2 is not offered',
    "c.publish('t', 'x', 2);",
    '// @ts-expect-error the platform is required',
    "new MqttClient({ url: 'mqtt://127.0.0.1' });",
    '// @ts-expect-error LiteClient needs a byte-string LitePlatform, not the core client\'s',
    "new LiteClient({ url: 'mqtt://127.0.0.1', platform: createNodePlatform() });",
    "const o: LiteOptions = { url: 'mqtt://127.0.0.1', platform: createNodeLitePlatform() };",
    "const r: 'sent' | 'queued' | MqttError['code'] = new LiteClient(o).publish('t', 'x');",
    'export { r };',
    '',
  ].join('\n'));
  fs.writeFileSync(path.join(p.project, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', lib: ['ES2022'],
      outDir: 'out', rootDir: '.', skipLibCheck: false,
      // a Node project has @types/node; this one borrows ours rather than installing it
      types: ['node'], typeRoots: [path.join(root, 'node_modules', '@types')],
    },
    files: ts.map((e) => e.name).concat(['misuse.ts']),
  }, null, 2));
  const r = await run(process.execPath, [tsc, '-p', 'tsconfig.json', '--pretty', 'false'], p.project);
  t.is((r.stdout + r.stderr).trim(), '', 'tsc output');
  t.is(r.code, 0);
  for (const e of ts) t.true(fs.existsSync(path.join(p.project, 'out', e.name.replace(/\.ts$/, '.js'))), e.name + ' compiled');
});

test('installed package: each runnable README example prints what README shows, against a spawned mosquitto', async (t) => {
  t.timeout(110000);
  const p = await packAndInstall();
  const runnable = readmeExamples().filter((e) => e.kind === 'run');
  t.true(runnable.some((e) => e.name.endsWith('.ts')) && runnable.some((e) => e.name.endsWith('.js')),
    'README has a runnable TypeScript and a runnable JavaScript example: ' + runnable.map((e) => e.name).join(', '));
  const broker = await startMosquitto();
  t.teardown(() => broker.close());
  for (const e of runnable) {
    let file: string;
    if (e.name.endsWith('.ts')) {
      // Compiled on its own here too, so this test does not depend on the one above.
      fs.mkdirSync(path.join(p.project, 'run-ts'), { recursive: true });
      fs.writeFileSync(path.join(p.project, 'run-ts', e.name), e.code);
      fs.writeFileSync(path.join(p.project, 'run-ts', 'tsconfig.json'), JSON.stringify({
        compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', lib: ['ES2022'],
          outDir: '.', skipLibCheck: true, types: ['node'], typeRoots: [path.join(root, 'node_modules', '@types')] },
        files: [e.name],
      }));
      const c = await run(process.execPath, [tsc, '-p', path.join('run-ts', 'tsconfig.json'), '--pretty', 'false'], p.project);
      t.is(c.stdout + c.stderr, '', e.name + ' compiles');
      file = path.join('run-ts', e.name.replace(/\.ts$/, '.js'));
    } else {
      file = e.name;
      fs.writeFileSync(path.join(p.project, file), e.code);
    }
    const r = await run(process.execPath, [file], p.project, userEnv({ MQTT_URL: broker.url }), 15000);
    t.is(r.stderr, '', e.name + ' writes nothing to stderr');
    t.is(r.code, 0, e.name + ' exits by itself with status 0 (nothing left running after end())');
    t.is(r.stdout, e.output ?? '(no output block)', e.name + ' (README.md:' + e.line + ') prints what README shows under it');
  }
});

test('installed package: the host-sim command runs from node_modules/.bin (with aedes, the optional peer its embedded broker needs; ws only for MQTT over WebSocket)', async (t) => {
  t.timeout(110000);
  const p = await packAndInstall();
  t.deepEqual(p.manifest.peerDependenciesMeta, { aedes: { optional: true }, ws: { optional: true } });
  // What `npm install mcu-mqtt aedes` would give; linked from our node_modules to stay offline.
  fs.symlinkSync(path.join(root, 'node_modules', 'aedes'), path.join(p.project, 'node_modules', 'aedes'), 'dir');
  const bin = path.join(p.project, 'node_modules', '.bin', 'host-sim');
  t.true(fs.existsSync(bin), 'npm linked the bin');
  const r = await run(bin, ['--help'], p.project, userEnv());
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /--devices/);
});
