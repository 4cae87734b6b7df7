// README's examples: every TypeScript/JavaScript block is a marked example (test/helpers/readme-examples.ts),
// and the ones that need a device are type-checked against that engine's typings. The Node ones
// are compiled and run from the installed package in test/package.test.ts.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { root } from '../scripts/build/paths.js';
import { parseReadmeExamples, readmeExamples, unmarkedCodeBlocks, type ReadmeExample } from './helpers/readme-examples.js';

const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const work = path.join(root, '.tmp', 'readme-examples');

function typecheck(project: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [tsc, '-p', project, '--pretty', 'false'], { cwd: root, encoding: 'utf8', timeout: 100000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, out: (stdout + stderr).trim() });
    });
  });
}

/** tsconfig.<engine>.json's `files`, comments stripped: the engine typings the repo checks against. */
function engineFiles(tsconfig: string): string[] {
  const text = fs.readFileSync(path.join(root, tsconfig), 'utf8').replace(/^\s*\/\/.*$/gm, '');
  return (JSON.parse(text) as { files: string[] }).files;
}

function examplesOf(kind: ReadmeExample['kind']): ReadmeExample[] {
  return readmeExamples().filter((e) => e.kind === kind);
}

test('README: every TypeScript and JavaScript block is a marked example, each runnable one with its output', (t) => {
  const markdown = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  t.deepEqual(unmarkedCodeBlocks(markdown), [], 'blocks nothing runs or checks');
  const all = readmeExamples();
  t.deepEqual(all.map((e) => e.kind).filter((k, i, a) => a.indexOf(k) === i).sort(), ['espruino', 'fragment', 'moddable', 'run']);
  for (const e of all.filter((x) => x.kind === 'run')) t.true((e.output ?? '').trim().length > 0, e.name + ' shows its output');
});

test('README example markers: a marker without a block, an output without its example, or an unmarked ts block are caught', (t) => {
  t.throws(() => parseReadmeExamples('<!-- example a.ts: run -->\ntext\n'), { message: /not followed by a ``` block/ });
  t.throws(() => parseReadmeExamples('<!-- example a.ts: run -->\n```ts\nx\n```\n'), { message: /no output block/ });
  t.throws(() => parseReadmeExamples('<!-- output of b.js -->\n```text\nx\n```\n'), { message: /no runnable example/ });
  t.throws(() => parseReadmeExamples('<!-- example a.ts: run -->\n```js\nx\n```\n'), { message: /```js block/ });
  t.throws(() => parseReadmeExamples('<!-- example a.ts: sometimes -->\n```ts\nx\n```\n'), { message: /unknown example kind/ });
  const ok = parseReadmeExamples('<!-- example a.js: run -->\n\n```js\nconsole.log(1)\n```\n<!-- output of a.js -->\n```text\n1\n```\n');
  t.deepEqual(ok, [{ name: 'a.js', kind: 'run', code: 'console.log(1)\n', line: 3, output: '1\n' }]);
  t.deepEqual(unmarkedCodeBlocks('```sh\nnpm test\n```\n```ts\nlet x = 1\n```\n'), [{ line: 4, info: 'ts' }]);
});

test('README Moddable examples type-check against @moddable/typings (they need a device to run)', async (t) => {
  t.timeout(110000);
  const examples = examplesOf('moddable');
  t.true(examples.length >= 1);
  const dir = path.join(work, 'moddable');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  // On the device `mcu-mqtt` is dist/moddable/mcu-mqtt.js, which scripts/build/moddable.ts bundles
  // from exactly these two exports; here the same names come from the sources.
  fs.writeFileSync(path.join(dir, 'mcu-mqtt.ts'),
    "export * from '../../../src/index.js';\nexport { createModdablePlatform } from '../../../src/platform/moddable.js';\n");
  for (const e of examples) fs.writeFileSync(path.join(dir, e.name), e.code);
  // Proof that the check sees Moddable's globals and not Node's: this must be an error there.
  fs.writeFileSync(path.join(dir, 'control.ts'), '// @ts-expect-error no setTimeout global on Moddable\nsetTimeout(function () {}, 1);\nexport {};\n');
  const typings = engineFiles('tsconfig.moddable.json').filter((f) => f.startsWith('node_modules/') || f.startsWith('types/'));
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
    extends: '../../../tsconfig.moddable.json',
    compilerOptions: { paths: { 'mcu-mqtt': ['./mcu-mqtt.ts'] } },
    files: typings.map((f) => '../../../' + f).concat(examples.map((e) => e.name), ['control.ts']),
  }, null, 2));
  const r = await typecheck(path.join(dir, 'tsconfig.json'));
  t.is(r.out, '', 'tsc output');
  t.is(r.code, 0);
});

test('README Espruino examples type-check (as JavaScript) against types/espruino.d.ts and the MQTT global of client.min.js', async (t) => {
  t.timeout(110000);
  const examples = examplesOf('espruino');
  t.true(examples.length >= 1);
  const dir = path.join(work, 'espruino');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  // dist/espruino/client.min.js assigns MQTT = { LiteClient, createEspruinoPlatform } (scripts/build/espruino.ts).
  fs.writeFileSync(path.join(dir, 'mqtt-global.d.ts'), [
    "import type { LiteClient } from '../../../src/lite/client.js';",
    "import type { createEspruinoPlatform } from '../../../src/platform/espruino.js';",
    'declare global { var MQTT: { LiteClient: typeof LiteClient; createEspruinoPlatform: typeof createEspruinoPlatform } }',
    'export {};', '',
  ].join('\n'));
  // Wrapped in a function: at the top level of a JavaScript file tsc takes `client.onMessage =
  // function (…)` for a new declaration and gives its parameters no type from LiteClient.
  for (const e of examples) fs.writeFileSync(path.join(dir, e.name), 'function readmeExample() {\n' + e.code + '}\n');
  fs.writeFileSync(path.join(dir, 'control.js'),
    "// @ts-expect-error LiteClient has no failover list\nvar controlClient = new MQTT.LiteClient({ url: 'mqtt://x', servers: [], platform: MQTT.createEspruinoPlatform() });\n");
  const typings = engineFiles('tsconfig.espruino.json').filter((f) => f.startsWith('types/'));
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
    extends: '../../../tsconfig.espruino.json',
    compilerOptions: { allowJs: true, checkJs: true },
    files: typings.map((f) => '../../../' + f).concat(['mqtt-global.d.ts'], examples.map((e) => e.name), ['control.js']),
  }, null, 2));
  const r = await typecheck(path.join(dir, 'tsconfig.json'));
  t.is(r.out, '', 'tsc output');
  t.is(r.code, 0);
});
