#!/usr/bin/env node
// `npm start` and `npx host-sim`: runs host-sim from a bundle that esbuild makes from the
// TypeScript sources (host-sim/, src/, boards/) the first time and again only when one of them
// changed — a start with nothing changed costs a few stat calls, not a compile. No type-check
// here (npm test does that, with the tests and benches): starting must be quick.
// Plain JavaScript on purpose: it has to run before anything is built.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const out = join(root, 'build', 'start', 'host-sim.mjs');

function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let t = 0;
  for (const name of readdirSync(path)) t = Math.max(t, newest(join(path, name)));
  return t;
}

const sources = Math.max(newest(join(root, 'host-sim')), newest(join(root, 'src')), newest(join(root, 'boards')),
  newest(join(root, 'package.json')));
if (!existsSync(out) || statSync(out).mtimeMs < sources) {
  const t0 = Date.now();
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [join(root, 'host-sim', 'cli.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external', // aedes, ws, esbuild… load from node_modules as they are
    sourcemap: true,
    outfile: out,
    logLevel: 'error',
  });
  process.stderr.write(`host-sim: built ${out.slice(root.length + 1)} from the sources in ${Date.now() - t0} ms\n`);
}
await import(pathToFileURL(out).href);
