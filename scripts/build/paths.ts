// Where things are, whether the build runs from scripts/ (tsx) or build/scripts/ (compiled).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (path.basename(dir) !== 'scripts') dir = path.dirname(dir);
  dir = path.dirname(dir);
  return path.basename(dir) === 'build' ? path.dirname(dir) : dir;
})();

export const distEspruino = path.join(root, 'dist', 'espruino');
export const distModdable = path.join(root, 'dist', 'moddable');
export const tmpDir = path.join(root, '.tmp', 'build');
