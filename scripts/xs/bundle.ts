// Bundles TypeScript sources (src/, test/core/) into one plain script for an embedded engine.
// platform 'neutral' resolves no Node built-ins, so an import of a Node API fails the bundle.
import { build } from 'esbuild';
import type { Plugin } from 'esbuild';
import path from 'node:path';
import { root as repoRoot } from '../build/paths.js';

export interface BundleOptions {
  entry: string;                   // path relative to the repository root (a .ts file)
  globalName?: string;             // the entry's exports become this global (iife only)
  format?: 'iife' | 'esm';         // default iife: xsnap evaluates scripts, not modules
  target?: string;                 // default es2022
  minify?: boolean;
  /** engine modules (e.g. 'timer', 'embedded:io/socket/tcp') → fake files, relative to the repository root */
  modules?: Record<string, string>;
}

function fakeModules(map: Record<string, string>): Plugin {
  return {
    name: 'fake-engine-modules',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => (map[args.path] ? { path: path.resolve(repoRoot, map[args.path]) } : undefined));
    },
  };
}

export async function bundle(o: BundleOptions): Promise<string> {
  const result = await build({
    entryPoints: [path.resolve(repoRoot, o.entry)],
    absWorkingDir: repoRoot,
    bundle: true,
    write: false,
    format: o.format ?? 'iife',
    globalName: o.format === 'esm' ? undefined : o.globalName,
    target: o.target ?? 'es2022',
    platform: 'neutral',
    minify: o.minify ?? false,
    plugins: o.modules ? [fakeModules(o.modules)] : [],
    // as scripts/build/moddable.ts ships it: declared-only fields are not defineProperty calls
    tsconfigRaw: { compilerOptions: { useDefineForClassFields: false } },
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}
