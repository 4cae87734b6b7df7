// Part 1: bytes. Espruino runs from source text, so its upload size is RAM; Moddable compiles
// the ES modules to bytecode, so their size is a rough guide to flash only.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { CLIENT_BUDGET as CLIENT_LIMIT } from '../scripts/build/budget.js';
import { fmt, type Table, type Target } from './report.js';
import type { PartBody } from './index.js';

const DIST = path.resolve('dist');

function gz(b: Buffer | string): number { return zlib.gzipSync(b, { level: 9 }).length; }

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

/** The client with what it imports (codec, session, errors), lowered the way the Espruino build
 * does it — esbuild bundle → SWC to ES5 → terser — measured independently of scripts/build.ts. */
async function clientAlone(): Promise<{ esm: number; esmGz: number; es5: number; es5Gz: number; inputs: [string, number][] }> {
  const esbuild = await import('esbuild');
  const swc = await import('@swc/core');
  const terser = await import('terser');
  const entry = path.resolve('src', 'client.ts');
  if (!fs.existsSync(entry)) throw new Error('src/client.ts does not exist yet');
  const esm = await esbuild.build({ entryPoints: [entry], bundle: true, format: 'esm', target: 'es2020', minify: true, write: false, legalComments: 'none', metafile: true });
  const out = esm.metafile.outputs[Object.keys(esm.metafile.outputs)[0]];
  const inputs = Object.keys(out.inputs).map((k): [string, number] => [k, out.inputs[k].bytesInOutput]).sort((a, b) => b[1] - a[1]);
  const esmCode = esm.outputFiles[0].text;
  const cjs = await esbuild.build({ entryPoints: [entry], bundle: true, format: 'cjs', target: 'es2020', write: false, legalComments: 'none' });
  const es5 = await swc.transform(cjs.outputFiles[0].text, { jsc: { target: 'es5', parser: { syntax: 'ecmascript' } }, module: { type: 'commonjs' }, minify: false, isModule: true });
  const min = await terser.minify(es5.code, { ecma: 5, compress: { passes: 2 }, mangle: true, module: false });
  const es5Code = min.code || '';
  return { esm: Buffer.byteLength(esmCode), esmGz: gz(esmCode), es5: Buffer.byteLength(es5Code), es5Gz: gz(es5Code), inputs: inputs };
}

export async function run(): Promise<PartBody> {
  const notes: string[] = [];
  const targets: Target[] = [];
  const tables: Table[] = [];
  ensureDist(notes);

  const rowsFor = (dir: string): (string | number)[][] => listJs(dir).map((f) => {
    const b = fs.readFileSync(f);
    return [path.relative(process.cwd(), f), fmt(b.length, 0), fmt(gz(b), 0)];
  });
  const esp = rowsFor(path.join(DIST, 'espruino'));
  if (esp.length) tables.push({ title: 'Espruino upload files (dist/espruino/, ES5, minified)', headers: ['file', 'bytes', 'gzip bytes'], rows: esp });
  else notes.push('No Espruino upload files found in dist/espruino/.');
  const mod = rowsFor(path.join(DIST, 'moddable'));
  if (mod.length) tables.push({ title: 'Moddable ES modules (dist/moddable/, compiled by mcconfig)', headers: ['file', 'bytes', 'gzip bytes'], rows: mod });
  else notes.push('No Moddable modules found in dist/moddable/.');

  try {
    const c = await clientAlone();
    const built = path.join(DIST, 'espruino', 'client.min.js');
    const rows: (string | number)[][] = [];
    let es5 = c.es5, from = 'this bench\'s own ES5 pipeline';
    if (fs.existsSync(built)) {
      const b = fs.readFileSync(built);
      rows.push(['dist/espruino/client.min.js (the build\'s Espruino client)', fmt(b.length, 0), fmt(gz(b), 0), fmt((100 * b.length) / CLIENT_LIMIT, 0) + ' %']);
      es5 = b.length; from = 'dist/espruino/client.min.js';
    }
    rows.push(['ES5 via esbuild → SWC → terser, run by this bench (cross-check)', fmt(c.es5, 0), fmt(c.es5Gz, 0), fmt((100 * c.es5) / CLIENT_LIMIT, 0) + ' %']);
    rows.push(['ES2020, esbuild --minify (Moddable form)', fmt(c.esm, 0), fmt(c.esmGz, 0), fmt((100 * c.esm) / CLIENT_LIMIT, 0) + ' %']);
    tables.push({
      title: 'Client alone (src/client.ts + codec + session + errors, no platform, no app)',
      headers: ['form', 'bytes', 'gzip bytes', 'of the 5 KB budget'],
      rows: rows,
    });
    tables.push({
      title: 'Where the client\'s bytes come from (esbuild metafile, minified ES2020, largest first)',
      headers: ['source file', 'bytes in output', 'share'],
      rows: c.inputs.slice(0, 12).map((x) => [path.relative(process.cwd(), path.resolve(x[0])), fmt(x[1], 0), fmt((100 * x[1]) / c.esm, 0) + ' %']),
    });
    targets.push({ name: 'client minified for Espruino', target: '≤ 5 KB (5 120 B)', measured: fmt(es5, 0) + ' B (' + from + ')', met: es5 <= CLIENT_LIMIT });
    let strings = '';
    if (fs.existsSync(built)) {
      const lits = fs.readFileSync(built, 'utf8').match(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g) || [];
      const bytes = lits.reduce((a, b) => a + b.length, 0);
      strings = ' String literals (error messages are already stripped by the build) are ' + fmt(bytes, 0) + ' B of it (' + fmt((100 * bytes) / es5, 0) + ' %), so even without them the client is ' + fmt((es5 - bytes) / CLIENT_LIMIT, 1) + '× the budget: reaching 5 KB needs a smaller feature set on Espruino (e.g. no URL parsing, no failover list, no offline queue), not just trimming.';
    }
    if (es5 > CLIENT_LIMIT) notes.push('The Espruino client is ' + fmt(es5 - CLIENT_LIMIT, 0) + ' B over the 5 KB budget (' + fmt(es5 / CLIENT_LIMIT, 1) + '×). Espruino keeps the source text in its variable store (ESP8266: ~1 700 variables of 12 B ≈ 20 KB for code and data together), so at this size the client does not fit an ESP8266 at all. The table above shows which sources carry the bytes.' + strings);
  } catch (e) {
    notes.push('Client alone not measured: ' + String((e as Error).message || e));
    targets.push({ name: 'client minified for Espruino', target: '≤ 5 KB (5 120 B)', measured: 'n/a', met: null });
  }
  return {
    title: '1. Code size',
    method: [
      '- Espruino and Moddable files: the output of `npm run build` (scripts/build.ts) in dist/, byte size on disk and gzip -9 (zlib) size.',
      '- Client alone: `src/client.ts` bundled with everything it imports by esbuild, lowered to ES5 by SWC and minified by terser (compress, 2 passes, mangle) — the same tools as the Espruino build but with their default settings, run here independently as a cross-check (the build\'s own settings give the smaller dist/ number, which the target uses). The ES2020 row is esbuild\'s own minifier; the per-file table comes from esbuild\'s metafile.',
    ],
    tables: tables,
    targets: targets,
    notes: notes,
  };
}
