// The dashboard page's script: host-sim/dashboard/page/main.ts (our MqttClient, the WebSocket
// platform, uPlot) bundled by esbuild into build/dashboard/, once, and again only when a source
// changed — so a start with nothing changed costs a few stat calls.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest folder above this file with our package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'host-sim', 'dashboard', 'page'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the mcu-mqtt checkout above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Builds the page if needed; resolves to the folder with app.js (and its source map). */
export async function pageBundle(): Promise<string> {
  const root = repoRoot();
  const pageDir = join(root, 'host-sim', 'dashboard', 'page');
  const out = join(root, 'build', 'dashboard');
  const built = existsSync(join(out, 'app.js')) ? statSync(join(out, 'app.js')).mtimeMs : 0;
  const sources = Math.max(newest(pageDir), newest(join(root, 'src')), statSync(join(root, 'host-sim', 'dashboard', 'protocol.ts')).mtimeMs);
  if (built > sources) return out;
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: { app: join(pageDir, 'main.ts') },
    bundle: true,
    format: 'esm',
    target: 'es2022', // top-level await
    platform: 'browser',
    minify: true,
    sourcemap: true,
    outdir: out,
    logLevel: 'error',
  });
  return out;
}
