// The Moddable modules (dist/moddable/, scripts/build/moddable.ts) hold nothing Moddable's linker
// warns about and no string literal that XS would copy on every evaluation — checked on the build's
// output without the Moddable SDK. `npm run test:moddable` runs the SDK's own linker when there is one.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { root } from '../scripts/build/paths.js';
import { moddableModules } from '../scripts/build/moddable.js';
import { constify, hoistStrings, moduleScopeProblems } from '../scripts/build/module-scope.js';

interface Manifest { modules?: Record<string, string | string[]>; preload?: string | string[]; platforms?: Record<string, Manifest> }

/** dist/moddable file names of the modules our manifests preload (the ones xsl checks). */
function preloadedFiles(): string[] {
  const out = new Set<string>();
  for (const f of fs.readdirSync(path.join(root, 'manifests'))) {
    const m = JSON.parse(fs.readFileSync(path.join(root, 'manifests', f), 'utf8')) as Manifest;
    for (const part of [m].concat(m.platforms ? Object.values(m.platforms) : [])) {
      const preload = ([] as string[]).concat(part.preload || []);
      for (const name of preload) {
        const where = part.modules && part.modules[name];
        if (typeof where === 'string' && where.startsWith('../dist/moddable/')) out.add(path.basename(where) + '.js');
      }
    }
  }
  return Array.from(out).sort();
}

let files: Record<string, string> = {};
test.before(async () => { files = await moddableModules(); });

test('the manifests preload our library and the app', (t) => {
  t.deepEqual(preloadedFiles(), ['mcu-mqtt.js', 'temp-sensor.js']);
});

test('preloaded modules: no module-level var or let, no unfrozen module-level object (xsl: "no const", "not frozen")', (t) => {
  for (const f of preloadedFiles()) t.deepEqual(moduleScopeProblems(files[f]), [], f);
});

test('every module: the build left no string literal inside a function but message text', (t) => {
  for (const f of Object.keys(files)) t.is(hoistStrings(files[f]), files[f], f);
});

test('constify: top-level var becomes const, or let when the name is assigned anywhere', (t) => {
  const out = constify('var a = 1;\nvar b = 2, c = 3;\nvar d;\nvar e = 0;\nfunction f() { var g = 1; b++; return g; }\n' +
    'for (e of []) ;\nvar h = class {};\n');
  t.is(out, 'const a = 1;\nlet b = 2, c = 3;\nlet d;\nlet e = 0;\nfunction f() { var g = 1; b++; return g; }\n' +
    'for (e of []) ;\nconst h = class {};\n');
  t.is(constify('var x = 1;\nfunction f() { [x] = [2]; }\n').slice(0, 3), 'let');
  t.is(constify('var x = 1;\nfunction f() { ({ x } = { x: 2 }); }\n').slice(0, 3), 'let');
  t.is(constify('var x = 1;\nfunction f() { x ??= 2; }\n').slice(0, 3), 'let');
});

test('hoistStrings: values inside functions become constants; keys, module names, directives, messages and top-level text stay', (t) => {
  const src = 'import T from "embedded:io/socket/tcp";\nconst TOP = "top";\n' +
    'function f(x, o) { "use strict"; if (typeof x === "string") return "sent"; o["key"] = { format: "buffer", "quoted": 1 };\n' +
    '  if (x === "") throw new Error("bad thing"); return "a" + x; }\n';
  const out = hoistStrings(src);
  t.true(out.startsWith('// string literals used inside functions'));
  t.regex(out, /\nconst str_string = "string";\nconst str_sent = "sent";\nconst str_buffer = "buffer";\nconst str_empty = "";\n/);
  t.regex(out, /typeof x === str_string\) return str_sent;/);
  t.regex(out, /o\["key"\] = \{ format: str_buffer, "quoted": 1 \}/);
  t.regex(out, /"use strict";/);
  t.regex(out, /import T from "embedded:io\/socket\/tcp";/);
  t.regex(out, /const TOP = "top";/);
  t.regex(out, /new Error\("bad thing"\)/);
  t.regex(out, /return "a" \+ x;/);
  t.regex(out, /x === str_empty/);
  t.is(hoistStrings(out), out, 'a second pass changes nothing');
});

test('hoistStrings: a name already in use is not reused', (t) => {
  const out = hoistStrings('const str_sent = 1;\nfunction f() { return "sent" + str_sent === 0 ? "sent" : 0; }\n');
  t.regex(out, /const str_sent_2 = "sent";/);
});

test('moduleScopeProblems: finds what xsl would warn about', (t) => {
  const p = moduleScopeProblems('var a = 1;\nlet b = 2;\nconst c = [1];\nconst d = { x: 1 };\nconst e = new Uint8Array(4);\n' +
    'const f = Object.freeze([1]);\nconst g = 1;\nfunction h() { var i = []; }\n');
  t.deepEqual(p, ['line 1: a: no const (var)', 'line 2: b: no const (let)', 'line 3: c: not frozen', 'line 4: d: not frozen', 'line 5: e: not frozen']);
});
