// Bundles TypeScript sources (src/, test/core/) into one plain script for an embedded engine.
// platform 'neutral' resolves no Node built-ins, so an import of a Node API fails the bundle.
import { build } from 'esbuild';
import path from 'node:path';
import { root as repoRoot } from '../build/paths.js';

export interface BundleOptions {
  entry: string;                   // path relative to the repository root (a .ts file)
  globalName?: string;             // the entry's exports become this global (iife only)
  format?: 'iife' | 'esm';         // default iife: xsnap evaluates scripts, not modules
  target?: string;                 // default es2022
  minify?: boolean;
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
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}
