// Everything Moddable runs (client, platform, app, boards) type-checks against @moddable/typings.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { root } from '../scripts/build/paths.js';

const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');

function check(project: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [tsc, '-p', project, '--pretty', 'false'], { cwd: root, encoding: 'utf8', timeout: 110000 });
  return { status: r.status, out: (r.stdout || '') + (r.stderr || '') };
}

test('moddable: tsconfig.moddable.json type-checks with no errors', (t) => {
  const r = check('tsconfig.moddable.json');
  t.is(r.out.trim(), '');
  t.is(r.status, 0);
});

test('espruino: tsconfig.espruino.json type-checks with no errors', (t) => {
  const r = check('tsconfig.espruino.json');
  t.is(r.out.trim(), '');
  t.is(r.status, 0);
});

test('moddable: the check catches engine API misuse (setTimeout global, wrong socket options)', (t) => {
  const dir = path.join(root, '.tmp', 'moddable-typecheck');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'bad.ts'),
    "import TCP from 'embedded:io/socket/tcp';\n" +
    "setTimeout(function () {}, 1);\n" +
    "new TCP({ port: 1883 });\n");
  const base = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.moddable.json'), 'utf8').replace(/^\s*\/\/.*$/gm, '')) as { files: string[] };
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
    extends: '../../tsconfig.moddable.json',
    files: base.files.map((f) => '../../' + f).concat(['bad.ts']),
  }));
  const r = check(path.join(dir, 'tsconfig.json'));
  t.not(r.status, 0);
  t.regex(r.out, /bad\.ts\(2,1\).*setTimeout/);
  t.regex(r.out, /bad\.ts\(3,/);
});
